/* agent_client.c — agent round trips for the provider, with the refresh snapshot. */
#include "agent_client.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Refresh, plan and apply calls are small; a stuck agent must not hang tofu. Listing thousands of
 * objects gets longer. */
#define CALL_TIMEOUT_MS 30000
#define LIST_TIMEOUT_MS 120000

struct agent_client {
    pthread_mutex_t lock;
    pthread_cond_t listed;
    rpc_channel_t *channel;
    char *endpoint;
    bool listing; /* one thread is fetching the snapshot; others wait */
    bool have_snapshot;
    agent_object_list_t snapshot; /* sorted by kind, name */
};

agent_client_t *agent_client_new(void)
{
    agent_client_t *client = calloc(1, sizeof *client);
    if (!client)
        return NULL;
    pthread_mutex_init(&client->lock, NULL);
    pthread_cond_init(&client->listed, NULL);
    return client;
}

void agent_client_free(agent_client_t *client)
{
    if (!client)
        return;
    rpc_channel_free(client->channel);
    agent_object_list_free(&client->snapshot);
    free(client->endpoint);
    pthread_mutex_destroy(&client->lock);
    pthread_cond_destroy(&client->listed);
    free(client);
}

weir_status_t agent_client_configure(agent_client_t *client, const char *endpoint, const char *token,
                                     const char *ca_pem, weir_err_t *err)
{
    rpc_channel_t *channel = rpc_channel_new(endpoint, ca_pem, token, err);
    if (!channel)
        return WEIR_ERR_INVALID;
    char *endpoint_copy = strdup(endpoint);
    if (!endpoint_copy) {
        rpc_channel_free(channel);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    pthread_mutex_lock(&client->lock);
    rpc_channel_free(client->channel);
    free(client->endpoint);
    client->channel = channel;
    client->endpoint = endpoint_copy;
    agent_object_list_free(&client->snapshot);
    client->have_snapshot = false;
    pthread_mutex_unlock(&client->lock);
    return WEIR_OK;
}

static weir_status_t explain(const agent_client_t *client, weir_status_t result, const rpc_error_t *error,
                             const char *what, weir_err_t *err)
{
    if (result == WEIR_OK || result == WEIR_ERR_NOT_FOUND)
        return result;
    switch (error->code) {
    case GRPC_STATUS_UNAVAILABLE:
    case GRPC_STATUS_DEADLINE_EXCEEDED:
        weir_err_set(err,
                     "Cannot reach the Weir agent at %s while trying to %s: %s. Check the provider's "
                     "endpoint (or WEIR_ENDPOINT), that `weir-agent serve` is running, and that "
                     "ca_cert matches the agent's certificate.",
                     client->endpoint, what, error->message);
        return WEIR_ERR_UNAVAILABLE;
    case GRPC_STATUS_UNAUTHENTICATED:
        weir_err_set(err,
                     "The Weir agent at %s refused the token while trying to %s: set the "
                     "provider's token (or WEIR_TOKEN) to the agent's token.",
                     client->endpoint, what);
        return WEIR_ERR_AUTH;
    case GRPC_STATUS_CANCELLED:
        weir_err_set(err, "Cancelled while trying to %s.", what);
        return WEIR_ERR_UNAVAILABLE;
    default:
        weir_err_set(err, "The Weir agent could not %s: %s", what, error->message);
        return result;
    }
}

static bool configured(agent_client_t *client, weir_err_t *err)
{
    if (client->channel)
        return true;
    weir_err_set(err, "The provider is not configured: set endpoint (or WEIR_ENDPOINT).");
    return false;
}

static int compare_objects(const void *a, const void *b)
{
    const agent_object_t *x = a, *y = b;
    int by_kind = strcmp(x->kind, y->kind);
    return by_kind ? by_kind : strcmp(x->name, y->name);
}

weir_status_t agent_client_read(agent_client_t *client, const char *kind, const char *name, agent_object_t *out,
                                weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    pthread_mutex_lock(&client->lock);
    if (!configured(client, err)) {
        pthread_mutex_unlock(&client->lock);
        return WEIR_ERR_INVALID;
    }
    while (client->listing)
        pthread_cond_wait(&client->listed, &client->lock);
    if (!client->have_snapshot) {
        client->listing = true;
        rpc_channel_t *channel = client->channel;
        pthread_mutex_unlock(&client->lock);

        agent_object_list_t list = {0};
        rpc_error_t error = {0};
        result =
            explain(client, agent_api_list(channel, LIST_TIMEOUT_MS, "", &list, &error), &error, "list objects", err);
        if (result == WEIR_OK) {
            qsort(list.items, list.count, sizeof *list.items, compare_objects);
            log_debug("agent_client", "snapshot of %zu objects", list.count);
        }

        pthread_mutex_lock(&client->lock);
        client->listing = false;
        if (result == WEIR_OK) {
            agent_object_list_free(&client->snapshot);
            client->snapshot = list;
            client->have_snapshot = true;
        }
        pthread_cond_broadcast(&client->listed);
    }
    if (result == WEIR_OK) {
        agent_object_t key = {.kind = (char *)kind, .name = (char *)name};
        const agent_object_t *found =
            bsearch(&key, client->snapshot.items, client->snapshot.count, sizeof key, compare_objects);
        result = found ? agent_object_copy(found, out) : WEIR_ERR_NOT_FOUND;
    }
    pthread_mutex_unlock(&client->lock);
    return result;
}

static rpc_channel_t *channel_of(agent_client_t *client, weir_err_t *err)
{
    pthread_mutex_lock(&client->lock);
    rpc_channel_t *channel = configured(client, err) ? client->channel : NULL;
    pthread_mutex_unlock(&client->lock);
    return channel;
}

static void invalidate(agent_client_t *client)
{
    pthread_mutex_lock(&client->lock);
    client->have_snapshot = false;
    pthread_mutex_unlock(&client->lock);
}

weir_status_t agent_client_get(agent_client_t *client, const char *kind, const char *name, agent_object_t *out,
                               weir_err_t *err)
{
    rpc_channel_t *channel = channel_of(client, err);
    if (!channel)
        return WEIR_ERR_INVALID;
    rpc_error_t error = {0};
    return explain(client, agent_api_get(channel, CALL_TIMEOUT_MS, kind, name, out, &error), &error, "read the object",
                   err);
}

weir_status_t agent_client_put(agent_client_t *client, const char *kind, const char *name, const char *spec_json,
                               const char *write_only_json, int64_t expected_generation, agent_object_t *out,
                               agent_diags_t *diags, weir_err_t *err)
{
    *diags = (agent_diags_t){0};
    rpc_channel_t *channel = channel_of(client, err);
    if (!channel)
        return WEIR_ERR_INVALID;
    invalidate(client);
    rpc_error_t error = {0};
    weir_status_t result = agent_api_put(channel, CALL_TIMEOUT_MS, kind, name, spec_json, write_only_json,
                                         expected_generation, out, diags, &error);
    if (result == WEIR_ERR_NOT_FOUND) {
        weir_err_set(err, "The Weir agent could not store the object: %s", error.message);
        return WEIR_ERR_INVALID;
    }
    return explain(client, result, &error, "store the object", err);
}

weir_status_t agent_client_delete(agent_client_t *client, const char *kind, const char *name, weir_err_t *err)
{
    rpc_channel_t *channel = channel_of(client, err);
    if (!channel)
        return WEIR_ERR_INVALID;
    invalidate(client);
    rpc_error_t error = {0};
    weir_status_t result = agent_api_delete(channel, CALL_TIMEOUT_MS, kind, name, AGENT_ANY_GENERATION, &error);
    if (result == WEIR_ERR_NOT_FOUND)
        return WEIR_OK;
    return explain(client, result, &error, "delete the object", err);
}

void agent_client_cancel_all(agent_client_t *client)
{
    pthread_mutex_lock(&client->lock);
    if (client->channel)
        rpc_channel_cancel_all(client->channel);
    pthread_mutex_unlock(&client->lock);
}

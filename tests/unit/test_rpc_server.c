/* test_rpc_server.c — the gRPC server runtime over real TLS on loopback: calls are authorized from
 * their headers before the request is read (the agent's own bearer-token hook), and calls beyond
 * the worker cap are refused at once with RESOURCE_EXHAUSTED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>

#include "weir/agent/v1/agent.pb-c.h"

#include "agent_api.h"
#include "control_api.h"
#include "rpc_client.h"
#include "rpc_server.h"
#include "tls_cert.h"

#define TOKEN "right-token-0123456789abcdef"
#define ECHO "/weir.test.Echo/Echo"
#define SLOW "/weir.test.Echo/Slow"
#define CALL_TIMEOUT_MS 20000
/* Every wait in this file is bounded; none should come near this. */
#define WAIT_LIMIT_MS 15000

/* The agent's control_api_t first, so control_api_authorize can take this as its context. */
typedef struct {
    control_api_t api;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int handler_calls; /* any handler entered */
    int slow_entered;
    bool release;
} test_ctx_t;

static tls_cert_t cert;

static void reply_with_body(const rpc_request_t *request, rpc_reply_t *reply)
{
    if (buf_append(&reply->body, request->body, request->body_len) != WEIR_OK)
        reply->code = GRPC_STATUS_RESOURCE_EXHAUSTED;
}

static void echo(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    test_ctx_t *t = ctx;
    pthread_mutex_lock(&t->lock);
    t->handler_calls++;
    pthread_mutex_unlock(&t->lock);
    reply_with_body(request, reply);
}

static void deadline_in(struct timespec *until, int ms)
{
    clock_gettime(CLOCK_REALTIME, until);
    until->tv_sec += ms / 1000;
    until->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until->tv_nsec >= 1000000000L) {
        until->tv_sec++;
        until->tv_nsec -= 1000000000L;
    }
}

/* Blocks until the test releases it (or the bounded wait ends, which fails the test elsewhere). */
static void slow(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    test_ctx_t *t = ctx;
    struct timespec until;
    deadline_in(&until, WAIT_LIMIT_MS);
    pthread_mutex_lock(&t->lock);
    t->handler_calls++;
    t->slow_entered++;
    pthread_cond_broadcast(&t->changed);
    while (!t->release && pthread_cond_timedwait(&t->changed, &t->lock, &until) == 0) {
    }
    bool released = t->release;
    pthread_mutex_unlock(&t->lock);
    if (!released) {
        reply->code = GRPC_STATUS_DEADLINE_EXCEEDED;
        snprintf(reply->message, sizeof reply->message, "the test never released the call");
        return;
    }
    reply_with_body(request, reply);
}

/* GetObject as the agent answers it, so agent_api's client can be driven against this server. */
static void get_object(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)request;
    test_ctx_t *t = ctx;
    pthread_mutex_lock(&t->lock);
    t->handler_calls++;
    pthread_mutex_unlock(&t->lock);
    Weir__Agent__V1__Object object = WEIR__AGENT__V1__OBJECT__INIT;
    object.kind = "pipeline";
    object.name = "orders";
    object.spec_json = "{}";
    object.generation = 7;
    Weir__Agent__V1__GetObjectResponse response = WEIR__AGENT__V1__GET_OBJECT_RESPONSE__INIT;
    response.object = &object;
    uint8_t packed[256];
    size_t len = weir__agent__v1__get_object_response__pack(&response, packed);
    if (buf_append(&reply->body, packed, len) != WEIR_OK)
        reply->code = GRPC_STATUS_INTERNAL;
}

static const rpc_method_t methods[] = {{ECHO, echo}, {SLOW, slow}, {AGENT_METHOD_GET, get_object}};

typedef struct {
    test_ctx_t ctx;
    rpc_server_t *server;
    pthread_t thread;
    volatile sig_atomic_t stop;
    char target[64];
} fixture_t;

static void *serve(void *arg)
{
    fixture_t *f = arg;
    weir_status_t result = rpc_server_run(f->server, &f->stop, 1000);
    return (void *)(intptr_t)result;
}

static fixture_t *start(int max_calls)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    control_api_init(&f->ctx.api, NULL, TOKEN);
    pthread_mutex_init(&f->ctx.lock, NULL);
    pthread_cond_init(&f->ctx.changed, NULL);
    f->server = rpc_server_new(methods, sizeof methods / sizeof methods[0], &f->ctx, control_api_authorize);
    assert_non_null(f->server);
    rpc_server_set_max_calls(f->server, max_calls);
    grpc_ssl_pem_key_cert_pair pair = {.private_key = cert.key_pem, .cert_chain = cert.cert_pem};
    grpc_server_credentials *creds =
        grpc_ssl_server_credentials_create_ex(NULL, &pair, 1, GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
    weir_err_t err = {{0}};
    assert_int_equal(rpc_server_listen(f->server, "127.0.0.1:0", creds, &err), WEIR_OK);
    assert_true(rpc_server_port(f->server) > 0);
    snprintf(f->target, sizeof f->target, "127.0.0.1:%d", rpc_server_port(f->server));
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
    return f;
}

static void finish(fixture_t *f)
{
    rpc_server_stop(f->server);
    void *result;
    assert_int_equal(pthread_join(f->thread, &result), 0);
    assert_int_equal((intptr_t)result, WEIR_OK);
    rpc_server_free(f->server);
    pthread_cond_destroy(&f->ctx.changed);
    pthread_mutex_destroy(&f->ctx.lock);
    free(f);
}

static int handler_calls(test_ctx_t *t)
{
    pthread_mutex_lock(&t->lock);
    int calls = t->handler_calls;
    pthread_mutex_unlock(&t->lock);
    return calls;
}

static rpc_channel_t *channel_with(const fixture_t *f, const char *token)
{
    weir_err_t err = {{0}};
    rpc_channel_t *channel = rpc_channel_new(f->target, cert.cert_pem, token, &err);
    assert_non_null(channel);
    return channel;
}

static grpc_status_code call(rpc_channel_t *channel, const char *method, const uint8_t *body, size_t len,
                             weir_buf_t *response, rpc_error_t *error)
{
    weir_status_t result = rpc_call(channel, method, body, len, response, CALL_TIMEOUT_MS, error);
    assert_true((result == WEIR_OK) == (error->code == GRPC_STATUS_OK));
    return error->code;
}

static void wrong_token_never_reaches_the_body(void **state)
{
    (void)state;
    fixture_t *f = start(0);
    /* A large body: were it received, the server would count it and the handler would run. */
    size_t len = 1u << 20;
    uint8_t *body = malloc(len);
    assert_non_null(body);
    memset(body, 'x', len);
    weir_buf_t response;
    buf_init(&response, 4u << 20);
    rpc_error_t error = {0};

    rpc_channel_t *wrong = channel_with(f, "wrong-token-0123456789abcdef");
    assert_int_equal(call(wrong, ECHO, body, len, &response, &error), GRPC_STATUS_UNAUTHENTICATED);
    assert_non_null(strstr(error.message, "bearer token"));
    rpc_channel_free(wrong);
    rpc_channel_t *none = channel_with(f, NULL);
    assert_int_equal(call(none, ECHO, body, 16, &response, &error), GRPC_STATUS_UNAUTHENTICATED);
    rpc_channel_free(none);
    assert_int_equal(response.len, 0);

    rpc_server_stats_t stats;
    rpc_server_stats(f->server, &stats);
    assert_int_equal(stats.refused_auth, 2);
    assert_int_equal(stats.request_bodies_read, 0);
    assert_int_equal(stats.calls_served, 0);
    assert_int_equal(handler_calls(&f->ctx), 0);

    /* The right token goes through, which shows the counters above do count. */
    rpc_channel_t *right = channel_with(f, TOKEN);
    assert_int_equal(call(right, ECHO, body, len, &response, &error), GRPC_STATUS_OK);
    assert_int_equal(response.len, len);
    assert_memory_equal(response.data, body, len);
    rpc_channel_free(right);
    rpc_server_stats(f->server, &stats);
    assert_int_equal(stats.refused_auth, 2);
    assert_int_equal(stats.request_bodies_read, 1);
    assert_int_equal(stats.calls_served, 1);
    assert_int_equal(handler_calls(&f->ctx), 1);

    buf_free(&response);
    free(body);
    finish(f);
}

static void unknown_method_is_unimplemented(void **state)
{
    (void)state;
    fixture_t *f = start(0);
    rpc_channel_t *right = channel_with(f, TOKEN);
    weir_buf_t response;
    buf_init(&response, 1024);
    rpc_error_t error = {0};
    assert_int_equal(call(right, "/weir.test.Echo/Nope", (const uint8_t *)"x", 1, &response, &error),
                     GRPC_STATUS_UNIMPLEMENTED);
    rpc_channel_free(right);
    buf_free(&response);
    assert_int_equal(handler_calls(&f->ctx), 0);
    finish(f);
}

enum { CAP = 3, EXTRA = 2 };

typedef struct {
    rpc_channel_t *channel;
    pthread_mutex_t *lock;
    pthread_cond_t *changed;
    int *finished;
    grpc_status_code code;
    char message[1024];
    size_t response_len;
} caller_t;

static void *caller(void *arg)
{
    caller_t *c = arg;
    weir_buf_t response;
    buf_init(&response, 1024);
    rpc_error_t error = {0};
    weir_status_t result = rpc_call(c->channel, SLOW, (const uint8_t *)"slow", 4, &response, CALL_TIMEOUT_MS, &error);
    (void)result; /* the status code carries the outcome */
    c->code = error.code;
    snprintf(c->message, sizeof c->message, "%s", error.message);
    c->response_len = response.len;
    buf_free(&response);
    pthread_mutex_lock(c->lock);
    (*c->finished)++;
    pthread_cond_broadcast(c->changed);
    pthread_mutex_unlock(c->lock);
    return NULL;
}

static void calls_beyond_the_cap_are_refused(void **state)
{
    (void)state;
    fixture_t *f = start(CAP);
    test_ctx_t *t = &f->ctx;
    rpc_channel_t *channel = channel_with(f, TOKEN);
    caller_t callers[CAP + EXTRA];
    pthread_t threads[CAP + EXTRA];
    int finished = 0;
    for (int i = 0; i < CAP + EXTRA; i++) {
        callers[i] = (caller_t){.channel = channel,
                                .lock = &t->lock,
                                .changed = &t->changed,
                                .finished = &finished,
                                .code = GRPC_STATUS_UNKNOWN};
        assert_int_equal(pthread_create(&threads[i], NULL, caller, &callers[i]), 0);
    }
    /* The first CAP calls block in the handler; the EXTRA others must come back at once. */
    struct timespec until;
    deadline_in(&until, WAIT_LIMIT_MS);
    pthread_mutex_lock(&t->lock);
    while ((t->slow_entered < CAP || finished < EXTRA) && pthread_cond_timedwait(&t->changed, &t->lock, &until) == 0) {
    }
    int entered = t->slow_entered, refused_early = finished;
    t->release = true;
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);
    for (int i = 0; i < CAP + EXTRA; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(entered, CAP);
    assert_int_equal(refused_early, EXTRA);

    int ok = 0, exhausted = 0;
    for (int i = 0; i < CAP + EXTRA; i++) {
        if (callers[i].code == GRPC_STATUS_OK && callers[i].response_len == 4)
            ok++;
        else if (callers[i].code == GRPC_STATUS_RESOURCE_EXHAUSTED && strstr(callers[i].message, "retry"))
            exhausted++;
        else
            fail_msg("call %d ended with status %d: %s", i, (int)callers[i].code, callers[i].message);
    }
    assert_int_equal(ok, CAP);
    assert_int_equal(exhausted, EXTRA);
    rpc_server_stats_t stats;
    rpc_server_stats(f->server, &stats);
    assert_int_equal(stats.refused_busy, EXTRA);
    assert_int_equal(stats.calls_served, CAP);
    assert_true(stats.peak_workers >= 1 && stats.peak_workers <= CAP);

    /* Capacity comes back once calls finish. */
    weir_buf_t response;
    buf_init(&response, 1024);
    rpc_error_t error = {0};
    assert_int_equal(call(channel, ECHO, (const uint8_t *)"again", 5, &response, &error), GRPC_STATUS_OK);
    buf_free(&response);
    rpc_channel_free(channel);
    finish(f);
}

typedef struct {
    rpc_channel_t *channel;
    weir_status_t result;
    agent_object_t object;
} getter_t;

static void *getter(void *arg)
{
    getter_t *g = arg;
    rpc_error_t error = {0};
    g->result = agent_api_get(g->channel, CALL_TIMEOUT_MS, "pipeline", "orders", &g->object, &error);
    return NULL;
}

static void busy_agent_is_retried_by_the_client(void **state)
{
    (void)state;
    fixture_t *f = start(1);
    test_ctx_t *t = &f->ctx;
    rpc_channel_t *channel = channel_with(f, TOKEN);
    int finished = 0;
    caller_t holder = {.channel = channel,
                       .lock = &t->lock,
                       .changed = &t->changed,
                       .finished = &finished,
                       .code = GRPC_STATUS_UNKNOWN};
    pthread_t hold_thread, get_thread;
    assert_int_equal(pthread_create(&hold_thread, NULL, caller, &holder), 0);
    struct timespec until;
    deadline_in(&until, WAIT_LIMIT_MS);
    pthread_mutex_lock(&t->lock);
    while (t->slow_entered < 1 && pthread_cond_timedwait(&t->changed, &t->lock, &until) == 0) {
    }
    pthread_mutex_unlock(&t->lock);
    /* The only worker is busy: the get is refused and retried until the worker is free. */
    getter_t g = {.channel = channel, .result = WEIR_ERR_INTERNAL};
    assert_int_equal(pthread_create(&get_thread, NULL, getter, &g), 0);
    rpc_server_stats_t stats = {0};
    for (int i = 0; i < 150 && stats.refused_busy < 2; i++) {
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
        nanosleep(&pause, NULL);
        rpc_server_stats(f->server, &stats);
    }
    assert_true(stats.refused_busy >= 2);
    pthread_mutex_lock(&t->lock);
    t->release = true;
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);
    assert_int_equal(pthread_join(hold_thread, NULL), 0);
    assert_int_equal(pthread_join(get_thread, NULL), 0);
    assert_int_equal(holder.code, GRPC_STATUS_OK);
    assert_int_equal(g.result, WEIR_OK);
    assert_string_equal(g.object.name, "orders");
    assert_int_equal(g.object.generation, 7);
    agent_object_clear(&g.object);
    rpc_channel_free(channel);
    finish(f);
}

static int setup(void **state)
{
    (void)state;
    grpc_init();
    weir_err_t err = {{0}};
    return tls_cert_generate("weir-test", "localhost", "127.0.0.1", 1, &cert, &err) == WEIR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tls_cert_free(&cert);
    grpc_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrong_token_never_reaches_the_body),
        cmocka_unit_test(unknown_method_is_unimplemented),
        cmocka_unit_test(calls_beyond_the_cap_are_refused),
        cmocka_unit_test(busy_agent_is_retried_by_the_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

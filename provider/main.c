/* main.c — terraform-provider-weir: refuses to run by hand, otherwise serves OpenTofu. */
#include <grpc/grpc.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin_server.h"
#include "weir_revision.h"
#include "weir_version.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("terraform-provider-weir %s (git %s)\n", WEIR_VERSION, WEIR_GIT_REVISION);
        return 0;
    }
    const char *cookie = getenv(PLUGIN_COOKIE_KEY);
    if (!cookie || strcmp(cookie, PLUGIN_COOKIE_VALUE) != 0) {
        fprintf(stderr,
                "terraform-provider-weir is an OpenTofu plugin: OpenTofu starts it when a "
                "configuration uses the weirdata/weir provider. Run `tofu init` and `tofu plan` instead.\n");
        return 1;
    }
    const char *level = getenv("WEIR_LOG_LEVEL");
    log_level_t parsed;
    if (level && log_level_parse(level, &parsed))
        log_min_level = parsed;

    /* tofu calls in parallel; one malloc arena per thread would multiply the provider's memory for
     * no gain at this size. */
    mallopt(M_ARENA_MAX, 2);
    grpc_init();
    tfp_provider_t provider = {.agent = agent_client_new()};
    int code = provider.agent ? plugin_server_run(&provider) : 1;
    agent_client_free(provider.agent);
    grpc_shutdown();
    return code;
}

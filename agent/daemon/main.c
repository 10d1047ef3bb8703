/* main.c — weir-agent: `serve` runs the daemon, `ctl` talks to a running one. */
#include <grpc/grpc.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "serve.h"
#include "weir_revision.h"
#include "weir_version.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: weir-agent serve [options]   run the agent (see serve --help)\n"
            "       weir-agent ctl [options] ...  operate a running agent (see ctl --help)\n"
            "       weir-agent --version          print the version and git revision\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("weir-agent %s (git %s)\n", WEIR_VERSION, WEIR_GIT_REVISION);
        return 0;
    }
    int code;
    grpc_init();
    if (strcmp(argv[1], "serve") == 0)
        code = serve_main(argc - 2, argv + 2);
    else if (strcmp(argv[1], "ctl") == 0)
        code = ctl_main(argc - 2, argv + 2);
    else {
        usage(stderr);
        code = 2;
    }
    grpc_shutdown();
    return code;
}

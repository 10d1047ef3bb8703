/* serve.h — `weir-agent serve`: opens the store and runs the control API until SIGINT/SIGTERM. */
#ifndef WEIR_SERVE_H
#define WEIR_SERVE_H

int serve_main(int argc, char **argv);

#endif

/* plugin_server.h — the go-plugin side of the provider: handshake line, AutoMTLS, health,
 * controller and stdio services, and a clean exit. */
#ifndef WEIR_PLUGIN_SERVER_H
#define WEIR_PLUGIN_SERVER_H

#include "tfplugin_service.h"

/* The cookie OpenTofu sets so a plugin knows it was launched by OpenTofu. */
#define PLUGIN_COOKIE_KEY "TF_PLUGIN_MAGIC_COOKIE"
#define PLUGIN_COOKIE_VALUE "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

/* Serves until OpenTofu calls Shutdown or SIGTERM arrives. Returns the process exit code. */
int plugin_server_run(tfp_provider_t *provider);

#endif

/* log.h — JSON log lines on stderr; the level is checked before anything is formatted.
 * The provider's lines are parsed by OpenTofu (@level/@message/@timestamp); the agent's are for
 * log shippers. Callers never pass secret values: redaction happens where values are formatted. */
#ifndef WEIR_LOG_H
#define WEIR_LOG_H

#include "status.h"

typedef enum { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

extern log_level_t log_min_level;

/* Parses "trace".."error"; returns false for anything else. */
int log_level_parse(const char *text, log_level_t *out);
void log_emit(log_level_t level, const char *module, const char *fmt, ...) WEIR_PRINTF(3, 4);

#define LOG_AT(level, module, ...)                                                                 \
    do {                                                                                           \
        if ((level) >= log_min_level)                                                              \
            log_emit((level), (module), __VA_ARGS__);                                              \
    } while (0)
#define log_debug(module, ...) LOG_AT(LOG_DEBUG, module, __VA_ARGS__)
#define log_info(module, ...) LOG_AT(LOG_INFO, module, __VA_ARGS__)
#define log_warn(module, ...) LOG_AT(LOG_WARN, module, __VA_ARGS__)
#define log_error(module, ...) LOG_AT(LOG_ERROR, module, __VA_ARGS__)

#endif

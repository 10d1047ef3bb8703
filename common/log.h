/* log.h — JSON log lines on stderr; the level is checked before anything is formatted.
 * The provider's lines are parsed by OpenTofu (@level/@message/@timestamp); the agent's are for
 * log shippers and carry the run context (run, pipeline, table, step) of the thread that logs.
 * Callers never pass secret values on purpose; as a second line of defence every secret value
 * the process resolved is registered and replaced by [REDACTED] in any line that contains it. */
#ifndef WEIR_LOG_H
#define WEIR_LOG_H

#include "status.h"

typedef enum { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

extern log_level_t log_min_level;

/* Parses "trace".."error"; returns false for anything else. */
int log_level_parse(const char *text, log_level_t *out);
void log_emit(log_level_t level, const char *module, const char *fmt, ...) WEIR_PRINTF(3, 4);

/* The calling thread's run context, added to each of its lines until cleared (NULL run). */
void log_context_set(const char *run, const char *pipeline, const char *table);
void log_context_step(const char *step);
void log_context_clear(void);

/* Registers a secret value (4 bytes or more) to be redacted from every later line. */
void log_redact(const char *secret);

#define LOG_AT(level, module, ...)                    \
    do {                                              \
        if ((level) >= log_min_level)                 \
            log_emit((level), (module), __VA_ARGS__); \
    } while (0)
#define log_debug(module, ...) LOG_AT(LOG_DEBUG, module, __VA_ARGS__)
#define log_info(module, ...) LOG_AT(LOG_INFO, module, __VA_ARGS__)
#define log_warn(module, ...) LOG_AT(LOG_WARN, module, __VA_ARGS__)
#define log_error(module, ...) LOG_AT(LOG_ERROR, module, __VA_ARGS__)

#endif

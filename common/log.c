/* log.c — one JSON object per line on stderr, written with a single write(2) so threads don't
 * interleave; per-thread run context and redaction of registered secret values. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

log_level_t log_min_level = LOG_INFO;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

typedef struct {
    char run[40], pipeline[128], table[160], step[16];
} log_context_t;

static _Thread_local log_context_t context;

void log_context_set(const char *run, const char *pipeline, const char *table)
{
    snprintf(context.run, sizeof context.run, "%s", run ? run : "");
    snprintf(context.pipeline, sizeof context.pipeline, "%s", pipeline ? pipeline : "");
    snprintf(context.table, sizeof context.table, "%s", table ? table : "");
    context.step[0] = 0;
}

void log_context_step(const char *step)
{
    snprintf(context.step, sizeof context.step, "%s", step ? step : "");
}

void log_context_clear(void)
{
    memset(&context, 0, sizeof context);
}

/* Secrets to redact. Bounded: an agent resolves a few per source and destination; beyond the bound
 * the oldest registration is replaced. Values are kept only in this process's memory. */
#define LOG_REDACT_MAX 256
#define LOG_REDACT_MIN_LEN 4

static pthread_mutex_t redact_lock = PTHREAD_MUTEX_INITIALIZER;
static char *redacted[LOG_REDACT_MAX];
static size_t redact_next;

void log_redact(const char *secret)
{
    if (!secret || strlen(secret) < LOG_REDACT_MIN_LEN)
        return;
    pthread_mutex_lock(&redact_lock);
    bool known = false;
    for (size_t i = 0; i < LOG_REDACT_MAX && !known; i++)
        known = redacted[i] && strcmp(redacted[i], secret) == 0;
    if (!known) {
        char *copy = strdup(secret);
        if (copy) {
            size_t slot = redact_next++ % LOG_REDACT_MAX;
            free(redacted[slot]);
            redacted[slot] = copy;
        }
    }
    pthread_mutex_unlock(&redact_lock);
}

/* Replaces every registered secret in `message` (in place, bounded by `size`). */
static void redact(char *message, size_t size)
{
    static const char mask[] = "[REDACTED]";
    pthread_mutex_lock(&redact_lock);
    for (size_t i = 0; i < LOG_REDACT_MAX; i++) {
        if (!redacted[i])
            continue;
        size_t len = strlen(redacted[i]);
        char *from = message, *hit;
        /* Searching on after each mask: a secret that is part of the mask cannot loop. */
        while ((hit = strstr(from, redacted[i]))) {
            size_t offset = (size_t)(hit - message);
            if (offset + sizeof mask > size) {
                *hit = 0;
                break;
            }
            size_t tail = strlen(hit + len), room = size - offset - sizeof mask;
            if (tail > room)
                tail = room;
            memmove(hit + sizeof mask - 1, hit + len, tail);
            hit[sizeof mask - 1 + tail] = 0;
            memcpy(hit, mask, sizeof mask - 1);
            from = hit + sizeof mask - 1;
        }
    }
    pthread_mutex_unlock(&redact_lock);
}

int log_level_parse(const char *text, log_level_t *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (log_level_t)i;
            return 1;
        }
    }
    return 0;
}

static weir_status_t put_json_string(weir_buf_t *out, const char *text)
{
    weir_status_t result = buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)text; *p && result == WEIR_OK; p++) {
        if (*p == '"' || *p == '\\')
            result = buf_printf(out, "\\%c", *p);
        else if (*p < 0x20)
            result = buf_printf(out, "\\u%04x", *p);
        else
            result = buf_putc(out, *p);
    }
    if (result == WEIR_OK)
        result = buf_putc(out, '"');
    return result;
}

void log_emit(log_level_t level, const char *module, const char *fmt, ...)
{
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    redact(message, sizeof message);

    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[64];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (long)now.tv_usec);

    /* A log line is bounded so a runaway message cannot exhaust memory. */
    weir_buf_t line;
    buf_init(&line, 8192);
    weir_status_t result =
        buf_printf(&line, "{\"@level\":\"%s\",\"@timestamp\":\"%s\",\"@module\":", level_names[level], stamp);
    if (result == WEIR_OK)
        result = put_json_string(&line, module);
    if (result == WEIR_OK)
        result = buf_puts(&line, ",\"@message\":");
    if (result == WEIR_OK)
        result = put_json_string(&line, message);
    const char *keys[] = {"run", "pipeline", "table", "step"};
    const char *values[] = {context.run, context.pipeline, context.table, context.step};
    for (size_t i = 0; result == WEIR_OK && i < 4; i++) {
        if (!values[i][0])
            continue;
        result = buf_printf(&line, ",\"%s\":", keys[i]);
        if (result == WEIR_OK)
            result = put_json_string(&line, values[i]);
    }
    if (result == WEIR_OK)
        result = buf_puts(&line, "}\n");
    if (result == WEIR_OK) {
        ssize_t written = write(STDERR_FILENO, line.data, line.len);
        (void)written;
    }
    buf_free(&line);
}

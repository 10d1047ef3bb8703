/* log.c — one JSON object per line on stderr, written with a single write(2) so threads don't interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

log_level_t log_min_level = LOG_INFO;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

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

    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[64];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)now.tv_usec);

    /* A log line is bounded so a runaway message cannot exhaust memory. */
    weir_buf_t line;
    buf_init(&line, 8192);
    weir_status_t result = buf_printf(&line, "{\"@level\":\"%s\",\"@timestamp\":\"%s\",\"@module\":",
                                      level_names[level], stamp);
    if (result == WEIR_OK)
        result = put_json_string(&line, module);
    if (result == WEIR_OK)
        result = buf_puts(&line, ",\"@message\":");
    if (result == WEIR_OK)
        result = put_json_string(&line, message);
    if (result == WEIR_OK)
        result = buf_puts(&line, "}\n");
    if (result == WEIR_OK) {
        ssize_t written = write(STDERR_FILENO, line.data, line.len);
        (void)written;
    }
    buf_free(&line);
}

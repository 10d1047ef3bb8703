/* test_log.c — log lines are JSON with the thread's run context, and registered secrets never
 * appear in them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs `emit` with stderr sent to a temporary file and returns what was written (new). */
static char *capture(void (*emit)(void))
{
    char path[] = "/tmp/weir-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    emit();
    dup2(saved, STDERR_FILENO);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc((size_t)size + 1, 1);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    unlink(path);
    return text;
}

static void emit_with_context(void)
{
    log_context_set("run-1", "payments", "public.tx");
    log_context_step("loading");
    log_info("runner", "connected with password %s and again %s", "hunter2-secret", "hunter2-secret");
    log_context_clear();
    log_info("serve", "no context here; token tok-1234567890");
}

static void lines_carry_context_and_hide_secrets(void **state)
{
    (void)state;
    log_redact("hunter2-secret");
    log_redact("tok-1234567890");
    log_redact("ab"); /* too short to redact without mangling every line */
    char *text = capture(emit_with_context);
    assert_null(strstr(text, "hunter2-secret"));
    assert_null(strstr(text, "tok-1234567890"));
    char *second = strchr(text, '\n');
    assert_non_null(second);
    *second++ = 0;
    json_t *line = json_loads(text, 0, NULL), *next = json_loads(second, 0, NULL);
    assert_non_null(line);
    assert_non_null(next);
    assert_string_equal(json_string_value(json_object_get(line, "@message")),
                        "connected with password [REDACTED] and again [REDACTED]");
    assert_string_equal(json_string_value(json_object_get(line, "run")), "run-1");
    assert_string_equal(json_string_value(json_object_get(line, "pipeline")), "payments");
    assert_string_equal(json_string_value(json_object_get(line, "table")), "public.tx");
    assert_string_equal(json_string_value(json_object_get(line, "step")), "loading");
    assert_null(json_object_get(next, "run"));
    assert_string_equal(json_string_value(json_object_get(next, "@message")), "no context here; token [REDACTED]");
    json_decref(line);
    json_decref(next);
    free(text);
}

static void emit_awkward(void)
{
    char long_message[3000];
    memset(long_message, 'x', sizeof long_message - 20);
    memcpy(long_message + 2030, "DACT", 4); /* a secret that is part of the mask itself */
    long_message[sizeof long_message - 20] = 0;
    log_info("test", "%s", long_message);
    log_info("test", "DACT DACT");
}

static void awkward_secrets_cannot_loop_or_overflow(void **state)
{
    (void)state;
    log_redact("DACT");
    char *text = capture(emit_awkward);
    assert_null(strstr(text, "DACT\""));
    assert_non_null(strstr(text, "\"[REDACTED] [REDACTED]\""));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_carry_context_and_hide_secrets),
        cmocka_unit_test(awkward_secrets_cannot_loop_or_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

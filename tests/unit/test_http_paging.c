/* test_http_paging.c — the HTTP source's parsers and paginators: JSON pointers, page bodies, Link
 * headers (long ones followed whole), and each paginator's next request, page cap and loop detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http_pager.h"
#include "json_pointer.h"

static void pointers_follow_rfc6901(void **state)
{
    (void)state;
    json_t *doc = json_loads("{\"data\":[{\"id\":\"ch_1\"}],\"a/b\":{\"m~n\":7},\"\":1}", 0, NULL);
    assert_string_equal(json_string_value(json_pointer_get(doc, "/data/0/id")), "ch_1");
    assert_int_equal(json_integer_value(json_pointer_get(doc, "/a~1b/m~0n")), 7);
    assert_int_equal(json_integer_value(json_pointer_get(doc, "/")), 1);
    assert_ptr_equal(json_pointer_get(doc, ""), doc);
    assert_null(json_pointer_get(doc, "/data/01")); /* leading zero */
    assert_null(json_pointer_get(doc, "/data/1"));  /* out of bounds */
    assert_null(json_pointer_get(doc, "/data/-"));  /* past the end selects nothing to read */
    assert_null(json_pointer_get(doc, "data"));     /* not a pointer */
    assert_null(json_pointer_get(doc, "/a~2b"));    /* bad escape */
    assert_false(json_pointer_valid("/x~"));
    assert_true(json_pointer_valid(""));
    json_decref(doc);
}

static void pages_parse_or_say_why(void **state)
{
    (void)state;
    const json_t *records = NULL;
    char why[300];
    const char body[] = "{\"data\":[{\"id\":1},{\"id\":2}],\"has_more\":false}";
    json_t *doc = http_page_parse(body, strlen(body), "/data", &records, why, sizeof why);
    assert_non_null(doc);
    assert_int_equal(json_array_size(records), 2);
    json_decref(doc);
    const char cut[] = "{\"data\":[{\"id\":1},{\"secret_field\":";
    assert_null(http_page_parse(cut, strlen(cut), "/data", &records, why, sizeof why));
    assert_non_null(strstr(why, "not JSON"));
    assert_null(strstr(why, "secret_field")); /* the body is never quoted */
    assert_null(http_page_parse(body, strlen(body), "/items", &records, why, sizeof why));
    assert_non_null(strstr(why, "/items"));
}

static void link_headers_give_the_next_url(void **state)
{
    (void)state;
    char next[256];
    assert_true(
        http_link_next("<https://h/x?page=1>; rel=\"prev\", <https://h/x?page=3>; rel=\"next\"", next, sizeof next));
    assert_string_equal(next, "https://h/x?page=3");
    assert_true(http_link_next("</x?cursor=abc>; rel=next", next, sizeof next));
    assert_string_equal(next, "/x?cursor=abc");
    assert_false(http_link_next("<https://h/x?page=9>; rel=\"last\"", next, sizeof next));
    assert_false(http_link_next("<https://h/x?page=2; rel=\"next\"", next, sizeof next)); /* no '>' */
    assert_false(http_link_next("", next, sizeof next));
}

typedef struct {
    char text[512];
} params_t;

static void collect(void *ctx, const char *name, const char *value)
{
    params_t *params = ctx;
    size_t used = strlen(params->text);
    snprintf(params->text + used, sizeof params->text - used, "%s=%s;", name, value);
}

static http_paginator_t paginator(http_page_type_t kind)
{
    return (http_paginator_t){.kind = kind,
                              .max_pages = 5,
                              .page_size = 2,
                              .has_page_size = true,
                              .size_param = "limit",
                              .cursor_param = "starting_after",
                              .id_field = "/id",
                              .has_more = "/has_more",
                              .next_url = "/next",
                              .page_param = "page",
                              .start_page = 1,
                              .offset_param = "offset"};
}

static weir_status_t advance(http_pager_t *pager, const char *body_text, const char *link, weir_err_t *err)
{
    json_t *body = json_loads(body_text, 0, NULL);
    assert_non_null(body);
    weir_status_t result = http_pager_advance(pager, body, json_object_get(body, "data"), link, err);
    json_decref(body);
    return result;
}

static void next_cursor_pages_until_has_more_is_false(void **state)
{
    (void)state;
    http_paginator_t spec = paginator(HTTP_PAGE_NEXT_CURSOR);
    http_pager_t pager;
    weir_err_t err = {{0}};
    params_t params = {{0}};
    http_pager_start(&pager, &spec);
    http_pager_params(&pager, collect, &params);
    assert_string_equal(params.text, "limit=2;");
    assert_int_equal(advance(&pager, "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"has_more\":true}", "", &err),
                     WEIR_OK);
    assert_false(pager.done);
    params.text[0] = 0;
    http_pager_params(&pager, collect, &params);
    assert_string_equal(params.text, "limit=2;starting_after=b;");
    assert_int_equal(advance(&pager, "{\"data\":[{\"id\":\"c\"}],\"has_more\":false}", "", &err), WEIR_OK);
    assert_true(pager.done);
    http_pager_free(&pager);
}

static void a_repeated_cursor_is_a_loop(void **state)
{
    (void)state;
    http_paginator_t spec = paginator(HTTP_PAGE_NEXT_CURSOR);
    http_pager_t pager;
    weir_err_t err = {{0}};
    http_pager_start(&pager, &spec);
    const char *page = "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"has_more\":true}";
    assert_int_equal(advance(&pager, page, "", &err), WEIR_OK);
    assert_int_equal(advance(&pager, page, "", &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "twice"));
    http_pager_free(&pager);
}

static void the_page_cap_fails_instead_of_truncating(void **state)
{
    (void)state;
    http_paginator_t spec = paginator(HTTP_PAGE_NEXT_URL);
    spec.max_pages = 2;
    http_pager_t pager;
    weir_err_t err = {{0}};
    http_pager_start(&pager, &spec);
    assert_int_equal(advance(&pager, "{\"data\":[1],\"next\":\"/x?p=2\"}", "", &err), WEIR_OK);
    assert_true(pager.has_url);
    assert_string_equal(pager.token, "/x?p=2");
    assert_int_equal(advance(&pager, "{\"data\":[2],\"next\":\"/x?p=3\"}", "", &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "max_pages = 2"));
    http_pager_free(&pager);
    /* A null next URL ends the listing. */
    http_pager_start(&pager, &spec);
    assert_int_equal(advance(&pager, "{\"data\":[1],\"next\":null}", "", &err), WEIR_OK);
    assert_true(pager.done);
    http_pager_free(&pager);
}

static void numbered_pages_stop_short_and_catch_ignored_parameters(void **state)
{
    (void)state;
    http_paginator_t spec = paginator(HTTP_PAGE_NUMBER);
    http_pager_t pager;
    weir_err_t err = {{0}};
    params_t params = {{0}};
    http_pager_start(&pager, &spec);
    assert_int_equal(advance(&pager, "{\"data\":[{\"id\":1},{\"id\":2}]}", "", &err), WEIR_OK);
    http_pager_params(&pager, collect, &params);
    assert_string_equal(params.text, "limit=2;page=2;");
    assert_int_equal(advance(&pager, "{\"data\":[{\"id\":1},{\"id\":2}]}", "", &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "paging loop"));
    http_pager_free(&pager);

    spec = paginator(HTTP_PAGE_OFFSET);
    http_pager_start(&pager, &spec);
    assert_int_equal(advance(&pager, "{\"data\":[{\"id\":1},{\"id\":2}]}", "", &err), WEIR_OK);
    assert_int_equal(pager.offset, 2);
    assert_int_equal(advance(&pager, "{\"data\":[{\"id\":3}]}", "", &err), WEIR_OK);
    assert_true(pager.done);
    http_pager_free(&pager);
}

static void link_header_paging(void **state)
{
    (void)state;
    http_paginator_t spec = paginator(HTTP_PAGE_LINK_HEADER);
    http_pager_t pager;
    weir_err_t err = {{0}};
    http_pager_start(&pager, &spec);
    assert_int_equal(advance(&pager, "{\"data\":[1]}", "<https://h/x?page=2>; rel=\"next\"", &err), WEIR_OK);
    assert_true(pager.has_url);
    assert_int_equal(advance(&pager, "{\"data\":[2]}", "", &err), WEIR_OK);
    assert_true(pager.done);
    http_pager_free(&pager);
}

/* A Shopify-style header: rel="previous" first, both URLs with a long opaque token, so rel="next"
 * starts past the first kilobyte; the pager follows the whole next URL. A next URL longer than the
 * pager holds is an error, never the end of the listing. */
static void long_link_headers_are_followed_whole(void **state)
{
    (void)state;
    http_paginator_t spec = paginator(HTTP_PAGE_LINK_HEADER);
    http_pager_t pager;
    weir_err_t err = {{0}};
    http_pager_start(&pager, &spec);
    static char token[1500 + 1], next[1700], header[4000];
    memset(token, 'Q', sizeof token - 1);
    token[sizeof token - 1] = 0;
    snprintf(next, sizeof next, "https://h/admin/products.json?limit=50&page_info=%s2", token);
    snprintf(header, sizeof header,
             "<https://h/admin/products.json?limit=50&page_info=%s1>; rel=\"previous\", <%s>; rel=\"next\"", token,
             next);
    assert_true(strlen(header) > 3000);
    assert_int_equal(advance(&pager, "{\"data\":[1]}", header, &err), WEIR_OK);
    assert_true(pager.has_url && !pager.done);
    assert_string_equal(pager.token, next);

    static char huge_header[HTTP_PAGER_TOKEN + 64];
    int at = snprintf(huge_header, sizeof huge_header, "<https://h/x?c=");
    memset(huge_header + at, 'Q', HTTP_PAGER_TOKEN);
    snprintf(huge_header + at + HTTP_PAGER_TOKEN, sizeof huge_header - (size_t)at - HTTP_PAGER_TOKEN,
             ">; rel=\"next\"");
    assert_int_equal(advance(&pager, "{\"data\":[2]}", huge_header, &err), WEIR_ERR_INVALID);
    assert_false(pager.done);
    assert_non_null(strstr(err.msg, "the next-page URL is"));
    http_pager_free(&pager);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pointers_follow_rfc6901),
        cmocka_unit_test(pages_parse_or_say_why),
        cmocka_unit_test(link_headers_give_the_next_url),
        cmocka_unit_test(next_cursor_pages_until_has_more_is_false),
        cmocka_unit_test(a_repeated_cursor_is_a_loop),
        cmocka_unit_test(the_page_cap_fails_instead_of_truncating),
        cmocka_unit_test(numbered_pages_stop_short_and_catch_ignored_parameters),
        cmocka_unit_test(link_header_paging),
        cmocka_unit_test(long_link_headers_are_followed_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

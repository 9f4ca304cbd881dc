/*
 * Unit tests of report/escape.c and report/json.c: strings from a hostile
 * heap must come out as valid JSON and harmless terminal text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/escape.h"
#include "report/json.h"

typedef void escape_fn(FILE *f, const char *s, size_t len);

static char *run(escape_fn *fn, const char *s, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	fn(f, s, len);
	fclose(f);
	return buf;
}

static void check(escape_fn *fn, const char *in, size_t len, const char *want)
{
	char *got = run(fn, in, len);
	assert_string_equal(got, want);
	free(got);
}

static void rh_escape_json_plain_ascii(void **state)
{
	check(rh_escape_json, "dict", 4, "\"dict\"");
}

static void rh_escape_json_quotes_and_controls(void **state)
{
	check(rh_escape_json, "a\"b\\c\n\t\x01\x7f", 9,
	      "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"");
}

static void rh_escape_json_valid_utf8_passes(void **state)
{
	check(rh_escape_json, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d", 14,
	      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d\"");
}

static void rh_escape_json_invalid_utf8_is_visible(void **state)
{
	// A lone continuation byte, an overlong '/', a surrogate, a cut sequence.
	check(rh_escape_json, "\x80", 1, "\"\\\\x80\"");
	check(rh_escape_json, "\xc0\xaf", 2, "\"\\\\xc0\\\\xaf\"");
	check(rh_escape_json, "\xed\xa0\x80", 3, "\"\\\\xed\\\\xa0\\\\x80\"");
	check(rh_escape_json, "ab\xe2\x82", 4, "\"ab\\\\xe2\\\\x82\"");
}

static void rh_escape_json_embedded_nul(void **state)
{
	check(rh_escape_json, "a\0b", 3, "\"a\\u0000b\"");
}

static void rh_escape_text_terminal_sequences_neutralized(void **state)
{
	// ESC [ 2 J would clear the screen; C1 CSI (U+009B) likewise.
	check(rh_escape_text, "\x1b[2Jx", 5, "\\x1b[2Jx");
	check(rh_escape_text, "\xc2\x9b" "2J", 4, "\\xc2\\x9b2J");
	check(rh_escape_text, "back\\slash", 10, "back\\\\slash");
	check(rh_escape_text, "bell\a", 5, "bell\\x07");
}

static void rh_escape_text_utf8_passes(void **state)
{
	check(rh_escape_text, "\xc3\xa9\xc2\xa0", 4, "\xc3\xa9\xc2\xa0");
	check(rh_escape_text, "\xff", 1, "\\xff");
}

static void rh_escape_html_no_markup_survives(void **state)
{
	check(rh_escape_html, "</script><img src=x onerror=alert(1)>", 37,
	      "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
	check(rh_escape_html, "a\"b'c&d", 7, "a&quot;b&#39;c&amp;d");
	check(rh_escape_html, "\x1b[2J\xff\xc2\x85", 7, "\\x1b[2J\\xff\\xc2\\x85");
	check(rh_escape_html, "\xc3\xa9", 2, "\xc3\xa9");
	check(rh_escape_html, "nul\0x", 5, "nul\\x00x");
}

static void rh_json_writer_nests_and_separates(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct rh_json j;
	rh_json_init(&j, f, false);
	rh_json_object_begin(&j);
	rh_json_key(&j, "a");
	rh_json_int(&j, -1);
	rh_json_key(&j, "b");
	rh_json_array_begin(&j);
	rh_json_uint(&j, 1);
	rh_json_bool(&j, true);
	rh_json_null(&j);
	rh_json_addr(&j, 0x7f00);
	rh_json_object_begin(&j);
	rh_json_object_end(&j);
	rh_json_array_end(&j);
	rh_json_key(&j, "k\"ey");
	rh_json_stringn(&j, "v\x01", 2);
	rh_json_key(&j, "e");
	rh_json_array_begin(&j);
	rh_json_array_end(&j);
	rh_json_object_end(&j);
	rh_json_finish(&j);
	fclose(f);
	assert_string_equal(buf,
		"{\"a\":-1,\"b\":[1,true,null,\"0x7f00\",{}],\"k\\\"ey\":\"v\\u0001\",\"e\":[]}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rh_escape_json_plain_ascii),
		cmocka_unit_test(rh_escape_json_quotes_and_controls),
		cmocka_unit_test(rh_escape_json_valid_utf8_passes),
		cmocka_unit_test(rh_escape_json_invalid_utf8_is_visible),
		cmocka_unit_test(rh_escape_json_embedded_nul),
		cmocka_unit_test(rh_escape_text_terminal_sequences_neutralized),
		cmocka_unit_test(rh_escape_text_utf8_passes),
		cmocka_unit_test(rh_escape_html_no_markup_survives),
		cmocka_unit_test(rh_json_writer_nests_and_separates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
	// A lone surrogate is a code point: a JSON escape, as Python's json.
	check(rh_escape_json, "\xed\xa0\x80", 3, "\"\\ud800\"");
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
	check(rh_escape_text, "\xc2\x9b" "2J", 4, "\\u{009b}2J");
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
	// The one rule (escape.c): markup characters as numeric entities,
	// controls (C1 as code points) and invalid bytes as visible text.
	check(rh_escape_html, "</script><img src=x onerror=alert(1)>", 37,
	      "&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;");
	check(rh_escape_html, "a\"b'c&d", 7, "a&#34;b&#39;c&#38;d");
	check(rh_escape_html, "\x1b[2J\xff\xc2\x85", 7, "\\x1b[2J\\xff\\u{0085}");
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

/*
 * One rule for every format (issue 11, item 7): the same hostile units are
 * escaped in text, DOT, JSON and HTML, each in its own spelling.
 */
struct hostile {
	const char *in;
	size_t len;
	const char *text, *dot, *json, *html;
};

static const struct hostile hostile[] = {
	{ "a\xe2\x80\xa8" "b", 5, "a\\u{2028}b", "a\\\\u{2028}b", "\"a\\u2028b\"", "a\\u{2028}b" },
	{ "\xe2\x80\xa9", 3, "\\u{2029}", "\\\\u{2029}", "\"\\u2029\"", "\\u{2029}" },
	{ "x\xe2\x80\xae" "cod.exe", 11, "x\\u{202e}cod.exe", "x\\\\u{202e}cod.exe",
	  "\"x\\u202ecod.exe\"", "x\\u{202e}cod.exe" },
	{ "\xe2\x81\xa6\xe2\x81\xa9", 6, "\\u{2066}\\u{2069}", "\\\\u{2066}\\\\u{2069}",
	  "\"\\u2066\\u2069\"", "\\u{2066}\\u{2069}" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 8, "\\u{200e}\\u{200f}\\u{061c}",
	  "\\\\u{200e}\\\\u{200f}\\\\u{061c}", "\"\\u200e\\u200f\\u061c\"",
	  "\\u{200e}\\u{200f}\\u{061c}" },
	{ "\xc2\x85", 2, "\\u{0085}", "\\\\u{0085}", "\"\\u0085\"", "\\u{0085}" },
	{ "\x1b]0;x\x07", 6, "\\x1b]0;x\\x07", "\\\\x1b]0;x\\\\x07", "\"\\u001b]0;x\\u0007\"",
	  "\\x1b]0;x\\x07" },
	// a lone surrogate as a str's code unit, then NUL as the readers encode it
	{ "s\xed\xb0\x80" "e", 5, "s\\u{dc00}e", "s\\\\u{dc00}e", "\"s\\udc00e\"", "s\\u{dc00}e" },
	{ "mod\xc0\x80name", 9, "mod\\x00name", "mod\\\\x00name", "\"mod\\u0000name\"", "mod\\x00name" },
	// invalid UTF-8 bytes
	{ "\xff\xfe", 2, "\\xff\\xfe", "\\\\xff\\\\xfe", "\"\\\\xff\\\\xfe\"", "\\xff\\xfe" },
	// what each syntax needs quoted; a backslash cannot fake an escape
	{ "<a href=\"x\">&'\\u{2028}", 22, "<a href=\"x\">&'\\\\u{2028}",
	  "<a href=\\\"x\\\">&'\\\\\\\\u{2028}", "\"<a href=\\\"x\\\">&'\\\\u{2028}\"",
	  "&#60;a href=&#34;x&#34;&#62;&#38;&#39;\\\\u{2028}" },
	// safe non-ASCII passes in every format
	{ "caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac",
	  "\"caf\xc3\xa9 \xe2\x82\xac\"", "caf\xc3\xa9 \xe2\x82\xac" },
};

static void rh_escape_one_rule_every_format(void **state)
{
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];
		check(rh_escape_text, h->in, h->len, h->text);
		check(rh_escape_dot, h->in, h->len, h->dot);
		check(rh_escape_json, h->in, h->len, h->json);
		check(rh_escape_html, h->in, h->len, h->html);
	}
}

/* No output of any format holds a dangerous unit raw, whatever the input. */
static void assert_clean(const char *out)
{
	const unsigned char *s = (const unsigned char *)out;
	size_t len = strlen(out);
	for (size_t i = 0; i < len;) {
		size_t n;
		uint32_t cp;
		enum rh_escape_unit u = rh_escape_classify(s + i, len - i, &n, &cp);
		assert_int_equal(u, RH_UNIT_SAFE);
		i += n;
	}
}

static void rh_escape_no_raw_dangerous_unit(void **state)
{
	escape_fn *fns[] = { rh_escape_text, rh_escape_dot, rh_escape_json, rh_escape_html };
	unsigned char buf[4];
	// every 1-, 2- and 3-byte string over bytes that matter
	static const unsigned char bytes[] = { 0x00, 0x07, 0x1b, 0x22, 0x5c, 0x7f, 0x80, 0x85,
					       0x8e, 0x9c, 0xa0, 0xa8, 0xae, 0xbf, 0xc0, 0xc2,
					       0xd8, 0xe2, 0xed, 0xf0, 0xff, 'a' };
	size_t nb = sizeof(bytes);
	for (size_t a = 0; a < nb; a++)
		for (size_t b = 0; b < nb; b++)
			for (size_t c = 0; c < nb; c++) {
				buf[0] = bytes[a], buf[1] = bytes[b], buf[2] = bytes[c];
				for (size_t k = 0; k < 4; k++) {
					char *out = run(fns[k], (const char *)buf, 3);
					assert_clean(out);
					free(out);
				}
			}
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
		cmocka_unit_test(rh_escape_one_rule_every_format),
		cmocka_unit_test(rh_escape_no_raw_dangerous_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

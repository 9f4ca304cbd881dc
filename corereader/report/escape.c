/*
 * Escaping of untrusted strings; see escape.h for the rule.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "report/escape.h"

size_t rh_utf8_sequence(const unsigned char *s, size_t len)
{
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp, min;
	if ((c & 0xe0) == 0xc0) {
		n = 2; cp = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; cp = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	// Overlong forms, surrogates and values past U+10FFFF are invalid.
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Code points that must never reach an output raw (escape.h). */
static bool dangerous(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) ||   // LS, PS, LRE..RLO
	       (cp >= 0x2066 && cp <= 0x2069) ||   // LRI, RLI, FSI, PDI
	       (cp >= 0xd800 && cp <= 0xdfff);
}

enum rh_escape_unit rh_escape_classify(const unsigned char *s, size_t len,
				       size_t *n_ret, uint32_t *cp_ret)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*n_ret = 1;
		*cp_ret = c;
		return dangerous(c) ? RH_UNIT_CODEPOINT : RH_UNIT_SAFE;
	}
	// NUL as the readers encode it inside a C string (pyread.c).
	if (c == 0xc0 && len >= 2 && s[1] == 0x80) {
		*n_ret = 2;
		*cp_ret = 0;
		return RH_UNIT_CODEPOINT;
	}
	// A lone surrogate, as a str's code unit encodes (ED A0..BF xx).
	if (c == 0xed && len >= 3 && s[1] >= 0xa0 && s[1] <= 0xbf &&
	    (s[2] & 0xc0) == 0x80) {
		*n_ret = 3;
		*cp_ret = 0xd000 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return RH_UNIT_CODEPOINT;
	}
	size_t n = rh_utf8_sequence(s, len);
	if (n == 0) {
		*n_ret = 1;
		*cp_ret = c;
		return RH_UNIT_BYTE;
	}
	uint32_t cp = n == 2 ? (uint32_t)(c & 0x1f) << 6 | (s[1] & 0x3f)
		    : n == 3 ? (uint32_t)(c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f)
			     : (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
				       (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	*n_ret = n;
	*cp_ret = cp;
	return dangerous(cp) ? RH_UNIT_CODEPOINT : RH_UNIT_SAFE;
}

/* The visible spelling of an escaped unit (text, DOT, HTML). */
static void visible(FILE *f, enum rh_escape_unit u, uint32_t cp, const char *bs)
{
	if (u == RH_UNIT_BYTE || cp < 0x80)
		fprintf(f, "%sx%02x", bs, (unsigned)cp);
	else
		fprintf(f, "%su{%04x}", bs, (unsigned)cp);
}

enum fmt { F_TEXT, F_DOT, F_HTML };

static void escape_visible(FILE *f, const char *str, size_t len, enum fmt fmt)
{
	const unsigned char *s = (const unsigned char *)str;
	// DOT: graphviz reads \\ as one backslash, so the visible escape's
	// backslash is doubled there.
	const char *bs = fmt == F_DOT ? "\\\\" : "\\";
	for (size_t i = 0; i < len;) {
		size_t n;
		uint32_t cp;
		enum rh_escape_unit u = rh_escape_classify(s + i, len - i, &n, &cp);
		if (u != RH_UNIT_SAFE) {
			visible(f, u, cp, bs);
		} else if (s[i] == '\\') {
			fputs(fmt == F_DOT ? "\\\\\\\\" : "\\\\", f);
		} else if (fmt == F_DOT && s[i] == '"') {
			fputs("\\\"", f);
		} else if (fmt == F_HTML && (s[i] == '<' || s[i] == '>' || s[i] == '&' ||
					     s[i] == '"' || s[i] == '\'')) {
			fprintf(f, "&#%u;", s[i]);
		} else {
			fwrite(s + i, 1, n, f);
		}
		i += n;
	}
}

void rh_escape_text(FILE *f, const char *s, size_t len)
{
	escape_visible(f, s, len, F_TEXT);
}

void rh_escape_dot(FILE *f, const char *s, size_t len)
{
	escape_visible(f, s, len, F_DOT);
}

void rh_escape_html(FILE *f, const char *s, size_t len)
{
	escape_visible(f, s, len, F_HTML);
}

void rh_escape_json(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	putc_unlocked('"', f);
	for (size_t i = 0; i < len;) {
		// Fast path: a run of plain printable ASCII goes out in one write.
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			fwrite_unlocked(s + i, 1, run - i, f);
			i = run;
			continue;
		}
		size_t n;
		uint32_t cp;
		enum rh_escape_unit u = rh_escape_classify(s + i, len - i, &n, &cp);
		if (u == RH_UNIT_BYTE) {
			fprintf(f, "\\\\x%02x", (unsigned)cp);   // visible: not a code point
		} else if (u == RH_UNIT_CODEPOINT) {
			switch (cp) {
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			default: fprintf(f, "\\u%04x", (unsigned)cp);  // all < U+10000
			}
		} else if (s[i] == '"') {
			fputs("\\\"", f);
		} else if (s[i] == '\\') {
			fputs("\\\\", f);
		} else {
			fwrite_unlocked(s + i, 1, n, f);
		}
		i += n;
	}
	putc_unlocked('"', f);
}

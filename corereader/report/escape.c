/*
 * Escaping of untrusted strings; see escape.h.
 */
#include "config.h"

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
		unsigned char c = s[i];
		if (c < 0x80) {
			switch (c) {
			case '"': fputs("\\\"", f); break;
			case '\\': fputs("\\\\", f); break;
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			default:
				if (c < 0x20 || c == 0x7f)
					fprintf(f, "\\u%04x", c);
				else
					fputc(c, f);
			}
			i++;
			continue;
		}
		size_t n = rh_utf8_sequence(s + i, len - i);
		if (n == 0) {
			fprintf(f, "\\\\x%02x", c);
			i++;
			continue;
		}
		fwrite_unlocked(s + i, 1, n, f);
		i += n;
	}
	putc_unlocked('"', f);
}

void rh_escape_text(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c == '\\')
				fputs("\\\\", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\x%02x", c);
			else
				fputc(c, f);
			i++;
			continue;
		}
		size_t n = rh_utf8_sequence(s + i, len - i);
		// C1 controls (U+0080-U+009F) are two-byte sequences c2 80..9f:
		// terminals act on them, so they are escaped like C0.
		if (n == 0 || (n == 2 && c == 0xc2 && s[i + 1] < 0xa0)) {
			size_t k = n ? n : 1;
			for (size_t j = 0; j < k; j++)
				fprintf(f, "\\x%02x", s[i + j]);
			i += k;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
}

/*
 * HTML: the characters that could open markup or end an attribute become
 * entities; controls and invalid UTF-8 are shown as \xHH the way
 * rh_escape_text shows them, so the page displays the same text a
 * terminal would. (Minimal HTML rule for the report; see escape.h.)
 */
void rh_escape_html(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			switch (c) {
			case '&': fputs("&amp;", f); break;
			case '<': fputs("&lt;", f); break;
			case '>': fputs("&gt;", f); break;
			case '"': fputs("&quot;", f); break;
			case '\'': fputs("&#39;", f); break;
			case '\\': fputs("\\\\", f); break;
			default:
				if (c < 0x20 || c == 0x7f)
					fprintf(f, "\\x%02x", c);
				else
					fputc(c, f);
			}
			i++;
			continue;
		}
		size_t n = rh_utf8_sequence(s + i, len - i);
		if (n == 0 || (n == 2 && c == 0xc2 && s[i + 1] < 0xa0)) {
			size_t k = n ? n : 1;
			for (size_t j = 0; j < k; j++)
				fprintf(f, "\\x%02x", s[i + j]);
			i += k;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
}

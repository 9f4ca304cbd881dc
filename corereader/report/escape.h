/*
 * Escaping of untrusted strings: every byte string that comes from the
 * target (type names, str contents, paths from a core) passes through here
 * before it reaches a terminal, a JSON document, a DOT graph or HTML.
 *
 * One rule, four spellings. The input is read as UTF-8 where each unit is
 *   - a safe character: written as it is;
 *   - a code point that must never reach the output raw: C0 controls and
 *     DEL, C1 controls (U+0080-U+009F, terminals act on them), the line and
 *     paragraph separators U+2028/U+2029 (line splitters, JavaScript),
 *     bidirectional controls (U+200E, U+200F, U+061C, U+202A-U+202E,
 *     U+2066-U+2069: they reorder what a reader sees), and lone surrogates
 *     U+D800-U+DFFF (a Python str can hold them; the readers encode them
 *     as the 3-byte sequence UTF-8 forbids). NUL arrives as the 2-byte
 *     C0 80 (so that C strings are not cut at it, see cpython/pyread.c);
 *   - a byte that is not part of valid UTF-8.
 * Text, DOT and HTML show the escaped units as visible text: \xHH for a
 * code point below U+0080 or an invalid byte, \u{HHHH} for other code
 * points, and \\ for a backslash, so that text from the heap cannot fake
 * an escape. JSON writes code points as JSON escapes (\uHHHH, a lone
 * surrogate as itself, as Python's json does: the string reads back
 * exactly) and an invalid byte as the visible text \xHH.
 */
#ifndef RH_REPORT_ESCAPE_H
#define RH_REPORT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Write s[0..len) as a JSON string literal, quotes included. */
void rh_escape_json(FILE *f, const char *s, size_t len);

/** Write s[0..len) for a terminal (no quotes added). */
void rh_escape_text(FILE *f, const char *s, size_t len);

/** Write s[0..len) as the body of a DOT double-quoted string (no quotes). */
void rh_escape_dot(FILE *f, const char *s, size_t len);

/** Write s[0..len) as HTML text or attribute value (no quotes). */
void rh_escape_html(FILE *f, const char *s, size_t len);

/** Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t rh_utf8_sequence(const unsigned char *s, size_t len);

enum rh_escape_unit {
	RH_UNIT_SAFE,       /* write the bytes as they are */
	RH_UNIT_CODEPOINT,  /* escape code point cp */
	RH_UNIT_BYTE,       /* escape the byte (not UTF-8) */
};

/**
 * The rule itself: classify the unit at s[0..len) (len > 0), set *n_ret
 * to its length in bytes and *cp_ret to its code point (or byte).
 */
enum rh_escape_unit rh_escape_classify(const unsigned char *s, size_t len,
				       size_t *n_ret, uint32_t *cp_ret);

#endif /* RH_REPORT_ESCAPE_H */

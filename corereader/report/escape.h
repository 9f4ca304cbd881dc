/*
 * Escaping of untrusted strings: every byte string that comes from the
 * target (type names, str contents, paths from a core) passes through here
 * before it reaches a terminal or a JSON document.
 */
#ifndef RH_REPORT_ESCAPE_H
#define RH_REPORT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/**
 * Write s[0..len) as a JSON string literal, quotes included. Valid UTF-8
 * passes through; control characters become \uXXXX (or \n, \t ...);
 * each byte of invalid UTF-8 becomes the six characters \\xHH, so the
 * output is always valid UTF-8 JSON and the bad byte stays visible.
 */
void rh_escape_json(FILE *f, const char *s, size_t len);

/**
 * Write s[0..len) for a terminal: printable UTF-8 passes through;
 * backslash, C0/C1 control characters, DEL and invalid UTF-8 bytes become
 * \\, \xHH, so no escape sequence from the target reaches the terminal.
 */
void rh_escape_text(FILE *f, const char *s, size_t len);

/**
 * Write s[0..len) as HTML text or a quoted attribute value: & < > " '
 * become entities, backslash, controls and invalid UTF-8 become \\ and
 * \xHH as in rh_escape_text, so no markup or script from the target
 * reaches the page.
 */
void rh_escape_html(FILE *f, const char *s, size_t len);

/** Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t rh_utf8_sequence(const unsigned char *s, size_t len);

#endif /* RH_REPORT_ESCAPE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sanitize.h - the one rule for showing strings that came from outside
 * (the wire, file names, interface names, the command line) on a terminal
 * or in JSON. Every sink passes such strings through one of these.
 *
 * A string is read as UTF-8, one unit at a time:
 *   - printable ASCII and valid UTF-8 characters stay as they are, except
 *     those below;
 *   - C0 controls (0x00-0x1f, tab and newline included) and DEL (0x7f):
 *     text "\x1b", JSON "\u001b";
 *   - a byte that does not start a valid UTF-8 sequence (a stray 0x80-0xff,
 *     an overlong form such as E0 80 80, a surrogate such as ED A0 80, a
 *     code point above U+10FFFF such as F4 90 80 80, a truncated sequence):
 *     that one byte as text "\x9b", JSON "\u009b" (its Latin-1 reading);
 *     decoding resumes at the next byte;
 *   - a valid UTF-8 C1 control (U+0080-U+009F), and characters that reorder
 *     or break lines (U+061C, U+200E, U+200F, U+2028, U+2029, U+202A-U+202E,
 *     U+2066-U+2069): text and JSON "\u009b", "\u202e";
 *   - in text, a backslash is doubled ("\\"), so every escape above is
 *     unambiguous; in JSON, '"' and '\' get JSON's own escapes.
 * The result is valid UTF-8 free of control characters, C1 included.
 * docs/json.md and docs/user-guide.md describe the same rule. */
#ifndef SHAKEDOWN_SANITIZE_H
#define SHAKEDOWN_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most bytes one input byte can become in text ("\xHH"). */
#define SANITIZE_GROWTH 4

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0
 * when s does not start one (overlong, surrogate, above U+10FFFF,
 * truncated, a stray continuation byte). *cp gets the code point. */
size_t sanitize_utf8_len(const unsigned char *s, size_t n, uint32_t *cp);

/* Text form of the first n bytes of s (stops early at a NUL) into out,
 * NUL-terminated; an escape is never cut. Returns the bytes written.
 * out needs SANITIZE_GROWTH * n + 1 bytes to hold everything. */
size_t sanitize_text_n(const char *s, size_t n, char *out, size_t cap);
/* The same for a whole C string. */
size_t sanitize_text(const char *s, char *out, size_t cap);
/* Write the text form of s (or its first n bytes) to o. */
void sanitize_fputs(FILE *o, const char *s);
void sanitize_fwrite(FILE *o, const char *s, size_t n);
/* Write s as a JSON string literal, quotes included. */
void sanitize_json(FILE *o, const char *s);
/* The most bytes one unit (one input byte or one UTF-8 character) can
 * become in JSON ("\u009b"). */
#define SANITIZE_JSON_UNIT 6
/* The JSON form of s[0..n), without the quotes, into out (cap bytes): as
 * many whole units as fit, never a unit cut. *used gets the input bytes
 * taken (all n when cap >= SANITIZE_JSON_UNIT * n). Returns the bytes
 * written. A NUL among the n bytes is a control like any other. The
 * building block of sanitize_json, for sinks that assemble a line in
 * memory (ui/json.c). */
size_t sanitize_json_mem(const char *s, size_t n, size_t *used, char *out, size_t cap);

/* True when s (n bytes) is what a sink may show: valid UTF-8 with no C0
 * control (other than those in `allowed`, e.g. "\n\t"), no DEL, no C1. */
bool sanitize_is_clean(const char *s, size_t n, const char *allowed);

#endif

/*
 * header_text - a header field value as a reader sees it, for the
 * sending rules' header conditions.
 *
 * header_text_decode() unfolds a raw value (every run of white space, CR
 * and LF included, becomes one space; other control characters count as
 * white space) and decodes its RFC 2047 encoded words
 * ("=?charset?B?...?=", "=?charset?Q?...?="): B with OpenSSL's base64
 * decoder, Q by hand (it is hex and '_'), the charset converted to UTF-8
 * with iconv (an RFC 2231 language suffix, "utf-8*en", is ignored).
 * White space between two adjacent encoded words is dropped (RFC 2047
 * section 6.2); between an encoded word and plain text it stays. Words
 * are recognised wherever they appear, also inside other text or quoted
 * strings, as mail readers display them. A word that cannot be decoded
 * (unknown charset, bad base64 or Q, bytes invalid in its charset, no
 * closing "?=") is kept as its raw text: decoding never fails, it only
 * decodes less. The result is NUL-terminated UTF-8 (or whatever bytes the
 * raw value held outside encoded words), with no control characters.
 * Returns a string the caller frees with free(); never NULL (allocation
 * failure aborts, lib/xalloc.h).
 *
 * header_text_contains() says whether decoded text contains needle,
 * comparing ASCII letters case-insensitively and every other byte exactly
 * (so "confidential" finds "CONFIDENTIAL", while "größe" does not find
 * "GRÖSSE"); runs of white space in needle count as one space, as in the
 * decoded text. An empty needle is always contained.
 *
 * Thread-safe; no global state.
 */
#ifndef GW_HEADER_TEXT_H
#define GW_HEADER_TEXT_H

#include <stdbool.h>

char	*header_text_decode(const char *raw);
bool	header_text_contains(const char *text, const char *needle);

#endif

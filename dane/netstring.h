/*
 * netstring - D. J. Bernstein's netstrings ("12:hello world!,"), the
 * framing of the socketmap protocol (Postfix socketmap_table(5), Sendmail
 * socket maps).
 *
 * netstring_parse() looks at the bytes received so far, buf[0..len): with
 * a whole netstring at the front it returns NS_OK, points *data at its
 * payload (*dlen bytes, not NUL-ended: it lies in buf) and sets *used to
 * the bytes it took. NS_MORE: not all there yet. NS_BAD: not a netstring
 * (a length that is not digits, a leading zero, no ':' or no ','): the
 * stream cannot be resynchronised, close it. NS_TOO_LONG: the announced
 * length is above max (or needs more digits than max has): refuse without
 * waiting for the payload.
 *
 * netstring_encode() returns "LEN:data," newly allocated (the caller frees
 * it), its length in *outlen.
 */
#ifndef GW_DANE_NETSTRING_H
#define GW_DANE_NETSTRING_H

#include <stddef.h>

enum ns_result { NS_OK, NS_MORE, NS_BAD, NS_TOO_LONG };

enum ns_result netstring_parse(const char *buf, size_t len, size_t max,
	    const char **data, size_t *dlen, size_t *used);
char	*netstring_encode(const char *data, size_t len, size_t *outlen);

#endif

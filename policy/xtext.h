/*
 * xtext - decoding of RFC 3461 xtext, as Sendmail writes certificate DNs.
 *
 * Sendmail hands {cert_subject}, {cert_issuer}, {cn_subject} and
 * {cn_issuer} to milters xtext-encoded: every byte outside '!'..'~', and
 * '+', '=' and a few more, becomes "+XX" (two upper-case hex digits), e.g.
 * "/C=DE/O=Partner+20GmbH/CN=mta.partner.test".
 *
 * xtext_decode() writes the decoded text into out (size outsz). It refuses
 * (returns false, out set to "") a '+' not followed by two hex digits, a
 * decoded NUL or other control character (a DN carrying one is hostile or
 * broken: it must not match any rule), and a result that does not fit.
 * Lower-case hex digits are accepted.
 */
#ifndef GW_XTEXT_H
#define GW_XTEXT_H

#include <stdbool.h>
#include <stddef.h>

bool	xtext_decode(const char *in, char *out, size_t outsz);

#endif

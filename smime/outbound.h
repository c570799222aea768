/*
 * outbound - the S/MIME engine for outgoing mail: given a sending
 * profile, keys and one message, it decides and produces what the milter
 * must do. It knows nothing of libmilter; the milter applies the result.
 *
 * INPUT (struct outbound_request, everything borrowed for the call):
 *   profile    the sending profile chosen by policy/sending_rule.
 *   signer     the profile's signing_certificate loaded with
 *              smime_signer_load() (smime/cms/signer.h); required when the mode
 *              signs (sign, sign-encrypt, triple), ignored otherwise.
 *   self       the encrypt_to_self certificate (NULL = none): added as one
 *              more RecipientInfo so the organisation can read its copies.
 *   rcpts      every envelope recipient in RCPT order, each with the
 *              certificate from the key store or NULL when it has none.
 *   headers    the message's header fields in the order the milter saw them
 *              (name, value as given to xxfi_header).
 *   body       the body ONLY (after the empty line), seekable, offset 0 is
 *              its first byte (the milter's spool file; CRLF or LF lines).
 *              Read twice (structure, then content); its position is left
 *              anywhere.
 *   out        where the new body is written, from its current position
 *              (a spool file). Lines end in CRLF. Only written when the
 *              action is OUTBOUND_REPLACE; may hold garbage after an error.
 *
 * RESULT (outbound_process() returns 0 and *result; free it with
 * outbound_result_free(), NULL is fine):
 *   action OUTBOUND_REPLACE: apply, in this order (edits: header_edit.h),
 *     1. edits.del[]: smfi_chgheader(ctx, name, index, NULL) for each entry in
 *        list order. index is 1-based among the fields of that name in the
 *        ORIGINAL message (as received); for every name the list goes from
 *        the highest index down, so the indexes stay right whether the MTA
 *        renumbers after a deletion or not. Deleted: MIME-Version and every
 *        Content-* field (they moved into the signed/encrypted entity).
 *     2. edits.add[]: smfi_addheader(ctx, name, value) in list order
 *        (MIME-Version, Content-Type, then Content-Transfer-Encoding,
 *        Content-Disposition when the outer layer has them).
 *     3. the body: smfi_replacebody() with the bytes written to out.
 *     4. clear[] (split only): smfi_delrcpt() each, and re-inject the
 *        ORIGINAL message to them (unchanged, unencrypted); when that
 *        re-injection fails the whole message must be tempfailed.
 *   action OUTBOUND_REJECT (missing_key: bounce): smfi_setreply(ctx,
 *     reply_code "554", reply_xcode "5.7.1", reply_text) and SMFIS_REJECT.
 *     reply_text names the recipients without keys (at most ~400 bytes,
 *     then "and N more"), has no CR/LF and no '%'.
 *   action OUTBOUND_DISCARD (missing_key: drop): SMFIS_DISCARD, log.
 *   action OUTBOUND_CLEAR (missing_key: split, and no recipient has a
 *     key): nothing to encrypt for; the message goes unchanged to all.
 *   missing[]: the recipients without keys (every action, for the log).
 *   log: the facts as "key=value ..." (profile, mode, sign_mode, cipher,
 *     digest, action, encrypted_to, fingerprints, signer, missing,
 *     size_in, size_out), values escaped with log_value(); the milter
 *     prefixes its queue id: log_info("%s: %s", qid, result->log).
 *   size_in: body bytes read; size_out: body bytes written.
 *   hp: the profile's header_protection (RFC 9788, smime/hp.h) applied:
 *     "clear" (signed only) or "cipher" (encrypted); NULL when off. The
 *     protected fields are then in the payload's header, and with
 *     header_protection encrypt, edits also replace or delete the outer
 *     copies of the obscured fields (listed among del[] and add[]).
 *   legacy_display: the payload's text starts with a legacy display of
 *     the hidden fields (profile legacy_display, a text/plain message:
 *     smime/hp.h, mime_canon_write_hp()); the log says legacy_display=
 *     yes or no under header_protection encrypt.
 *
 * Missing keys only matter when the mode encrypts. A mode that signs never
 * produces a result without the signature: any failure is an error.
 *
 * ERRORS: outbound_process() returns -1, *result NULL, err set:
 *   SMIME_TEMP  signing key or certificate unusable, OpenSSL failure, read
 *               or write error on body/out (tempfail: the mail waits, never
 *               leaves unsigned or in clear);
 *   SMIME_PERM  the message is malformed MIME (mime_parse.h lists the
 *               cases) or a recipient certificate is unusable: apply the
 *               configured failure action.
 *
 * MEMORY is bounded whatever the body size: the body streams through
 * BIOs (parse buffer 64 KiB, writer 16 KiB, OpenSSL's stream buffers); no
 * copy of the body is ever held. Thread-safe: no shared mutable state.
 */
#ifndef GW_SMIME_OUTBOUND_H
#define GW_SMIME_OUTBOUND_H

#include <stddef.h>
#include <stdio.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/header_edit.h"
#include "smime/mime/mime_parse.h"
#include "smime/cms/signer.h"
#include "smime/smime_err.h"

struct outbound_recipient {
	const char	*address;
	X509		*cert;		/* NULL: no key for this recipient */
};

struct outbound_request {
	const struct sending_profile *profile;
	const struct smime_signer *signer;
	X509		*self;
	const struct outbound_recipient *rcpts;
	size_t		nrcpts;
	const struct mime_header *headers;
	size_t		nheaders;
	FILE		*body;
	FILE		*out;
};

enum outbound_action { OUTBOUND_REPLACE, OUTBOUND_REJECT, OUTBOUND_DISCARD,
		       OUTBOUND_CLEAR };

struct outbound_result {
	enum outbound_action action;
	struct header_edits edits;	/* del[], add[] below */
	char		**clear;	/* split: remove and deliver in clear */
	size_t		nclear;
	char		**missing;	/* recipients without keys */
	size_t		nmissing;
	const char	*reply_code, *reply_xcode;	/* REJECT only */
	char		*reply_text;
	char		*log;
	unsigned long long size_in, size_out;
	const char	*hp;	/* header protection: "clear", "cipher"; NULL */
	bool		legacy_display;	/* the text starts with one */
};

int	outbound_process(const struct outbound_request *,
	    struct outbound_result **, struct smime_err *);
void	outbound_result_free(struct outbound_result *);
/* "replace", "reject", "discard", "clear". */
const char *outbound_action_name(enum outbound_action);

#endif

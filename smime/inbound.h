/*
 * inbound - the S/MIME engine for incoming mail: given an inbound policy,
 * the organisation's keys, the trusted CAs and one message, it decrypts,
 * verifies, keeps or removes signatures and says what the milter must do.
 * It knows nothing of libmilter; the milter applies the result.
 *
 * INPUT (struct inbound_request, everything borrowed for the call):
 *   policy     the sender group's inbound policy (conf/config.h).
 *   certs      the organisation's certificates and keys (smime.certificates):
 *              loaded (smime/cms/signer.h) only when a message is
 *              encrypted; a RecipientInfo naming one of them is decrypted
 *              with its key.
 *   keys       NULL, or those certificates' keys loaded already
 *              (smime/cms/signer.h), one per entry of certs, used read-only
 *              (the milter loads them once per configuration).
 *   trust      the trust anchors signatures are verified against
 *              (smime/x509/trust.h); NULL is fine when policy->verify is off.
 *   revocation NULL (not checked), or the revocation context the signers'
 *              chains are checked with (smime/revoke/revoke.h, shared):
 *              revoked is smime=fail (certificate revoked: ...); unknown
 *              by on_unknown: tempfail is an error (SMIME_TEMP: the mail
 *              waits), refuse smime=fail, accept smime=pass with
 *              revocation_unknown set in the result.
 *   authserv_id  the Authentication-Results id (milter.authserv_id).
 *   headers    the message's header fields as the milter saw them.
 *   body       the body only, seekable, offset 0 its first byte.
 *   tmpdir     where work files are made (anonymous: unlinked at once).
 *   now        seconds since the epoch (tests pass a fixed clock).
 *   max_layers, cpu_us   0 for INBOUND_MAX_LAYERS and policy->cpu_limit
 *                      (cpu_us: microseconds of CPU).
 *
 * WHAT IS DONE. The message is taken apart layer by layer, outermost
 * first: application/pkcs7-mime (and x-pkcs7-mime) holding enveloped-data
 * or authEnveloped-data is decrypted, holding signed-data is verified
 * (opaque); multipart/signed with an application/pkcs7-signature (or
 * x-pkcs7-signature) part is verified (detached); the content of each
 * layer is the next message. It stops at content that is not S/MIME.
 *   - EFAIL rule: only an encrypted entity that is the whole message, or
 *     the whole content of a signature that verified, is decrypted. An
 *     encrypted part among other parts (multipart/mixed, alternative ...
 *     around a captured ciphertext) is left as it is and reported:
 *     smime=neutral (embedded encrypted part N not decrypted).
 *   - A multipart/signed that is one part among others (a mailing list's
 *     footer) is verified, never unwrapped: smime=neutral (signature
 *     covers part N only ...).
 *   - signature: retain delivers the entity after the last decryption
 *     (the message itself when nothing was decrypted): signatures inside
 *     it stay for the reader's client to check again. remove delivers the
 *     content of every signature that verified below that point (of a
 *     triple wrap only the inner signature is left to keep or remove;
 *     the outer one covers the ciphertext and goes with it).
 *   - A signer must chain to a trust anchor at signing time and now, for
 *     e-mail protection, and be who the message is from: an e-mail
 *     address of its certificate is the From (or Sender) address, or a
 *     dNSName of it is that address's domain (a gateway's domain
 *     certificate). Otherwise smime=fail.
 *   - Bounded work: at most max_layers layers, a body of at most
 *     policy->max_size, CPU time of the calling thread checked between
 *     layers; beyond them smime=permerror.
 *
 * RESULT (inbound_process() returns 0 and *result; inbound_result_free()):
 *   verdict    RFC 7281: none (nothing signed; decrypted only), pass, fail,
 *              neutral (unsupported algorithm, embedded parts, decryption
 *              not asked for), permerror (corrupt CMS, no key for us,
 *              malformed structure, limits); reason says why.
 *   action     INBOUND_UNTOUCHED: not S/MIME at all, nothing to do.
 *              INBOUND_DELIVER: apply the edits below and accept.
 *              INBOUND_QUARANTINE: the same, then smfi_quarantine() with
 *                quarantine_reason (on_failure quarantine after fail or
 *                permerror).
 *              INBOUND_REJECT: smfi_setreply(reply_code, reply_xcode,
 *                reply_text) and SMFIS_REJECT (on_failure reject); no
 *                edits. reply_text has no CR, LF or '%'.
 *   edits, body   when replace is set: delete and add these header fields
 *              (the MIME-Version and Content-* fields of the delivered
 *              entity replace the message's), then smfi_replacebody()
 *              with body (rewound, owned by the result). Content SMTP
 *              cannot carry (binary, out of an opaque signature or an
 *              envelope) is transfer-encoded first (smime/mime/
 *              mime_transport.h): reencoded says so.
 *   auth_results, smime_header   values of the Authentication-Results
 *              and X-Gatewarden-SMIME fields to insert at the top (not for
 *              INBOUND_UNTOUCHED). Values may be folded with "\n\t".
 *   certs      signer certificates met (DER) for harvesting, each with
 *              verified (its signature and chain held) and, for the
 *              certificate a signer named in SMIMEEncryptionKeyPreference,
 *              encryption_pref; a signer that named another certificate
 *              is signing_only. The engine does not judge them further.
 *   log        "smime_in=... policy=... layers=... action=..." facts for
 *              one log line (with revocation=STATUS revocation_source=...
 *              when a signer's revocation was checked); the milter
 *              prefixes its queue id.
 *   hp         header protection (RFC 9788, smime/hp.h), looked for
 *              when the policy's header_protection is restore and every
 *              layer decrypted or verified (pass, or none: decrypted
 *              only): the payload (the content under the last layer) has
 *              an hp parameter. Its protected fields then replace the
 *              outer ones that differ (edits, after the MIME ones, also
 *              when the body is not replaced: a retained signature); the
 *              result header names the kind, the fields restored, the
 *              ones the sender obscured and those that mismatch (the
 *              outer value is not what was signed or recorded: changed
 *              on the way). A mismatch keeps smime=pass, named in the
 *              reason; with header_mismatch fail and a signature over the
 *              payload it is smime=fail (on_failure applies) and nothing
 *              is restored. A signer must own the protected From as it
 *              owns the outer one (RFC 8550), or it is smime=fail and
 *              nothing is restored.
 *   revocation_unknown  a signer's revocation status was unknown and
 *              accepted (on_unknown: accept): the milter warns each time,
 *              with revocation_reason.
 *
 * ERRORS: -1, *result NULL, err SMIME_TEMP: a key that cannot be loaded,
 * I/O on the work files, lack of memory (the milter tempfails: the mail
 * waits). A bad message is never an error: it is a verdict.
 * Thread-safe: no shared mutable state (trust is used read-only).
 */
#ifndef GW_SMIME_INBOUND_H
#define GW_SMIME_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/cms/signer.h"
#include "smime/header_edit.h"
#include "smime/hp.h"
#include "smime/mime/mime_parse.h"
#include "smime/revoke/revoke.h"
#include "smime/smime_err.h"

#define INBOUND_MAX_LAYERS	8
#define INBOUND_MAX_EMBEDDED	4	/* embedded S/MIME parts looked at */

struct inbound_request {
	const struct inbound_policy *policy;
	const struct smime_certificate *certs;
	size_t		ncerts;
	struct smime_signer **keys;	/* borrowed; NULL: loaded here */
	X509_STORE	*trust;
	struct revocation *revocation;	/* NULL: not checked */
	const char	*authserv_id;
	const struct mime_header *headers;
	size_t		nheaders;
	FILE		*body;
	const char	*tmpdir;
	int64_t		now;
	unsigned	max_layers;
	uint64_t	cpu_us;
};

enum inbound_verdict { INV_NONE, INV_PASS, INV_FAIL, INV_NEUTRAL,
		       INV_PERMERROR };
enum inbound_action { INBOUND_UNTOUCHED, INBOUND_DELIVER, INBOUND_QUARANTINE,
		      INBOUND_REJECT };

struct inbound_cert {
	unsigned char	*der;
	size_t		len;
	bool		verified;
	bool		encryption_pref;
	bool		signing_only;
};

struct inbound_result {
	enum inbound_action action;
	enum inbound_verdict verdict;
	char		reason[256];
	char		*signer;	/* identifier; NULL when none */
	char		*signer_serial, *signer_issuer;
	bool		decrypted;
	char		key_fingerprint[65];	/* the key that decrypted; "" */
	const char	*key_name;	/* its name (rq->certs, borrowed); NULL */
	char		layers[160];	/* "enveloped signed-detached" ... */
	const char	*signature;	/* "retained", "removed", "none" */
	bool		replace;
	bool		reencoded;	/* binary content made 7-bit for SMTP */
	struct header_edits edits;
	FILE		*body;
	char		*auth_results, *smime_header;
	const char	*reply_code, *reply_xcode;
	char		*reply_text;
	char		*quarantine_reason;
	struct inbound_cert *certs;
	size_t		ncerts;
	char		*log;
	unsigned long long size_in, size_out;
	bool		revocation_unknown;	/* accepted by on_unknown */
	char		revocation_reason[512];
	struct hp_restore hp;	/* header protection found (kind HP_NONE: none) */
};

int	inbound_process(const struct inbound_request *,
	    struct inbound_result **, struct smime_err *);
void	inbound_result_free(struct inbound_result *);
/* "none", "pass", "fail", "neutral", "permerror". */
const char *inbound_verdict_name(enum inbound_verdict);
/* "untouched", "deliver", "quarantine", "reject". */
const char *inbound_action_name(enum inbound_action);

#endif

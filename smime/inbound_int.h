/*
 * inbound_int - what inbound.c (taking the message apart) and
 * inbound_result.c (the verdict, the edits, the headers, the log) share;
 * not for other modules.
 *
 * entity i is the input of layer i: entity 0 is the message (fields from
 * the request), entity i+1 the content layer i yielded (when
 * layers[i].content). A layer's check is the CMS verdict of its
 * decryption or signature; `unverified' marks a signature taken apart
 * without checking (policy verify off).
 */
#ifndef GW_SMIME_INBOUND_INT_H
#define GW_SMIME_INBOUND_INT_H

#include "smime/cms/cms_verify.h"
#include "smime/cms/signer.h"
#include "smime/inbound.h"
#include "smime/mime/mime_entity.h"

enum layer_kind { LAYER_ENVELOPED, LAYER_SIGNED_DETACHED, LAYER_SIGNED_OPAQUE };

struct layer {
	enum layer_kind	kind;
	enum cms_check	check;
	bool		unverified;
	bool		content;	/* entity index+1 exists */
	char		reason[240];
	X509		*signer, *enc_pref;	/* references */
	bool		signature_ok;
	bool		trusted;	/* signature and chain held (harvest) */
	struct rev_answer revocation;	/* of its signers; REV_NONE: none */
	bool		revocation_unknown_accepted;
};

/* A remark about a part that is not a layer (embedded S/MIME). */
struct embedded {
	size_t		part;		/* index in the tree, 1-based */
	char		what[240];
	X509		*signer, *enc_pref;
	bool		verified, signature_ok;
};

struct engine {
	const struct inbound_request *rq;
	struct inbound_result *r;
	struct mime_entity ent[INBOUND_MAX_LAYERS + 1];
	/* entity i parsed by the walk and fit for SMTP as it is */
	bool		transportable[INBOUND_MAX_LAYERS + 1];
	struct layer	layers[INBOUND_MAX_LAYERS];
	size_t		nlayers;
	struct embedded	emb[INBOUND_MAX_EMBEDDED];
	size_t		nemb;
	bool		smime;		/* any S/MIME seen (headers added) */
	enum inbound_verdict stop_verdict;	/* a limit or malformed input */
	char		stop_reason[240];
	struct smime_signer **keys;
	size_t		nkeys;
	bool		keys_loaded, keys_borrowed;
	uint64_t	cpu_start_us;
};

/* inbound.c: an anonymous work file in the request's tmpdir; NULL with
 * err (SMIME_TEMP). */
FILE	*engine_work_file(const struct engine *, struct smime_err *);
/* inbound_result.c: fills e->r from the layers; -1 (err) on I/O errors. */
int	inbound_conclude(struct engine *, struct smime_err *);

#endif

/*
 * cms_stage - one streaming S/MIME layer (a signature or an envelope), the
 * common shape of cms_sign and cms_encrypt so that outbound can stack them
 * (triple wrap = signature in an envelope in a signature).
 *
 * A stage is made by cms_sign_new() or cms_encrypt_new(). Its entity
 * header fields (content_type, and cte and disposition when not NULL) are
 * known from the start: the caller writes them (and the empty line) where
 * they belong - into the outer stage's input, or into the milter's header
 * edits for the outermost stage. Then:
 *   in = stage->open(stage, down, err)   writes the stage's leading body
 *       text to down and returns the BIO the inner entity is written to
 *       (down stays owned by the caller and must outlive the stage);
 *   ... write the inner entity (canonical CRLF) into in ...
 *   stage->close(stage, err)   finishes the signature / encryption and
 *       writes the rest of the stage's body to down; the BIOs the stage
 *       pushed in front of down are freed, down is not;
 *   cms_stage_free(stage)      frees everything (also after a failure,
 *       and when open or close was never called; NULL is fine).
 * Memory per stage is a few BIO buffers: the content streams through.
 * Errors: SMIME_TEMP (OpenSSL or write failures: the milter tempfails).
 */
#ifndef GW_SMIME_CMS_STAGE_H
#define GW_SMIME_CMS_STAGE_H

#include <openssl/bio.h>
#include <openssl/cms.h>

#include "smime/smime_err.h"

struct cms_stage {
	char		content_type[256];
	const char	*cte;		/* "base64" or NULL */
	const char	*disposition;	/* or NULL */
	CMS_ContentInfo	*cms;
	BIO		*down;		/* set by open */
	BIO		*in;		/* the chain returned by open */
	BIO		*b64;		/* base64 filter in front of down */
	char		boundary[64];	/* detached signatures */
	BIO		*(*open)(struct cms_stage *, BIO *down, struct smime_err *);
	int		(*close)(struct cms_stage *, struct smime_err *);
};

void	cms_stage_free(struct cms_stage *);

/* Shared by the stages: pops and frees the BIOs in front of stop. */
void	cms_stage_unchain(BIO *head, BIO *stop);
/* Writes s (NUL-terminated) to b; 0 on failure. */
int	cms_stage_puts(BIO *b, const char *s);
/* For opaque signed-data and enveloped data: base64 over down, then
 * OpenSSL's streaming BER encoder; close flushes and ends the base64. */
BIO	*cms_stage_open_ber(struct cms_stage *, BIO *down, struct smime_err *);
int	cms_stage_close_ber(struct cms_stage *, struct smime_err *);

#endif

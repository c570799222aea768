/*
 * cms_stage - see cms_stage.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "smime/mime/b64.h"
#include "smime/cms/cms_stage.h"

void
cms_stage_unchain(BIO *head, BIO *stop)
{
	BIO	*next;

	while (head != NULL && head != stop) {
		next = BIO_pop(head);
		BIO_free(head);
		head = next;
	}
}

int
cms_stage_puts(BIO *b, const char *s)
{
	size_t	n = strlen(s);
	int	w;

	while (n > 0) {
		w = BIO_write(b, s, (int)n);
		if (w <= 0)
			return 0;
		s += w;
		n -= (size_t)w;
	}
	return 1;
}

BIO *
cms_stage_open_ber(struct cms_stage *st, BIO *down, struct smime_err *err)
{
	st->down = down;
	if ((st->b64 = b64_bio_new(down)) == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "base64 filter");
		return NULL;
	}
	if ((st->in = BIO_new_CMS(st->b64, st->cms)) == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "CMS streaming");
		return NULL;
	}
	return st->in;
}

int
cms_stage_close_ber(struct cms_stage *st, struct smime_err *err)
{
	int	ok;

	/* The flush makes OpenSSL finish the structure (signatures,
	 * authentication tag, end-of-contents octets). */
	ok = BIO_flush(st->in) > 0;
	cms_stage_unchain(st->in, st->b64);
	st->in = NULL;
	if (!ok) {
		smime_err_ssl(err, SMIME_TEMP, "CMS streaming: finishing failed");
		return -1;
	}
	ok = b64_bio_finish(st->b64, 1);
	cms_stage_unchain(st->b64, st->down);
	st->b64 = NULL;
	if (!ok) {
		smime_err_set(err, SMIME_TEMP, "writing the CMS body failed");
		return -1;
	}
	return 0;
}

void
cms_stage_free(struct cms_stage *st)
{
	if (st == NULL)
		return;
	if (st->in != NULL)
		cms_stage_unchain(st->in, st->b64 ? st->b64 : st->down);
	if (st->b64 != NULL)
		cms_stage_unchain(st->b64, st->down);
	CMS_ContentInfo_free(st->cms);
	free(st);
}

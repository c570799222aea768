/*
 * hp_canon - see hp_canon.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>

#include "smime/mime/mime_canon.h"
#include "t/hp_canon.h"
#include "t/tap.h"

char *
hp_canon_text(const char *ctype, const char *text,
    const struct mime_header *extra, size_t nextra, const char *hp,
    const char *legacy, bool *wrote)
{
	struct mime_header top[1] = { { "Content-Type", ctype } };
	struct smime_err err = { 0 };
	struct mime_tree *t = NULL;
	FILE	*body = tmpfile();
	BIO	*mem = BIO_new(BIO_s_mem());
	char	*data;
	long	len;

	if (wrote != NULL)
		*wrote = false;
	fputs(text, body);
	fflush(body);
	if (mime_parse(body, top, 1, &t, &err) < 0 ||
	    mime_canon_write_hp(body, t, top, 1, extra, nextra, hp, legacy,
	    mem, NULL, wrote, &err) < 0)
		diag("canon: %s", err.msg);
	len = BIO_get_mem_data(mem, &data);
	data = strndup(data, len > 0 ? (size_t)len : 0);
	BIO_free(mem);
	mime_tree_free(t);
	fclose(body);
	return data;
}

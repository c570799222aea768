/*
 * mime_transport - see mime_transport.h.
 */
#include "config.h"

#include <stdbool.h>

#include "smime/mime/mime_canon.h"
#include "smime/mime/mime_transport.h"

/* A leaf SMTP cannot carry (8-bit text can travel with 8BITMIME). */
static bool
not_transportable(const struct mime_part *p)
{
	return !p->multipart && p->conv != CONV_NONE && (p->has_nul ||
	    p->has_bare_cr || p->long_line || p->cte == CTE_BINARY);
}

bool
mime_transport_needed(const struct mime_tree *t)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++)
		if (not_transportable(&t->parts[i]))
			return true;
	return false;
}

int
mime_transport_fix(struct mime_entity *e, FILE *tmp, struct smime_err *err)
{
	struct smime_err perr = { 0 };
	struct mime_entity out = { 0 };
	struct mime_tree *t = NULL;
	unsigned long long written;
	BIO	*sink = NULL;
	int	rc = -1;

	if (fseeko(e->body, 0, SEEK_SET) != 0) {
		smime_err_set(err, SMIME_TEMP, "work file: cannot rewind");
		goto done;
	}
	if (mime_parse(e->body, e->fields, e->nfields, &t, &perr) < 0) {
		if (perr.status == SMIME_TEMP)
			*err = perr;
		else
			rc = 0;
		goto done;
	}
	if (!mime_transport_needed(t)) {
		rc = 0;
		goto done;
	}
	if ((sink = mime_entity_sink(tmp)) == NULL) {
		smime_err_set(err, SMIME_TEMP, "out of memory");
		goto done;
	}
	if (mime_canon_write(e->body, t, e->fields, e->nfields, sink,
	    &written, err) < 0)
		goto done;
	if (mime_entity_finish(sink, &out, err) < 0) {
		if (err->status != SMIME_TEMP)
			smime_err_set(err, SMIME_TEMP, "re-encoding: %s",
			    err->msg);
		goto done;
	}
	tmp = NULL;	/* out.body now */
	mime_entity_clear(e);
	*e = out;
	rc = 1;
done:
	BIO_free(sink);
	mime_tree_free(t);
	if (tmp != NULL)
		fclose(tmp);
	if (rc >= 0 && fseeko(e->body, 0, SEEK_SET) != 0) {
		smime_err_set(err, SMIME_TEMP, "work file: cannot rewind");
		rc = -1;
	}
	return rc;
}

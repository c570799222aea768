/*
 * smime_apply - see smime_apply.h.
 */
#include "config.h"

#include <stdlib.h>

#include "lib/xalloc.h"
#include "milter/smime_apply.h"

/* Bytes handed to smfi_replacebody() at a time: libmilter cuts what it
 * gets into packets of MILTER_CHUNK_SIZE (65535), so 65536 bytes would go
 * as a full packet and a one-byte one. */
#define REPLACE_CHUNK	MILTER_CHUNK_SIZE

bool
smime_apply_edits(SMFICTX *ctx, const struct header_edits *e, FILE *body)
{
	unsigned char *buf;
	size_t	i, n;
	bool	okay = true;

	for (i = 0; i < e->ndel && okay; i++)
		okay = smfi_chgheader(ctx, e->del[i].name, (int)e->del[i].index,
		    NULL) == MI_SUCCESS;
	for (i = 0; i < e->nadd && okay; i++)
		okay = smfi_addheader(ctx, e->add[i].name, e->add[i].value) ==
		    MI_SUCCESS;
	if (!okay || body == NULL)
		return okay;
	if (fseeko(body, 0, SEEK_SET) != 0)
		return false;
	buf = x_malloc(REPLACE_CHUNK);
	while (okay && (n = fread(buf, 1, REPLACE_CHUNK, body)) > 0)
		okay = smfi_replacebody(ctx, buf, (int)n) == MI_SUCCESS;
	free(buf);
	return okay && !ferror(body);
}

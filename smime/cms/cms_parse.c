/*
 * cms_parse - see cms_parse.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#include "smime/cms/cms_parse.h"
#include "smime/mime/part_read.h"

CMS_ContentInfo *
cms_parse_part(FILE *f, off_t start, off_t end, enum mime_cte cte,
    size_t max, struct smime_err *err)
{
	BIO	*mem = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = NULL;
	size_t	n = 0;

	if (mem == NULL) {
		smime_err_set(err, SMIME_TEMP, "out of memory");
		return NULL;
	}
	if (part_read(f, start, end, cte, mem, max, &n, err) < 0)
		goto done;
	if (n == 0) {
		smime_err_set(err, SMIME_PERM, "empty S/MIME part");
		goto done;
	}
	ERR_clear_error();
	if ((cms = d2i_CMS_bio(mem, NULL)) == NULL)
		smime_err_ssl(err, SMIME_PERM, "corrupt CMS structure");
done:
	BIO_free(mem);
	return cms;
}

/* Reason texts of the OpenSSL errors that mean "not implemented here". */
static bool
unsupported_text(const char *r)
{
	static const char *const words[] = { "unsupported", "not supported",
	    "unknown cipher", "unknown digest", "unknown algorithm",
	    "no default digest", "invalid digest", "unknown id",
	    "fetch failed", NULL };
	size_t	i, j, n;

	for (i = 0; words[i] != NULL; i++)
		for (j = 0, n = strlen(words[i]); r[j] != '\0'; j++)
			if (strncasecmp(r + j, words[i], n) == 0)
				return true;
	return false;
}

static void
reason_text(unsigned long code, const char *data, int flags, char *why,
    size_t whysz)
{
	const char *r = ERR_reason_error_string(code);
	bool	extra = (flags & ERR_TXT_STRING) && data != NULL && data[0];

	snprintf(why, whysz, "%s%s%s", r ? r : "unknown error",
	    extra ? ": " : "", extra ? data : "");
}

bool
cms_failure(char *why, size_t whysz)
{
	const char *file, *func, *data;
	const char *r;
	unsigned long code;
	int	line, flags;
	bool	first = true, unsupported = false;

	snprintf(why, whysz, "unknown error");
	while ((code = ERR_get_error_all(&file, &line, &func, &data,
	    &flags)) != 0) {
		r = ERR_reason_error_string(code);
		if (!unsupported && r != NULL && unsupported_text(r)) {
			unsupported = true;
			reason_text(code, data, flags, why, whysz);
		} else if (first && !unsupported)
			reason_text(code, data, flags, why, whysz);
		first = false;
	}
	return unsupported;
}

/*
 * sts - see sts.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dane/sts.h"
#include "lib/xalloc.h"

const char *
sts_mode_name(enum sts_mode m)
{
	switch (m) {
	case STS_MODE_ENFORCE:	return "enforce";
	case STS_MODE_TESTING:	return "testing";
	case STS_MODE_NONE:	return "none";
	}
	return "?";
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- the TXT record ---- */

/* "v=STSv1" then optional white space and ';'. */
static const char *
after_version(const char *s)
{
	if (strncmp(s, "v=STSv1", 7) != 0)
		return NULL;
	s += 7;
	while (is_wsp(*s))
		s++;
	return *s == ';' ? s + 1 : NULL;
}

static bool
ext_name_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 32 || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/* %x21-3A / %x3C / %x3E-7E: printable but ';' and '='. */
static bool
ext_value_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ';' || s[i] == '=')
			return false;
	return true;
}

static bool
txt_fields(const char *p, char id[STS_MAX_ID + 1], const char **why)
{
	bool	have_id = false;

	for (;;) {
		const char *f, *eq, *end;
		size_t	n, i;

		while (is_wsp(*p))
			p++;
		if (*p == '\0')
			break;
		f = p;
		end = strchr(f, ';');
		if (end == NULL)
			end = f + strlen(f);
		p = *end ? end + 1 : end;
		while (end > f && is_wsp(end[-1]))
			end--;
		if (end == f) {
			*why = "empty field in the _mta-sts record";
			return false;
		}
		if ((eq = memchr(f, '=', (size_t)(end - f))) == NULL ||
		    !ext_name_ok(f, (size_t)(eq - f)) ||
		    !ext_value_ok(eq + 1, (size_t)(end - eq - 1))) {
			*why = "a field of the _mta-sts record is not name=value";
			return false;
		}
		if (eq - f != 2 || strncmp(f, "id", 2) != 0 || have_id)
			continue;
		n = (size_t)(end - eq - 1);
		if (n > STS_MAX_ID) {
			*why = "the id of the _mta-sts record is longer than "
			    "32 characters";
			return false;
		}
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)eq[1 + i])) {
				*why = "the id of the _mta-sts record holds "
				    "more than letters and digits";
				return false;
			}
		memcpy(id, eq + 1, n);
		id[n] = '\0';
		have_id = true;
	}
	if (!have_id) {
		*why = "the _mta-sts record has no id";
		return false;
	}
	return true;
}

enum sts_txt_result
sts_txt_parse(char *const *txt, size_t n, char id[STS_MAX_ID + 1],
    const char **why)
{
	const char *rest = NULL;
	size_t	i, found = 0;

	id[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *r = after_version(txt[i]);

		if (r != NULL) {
			found++;
			rest = r;
		}
	}
	if (found == 0) {
		*why = "no _mta-sts record";
		return STS_TXT_NONE;
	}
	if (found > 1) {
		*why = "more than one _mta-sts record";
		return STS_TXT_NONE;
	}
	if (!txt_fields(rest, id, why)) {
		id[0] = '\0';
		return STS_TXT_NONE;
	}
	*why = NULL;
	return STS_TXT_OK;
}

/* ---- the policy file ---- */

/* A host name: labels of letters, digits, '-' and '_', none empty. */
static bool
hostname_ok(const char *s)
{
	size_t	len = strlen(s), label = 0, i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

static char *
lower_dup(const char *s, size_t n)
{
	char	*d = x_strndup(s, n);
	size_t	i;

	for (i = 0; d[i]; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

static bool
mx_pattern(const char *v, size_t n, char **out)
{
	char	*p;

	if (n > 0 && v[n - 1] == '.')
		n--;
	p = lower_dup(v, n);
	if (!hostname_ok(strncmp(p, "*.", 2) == 0 ? p + 2 : p)) {
		free(p);
		return false;
	}
	*out = p;
	return true;
}

struct seen {
	bool	version, mode, max_age;
};

/* One "key: value" line. */
static bool
policy_line(const char *line, size_t n, struct sts_policy *p,
    struct seen *seen, const char **why)
{
	const char *colon = memchr(line, ':', n), *v;
	size_t	kn, vn, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "the policy holds a control character";
			return false;
		}
	}
	if (colon == NULL) {
		*why = "a policy line is not \"key: value\"";
		return false;
	}
	kn = (size_t)(colon - line);
	v = colon + 1;
	vn = n - kn - 1;
	while (vn > 0 && is_wsp(*v))
		v++, vn--;
	while (vn > 0 && is_wsp(v[vn - 1]))
		vn--;
	if (!ext_name_ok(line, kn)) {
		*why = "a policy key is not a name";
		return false;
	}
	if (vn == 0) {
		*why = "a policy key has no value";
		return false;
	}
	if (kn == 7 && strncmp(line, "version", 7) == 0) {
		if (seen->version)
			return true;
		seen->version = true;
		if (vn != 5 || strncmp(v, "STSv1", 5) != 0) {
			*why = "the policy version is not STSv1";
			return false;
		}
	} else if (kn == 4 && strncmp(line, "mode", 4) == 0) {
		if (seen->mode)
			return true;
		seen->mode = true;
		if (vn == 7 && strncmp(v, "enforce", 7) == 0)
			p->mode = STS_MODE_ENFORCE;
		else if (vn == 7 && strncmp(v, "testing", 7) == 0)
			p->mode = STS_MODE_TESTING;
		else if (vn == 4 && strncmp(v, "none", 4) == 0)
			p->mode = STS_MODE_NONE;
		else {
			*why = "the policy mode is not enforce, testing or none";
			return false;
		}
	} else if (kn == 7 && strncmp(line, "max_age", 7) == 0) {
		uint64_t age = 0;

		if (seen->max_age)
			return true;
		seen->max_age = true;
		if (vn > 10) {
			*why = "the policy max_age has more than 10 digits";
			return false;
		}
		for (i = 0; i < vn; i++) {
			if (!isdigit((unsigned char)v[i])) {
				*why = "the policy max_age is not a number";
				return false;
			}
			age = age * 10 + (uint64_t)(v[i] - '0');
		}
		p->max_age = age > STS_MAX_AGE ? STS_MAX_AGE : (uint32_t)age;
	} else if (kn == 2 && strncmp(line, "mx", 2) == 0) {
		char	*pat;

		if (p->nmx == STS_MAX_MX) {
			*why = "the policy has more than 64 mx patterns";
			return false;
		}
		if (!mx_pattern(v, vn, &pat)) {
			*why = "a policy mx is not a host name nor *.domain";
			return false;
		}
		p->mx = x_reallocarray(p->mx, p->nmx + 1, sizeof(*p->mx));
		p->mx[p->nmx++] = pat;
	}
	return true;
}

bool
sts_policy_parse(const char *body, size_t len, struct sts_policy *p,
    const char **why)
{
	struct seen seen = { false, false, false };
	size_t	off = 0;

	memset(p, 0, sizeof(*p));
	if (len > STS_MAX_POLICY) {
		*why = "the policy is larger than 64 KiB";
		return false;
	}
	if (memchr(body, '\0', len) != NULL) {
		*why = "the policy holds a NUL byte";
		return false;
	}
	while (off < len) {
		const char *line = body + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t	n = nl ? (size_t)(nl - line) : len - off;

		off += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		if (!policy_line(line, n, p, &seen, why)) {
			sts_policy_clear(p);
			return false;
		}
		p->lines = x_reallocarray(p->lines, p->nlines + 1,
		    sizeof(*p->lines));
		p->lines[p->nlines++] = x_strndup(line, n);
	}
	*why = !seen.version ? "the policy has no version" :
	    !seen.mode ? "the policy has no mode" :
	    !seen.max_age ? "the policy has no max_age" :
	    p->mode != STS_MODE_NONE && p->nmx == 0 ?
	    "the policy has no mx for its mode" : NULL;
	if (*why) {
		sts_policy_clear(p);
		return false;
	}
	return true;
}

static void
strings_clear(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
sts_policy_clear(struct sts_policy *p)
{
	if (p == NULL)
		return;
	strings_clear(p->mx, p->nmx);
	strings_clear(p->lines, p->nlines);
	memset(p, 0, sizeof(*p));
}

static char **
strings_copy(char *const *v, size_t n)
{
	char	**out;
	size_t	i;

	if (n == 0)
		return NULL;
	out = x_calloc(n, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = x_strdup(v[i]);
	return out;
}

void
sts_policy_copy(struct sts_policy *out, const struct sts_policy *in)
{
	*out = *in;
	out->mx = strings_copy(in->mx, in->nmx);
	out->lines = strings_copy(in->lines, in->nlines);
}

/* ---- MX patterns ---- */

bool
sts_mx_match(const char *pattern, const char *host)
{
	size_t	hl = strlen(host);

	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (strncmp(pattern, "*.", 2) == 0) {
		const char *dot = memchr(host, '.', hl);
		size_t	rest;

		/* Exactly one label before the pattern's base. */
		if (dot == NULL || dot == host)
			return false;
		rest = hl - (size_t)(dot + 1 - host);
		return rest == strlen(pattern + 2) &&
		    strncasecmp(dot + 1, pattern + 2, rest) == 0;
	}
	return hl == strlen(pattern) && strncasecmp(host, pattern, hl) == 0;
}

bool
sts_policy_allows(const struct sts_policy *p, const char *host)
{
	size_t	i;

	for (i = 0; i < p->nmx; i++)
		if (sts_mx_match(p->mx[i], host))
			return true;
	return false;
}

char *
sts_postfix_match(const struct sts_policy *p)
{
	size_t	i, len = 1;
	char	*out;

	for (i = 0; i < p->nmx; i++)
		len += strlen(p->mx[i]) + 1;
	out = x_malloc(len);
	out[0] = '\0';
	for (i = 0; i < p->nmx; i++) {
		const char *m = p->mx[i];

		if (i)
			strcat(out, ":");
		strcat(out, strncmp(m, "*.", 2) == 0 ? m + 1 : m);
	}
	return out;
}

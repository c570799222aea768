/*
 * kv - see kv.h.
 */
#include "config.h"

#include <string.h>

#include "report/kv.h"

/* The end of a value starting at p: a quoted one ends at its unescaped
 * closing quote, a bare one at a space. */
static const char *
value_end(const char *p, const char *end, bool quoted)
{
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			p++;
			continue;
		}
		if (quoted ? *p == '"' : *p == ' ')
			break;
	}
	return p;
}

void
kv_parse(struct kv *kv, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len, *eq, *sp, *v, *ve;
	bool	quoted;

	kv->n = 0;
	while (p < end && kv->n < KV_MAX) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		sp = memchr(p, ' ', (size_t)(end - p));
		eq = memchr(p, '=', (size_t)((sp ? sp : end) - p));
		if (eq == NULL || eq == p) {	/* a word: "5F3A:", "conn#1:" */
			p = sp ? sp : end;
			continue;
		}
		v = eq + 1;
		quoted = v < end && *v == '"';
		if (quoted)
			v++;
		ve = value_end(v, end, quoted);
		kv->f[kv->n].key = p;
		kv->f[kv->n].keylen = (size_t)(eq - p);
		kv->f[kv->n].val = v;
		kv->f[kv->n].vallen = (size_t)(ve - v);
		kv->n++;
		p = quoted && ve < end ? ve + 1 : ve;
	}
}

const struct kv_field *
kv_find(const struct kv *kv, const char *key)
{
	size_t	n = strlen(key), i;

	for (i = 0; i < kv->n; i++)
		if (kv->f[i].keylen == n && memcmp(kv->f[i].key, key, n) == 0)
			return &kv->f[i];
	return NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
kv_value(const struct kv *kv, const char *key, char *out, size_t outsz)
{
	const struct kv_field *f = kv_find(kv, key);
	size_t	i, o = 0;

	if (outsz == 0)
		return f != NULL;
	out[0] = '\0';
	if (f == NULL)
		return false;
	for (i = 0; i < f->vallen && o + 1 < outsz; i++) {
		char	c = f->val[i];

		if (c == '\\' && i + 1 < f->vallen) {
			c = f->val[++i];
			if (c == 'x' && i + 2 < f->vallen &&
			    hexval(f->val[i + 1]) >= 0 &&
			    hexval(f->val[i + 2]) >= 0) {
				c = (char)(hexval(f->val[i + 1]) * 16 +
				    hexval(f->val[i + 2]));
				i += 2;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

bool
kv_is(const struct kv *kv, const char *key, const char *want)
{
	const struct kv_field *f = kv_find(kv, key);

	return f != NULL && f->vallen == strlen(want) &&
	    memcmp(f->val, want, f->vallen) == 0;
}

/*
 * hp - see hp.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/sbuf.h"
#include "lib/xalloc.h"
#include "smime/hp.h"

#define HP_OUTER	"HP-Outer"

const char *
hp_kind_name(enum hp_kind k)
{
	return k == HP_CLEAR ? "clear" : k == HP_CIPHER ? "cipher" :
	    k == HP_V1 ? "v1" : "none";
}

static bool
name_in(const char *name, char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

static const struct hp_obscure *
obscured(const struct sending_profile *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->nobscured_fields; i++)
		if (strcasecmp(p->obscured_fields[i].name, name) == 0)
			return &p->obscured_fields[i];
	return NULL;
}

/* A field of that name comes before index i. */
static bool
seen_before(const struct mime_header *h, size_t i, const char *name)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (h[j].name != NULL && strcasecmp(h[j].name, name) == 0)
			return true;
	return false;
}

static char *normalised(const char *, size_t);

/* ---- sending ------------------------------------------------------------ */

static void
inner_add(struct hp_plan *pl, char *name, char *value)
{
	pl->inner[pl->ninner].name = name;
	pl->inner[pl->ninner++].value = value;
}

/* A value as the milter gave it, without the white space that starts
 * it (the writer puts one space after the colon). */
static const char *
trimmed(const char *v)
{
	return v + strspn(v, " \t");
}

/* The fields a reader looks at: a legacy display shows the ones of them
 * that are hidden outside, nothing else. */
bool
hp_user_facing(const char *name)
{
	static const char *const names[] = { "subject", "from", "to", "cc",
	    "date", "reply-to", "followup-to", "sender", NULL };
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

/* "Name: value" lines (LF ends) and an empty line for each user-facing
 * field obscured outside, the value unfolded as written (RFC 2047 words
 * stay words: the smime library decodes no charsets); NULL when none is,
 * or when a line would not be printable ASCII or would be long. */
static char *
legacy_text(const struct sending_profile *p, const struct mime_header *h,
    size_t n)
{
	struct sbuf b = { 0 };
	const unsigned char *u;
	char	*v;
	size_t	i, line;

	for (i = 0; i < n; i++) {
		if (h[i].name == NULL || h[i].value == NULL ||
		    !hp_user_facing(h[i].name) || obscured(p, h[i].name) ==
		    NULL || !name_in(h[i].name, p->protected_fields,
		    p->nprotected_fields))
			continue;
		v = normalised(h[i].value, strlen(h[i].value));
		line = b.len;
		sbuf_printf(&b, "%s: %s\n", h[i].name, v);
		free(v);
		for (u = (const unsigned char *)b.s + line; *u != '\n'; u++)
			if (*u >= 0x7f || (*u < ' ' && *u != '\t'))
				break;
		if (*u != '\n' || b.len - line > 900) {
			free(b.s);
			return NULL;
		}
	}
	if (b.s == NULL)
		return NULL;
	sbuf_printf(&b, "\n");
	return b.s;
}

void
hp_plan_make(const struct sending_profile *p, bool encrypted,
    const struct mime_header *h, size_t n, struct hp_plan *pl)
{
	const struct hp_obscure *o;
	struct sbuf b;
	size_t	i;
	bool	hide = p->header_protection == HP_ENCRYPT && encrypted;

	memset(pl, 0, sizeof(*pl));
	if (p->header_protection == HP_OFF)
		return;
	pl->param = encrypted ? "cipher" : "clear";
	pl->inner = x_calloc(2 * n + 1, sizeof(*pl->inner));
	for (i = 0; i < n; i++)
		if (h[i].name != NULL && h[i].value != NULL &&
		    name_in(h[i].name, p->protected_fields,
		    p->nprotected_fields))
			inner_add(pl, x_strdup(h[i].name),
			    x_strdup(trimmed(h[i].value)));
	if (!encrypted)
		return;
	/* The record of the outer header, as it will leave. */
	for (i = 0; i < n; i++) {
		if (h[i].name == NULL || h[i].value == NULL ||
		    !name_in(h[i].name, p->protected_fields,
		    p->nprotected_fields))
			continue;
		o = hide ? obscured(p, h[i].name) : NULL;
		/* removed outside, or replaced by one copy */
		if (o != NULL && (o->value == NULL ||
		    seen_before(h, i, h[i].name)))
			continue;
		memset(&b, 0, sizeof(b));
		sbuf_printf(&b, "%s: %s", h[i].name, o ? o->value :
		    trimmed(h[i].value));
		inner_add(pl, x_strdup(HP_OUTER), b.s);
	}
	if (hide && p->legacy_display)
		pl->legacy = legacy_text(p, h, n);
	/* The obscured copies outside: one replacement per name. */
	for (i = 0; hide && i < n; i++) {
		if (h[i].name == NULL || (o = obscured(p, h[i].name)) == NULL ||
		    seen_before(h, i, h[i].name))
			continue;
		header_edits_del_name(&pl->edits, h, n, h[i].name);
		if (o->value != NULL)
			header_edits_add(&pl->edits, h[i].name, o->value);
	}
}

void
hp_plan_clear(struct hp_plan *pl)
{
	size_t	i;

	for (i = 0; i < pl->ninner; i++) {
		free((char *)pl->inner[i].name);
		free((char *)pl->inner[i].value);
	}
	free(pl->inner);
	free(pl->legacy);
	header_edits_clear(&pl->edits);
	memset(pl, 0, sizeof(*pl));
}

/* ---- receiving ---------------------------------------------------------- */

enum hp_kind
hp_param(const char *content_type)
{
	char	v[16];

	if (content_type == NULL)
		return HP_NONE;
	if (!mime_content_param(content_type, "hp", v, sizeof(v)))
		return mime_content_param(content_type, "protected-headers", v,
		    sizeof(v)) && strcasecmp(v, "v1") == 0 ? HP_V1 : HP_NONE;
	if (strcasecmp(v, "clear") == 0)
		return HP_CLEAR;
	if (strcasecmp(v, "cipher") == 0)
		return HP_CIPHER;
	return HP_NONE;
}

/* v with folding and runs of white space made one space, trimmed. */
static char *
normalised(const char *v, size_t len)
{
	char	*out = x_malloc(len + 1), *o = out;
	size_t	i;
	bool	space = false;

	for (i = 0; i < len; i++) {
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
		    v[i] == '\n') {
			space = o != out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = v[i];
	}
	*o = '\0';
	return out;
}

/* One field name with its values in order, normalised. */
struct values {
	char	**v;
	size_t	n;
};

static void
values_add(struct values *vs, const char *v, size_t len)
{
	vs->v = x_reallocarray(vs->v, vs->n + 1, sizeof(*vs->v));
	vs->v[vs->n++] = normalised(v, len);
}

static void
values_free(struct values *vs)
{
	size_t	i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i]);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

static bool
values_equal(const struct values *a, const struct values *b)
{
	size_t	i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* The fields a receiving gateway never takes from a payload: the trace
 * and the verdicts of the hops (ours above all: a sender must not forge
 * an Authentication-Results or an X-Gatewarden-* field by putting it
 * inside), besides the structural ones. */
static bool
never_restored(const char *name)
{
	static const char *const names[] = { "received", "return-path",
	    "authentication-results", "arc-seal", "arc-message-signature",
	    "arc-authentication-results", "dkim-signature", "received-spf",
	    "delivered-to", "x-original-to", NULL };
	size_t	i;

	if (strncasecmp(name, "x-gatewarden", 12) == 0)
		return true;
	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

/* A name of letters, digits and '-' (every field in use; the result
 * header lists them, so nothing of ';' or '=' may come through). */
static bool
plain_name(const char *name)
{
	const char *p;

	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return p != name && p - name <= 76;
}

static bool
protectable(const char *name)
{
	return name != NULL && plain_name(name) && !header_is_mime(name) &&
	    strcasecmp(name, HP_OUTER) != 0 && !never_restored(name);
}

static void
of_name(const struct mime_header *h, size_t n, const char *name,
    struct values *vs)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (h[i].name != NULL && h[i].value != NULL &&
		    strcasecmp(h[i].name, name) == 0)
			values_add(vs, h[i].value, strlen(h[i].value));
}

/* The HP-Outer record of name: the values of "name: value" entries. */
static void
record_of(const struct mime_header *h, size_t n, const char *name,
    struct values *vs)
{
	size_t	i, len = strlen(name);
	const char *v;

	for (i = 0; i < n; i++) {
		if (h[i].name == NULL || h[i].value == NULL ||
		    strcasecmp(h[i].name, HP_OUTER) != 0)
			continue;
		v = h[i].value + strspn(h[i].value, " \t\r\n");
		if (strncasecmp(v, name, len) != 0)
			continue;
		v += len;
		v += strspn(v, " \t");
		if (*v == ':')
			values_add(vs, v + 1, strlen(v + 1));
	}
}

/* The name part of an HP-Outer value into buf; false when there is none. */
static bool
record_name(const char *value, char *buf, size_t sz)
{
	const char *v = value + strspn(value, " \t\r\n");
	size_t	len = strcspn(v, ": \t");

	if (len == 0 || len >= sz || strchr(v, ':') == NULL)
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return protectable(buf);
}

static void
list_add(char *list, const char *name)
{
	size_t	len = strlen(list), need = strlen(name) + (len ? 1 : 0);

	if (len >= 3 && strcmp(list + len - 3, "...") == 0)
		return;
	if (len + need + 4 >= HP_NAMES_MAX) {
		snprintf(list + len, HP_NAMES_MAX - len, "%s...", len ? "," :
		    "");
		return;
	}
	snprintf(list + len, HP_NAMES_MAX - len, "%s%s", len ? "," : "", name);
}

/* One protected name: restore it when the outer copy differs. */
static void
restore_name(const struct mime_header *outer, size_t nouter,
    const struct mime_header *inner, size_t ninner, const char *name,
    bool record, struct hp_restore *r)
{
	struct values in = { 0 }, out = { 0 }, rec = { 0 };
	size_t	i;

	of_name(inner, ninner, name, &in);
	of_name(outer, nouter, name, &out);
	if (r->kind == HP_CIPHER && record) {
		record_of(inner, ninner, name, &rec);
		if (!values_equal(&rec, &out))
			list_add(r->mismatch, name);
		if (!values_equal(&rec, &in))
			list_add(r->obscured, name);
	} else if (r->kind == HP_CLEAR && !values_equal(&in, &out))
		list_add(r->mismatch, name);
	if (!values_equal(&in, &out)) {
		list_add(r->restored, name);
		header_edits_del_name(&r->edits, outer, nouter, name);
		for (i = 0; i < ninner; i++)
			if (inner[i].name != NULL && inner[i].value != NULL &&
			    strcasecmp(inner[i].name, name) == 0)
				header_edits_add(&r->edits, inner[i].name,
				    trimmed(inner[i].value));
	}
	values_free(&in);
	values_free(&out);
	values_free(&rec);
}

/* A name the HP-Outer record has but the payload does not protect: the
 * outer copy must still be what the sender wrote. */
static void
check_recorded(const struct mime_header *outer, size_t nouter,
    const struct mime_header *inner, size_t ninner, const char *name,
    struct hp_restore *r)
{
	struct values out = { 0 }, rec = { 0 };

	of_name(outer, nouter, name, &out);
	record_of(inner, ninner, name, &rec);
	if (!values_equal(&rec, &out))
		list_add(r->mismatch, name);
	values_free(&out);
	values_free(&rec);
}

/* An HP-Outer entry before index i names name already. */
static bool
recorded_before(const struct mime_header *h, size_t i, const char *name)
{
	char	other[80];
	size_t	j;

	for (j = 0; j < i; j++)
		if (h[j].name != NULL && h[j].value != NULL &&
		    strcasecmp(h[j].name, HP_OUTER) == 0 &&
		    record_name(h[j].value, other, sizeof(other)) &&
		    strcasecmp(other, name) == 0)
			return true;
	return false;
}

void
hp_restore_plan(const struct mime_header *outer, size_t nouter,
    const struct mime_header *inner, size_t ninner, struct hp_restore *r)
{
	char	name[80];
	size_t	i, j, names;
	bool	record = false, protected;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < ninner; i++)
		if (inner[i].name != NULL &&
		    strcasecmp(inner[i].name, "content-type") == 0) {
			r->kind = hp_param(inner[i].value);
			break;
		}
	if (r->kind == HP_NONE)
		return;
	for (i = 0; i < ninner; i++)
		if (inner[i].name != NULL &&
		    strcasecmp(inner[i].name, HP_OUTER) == 0)
			record = true;
	for (i = 0, names = 0; i < ninner && names < HP_MAX_NAMES; i++)
		if (protectable(inner[i].name) &&
		    !seen_before(inner, i, inner[i].name)) {
			restore_name(outer, nouter, inner, ninner,
			    inner[i].name, record, r);
			names++;
		}
	for (i = 0; r->kind == HP_CIPHER && i < ninner; i++) {
		if (inner[i].name == NULL || inner[i].value == NULL ||
		    strcasecmp(inner[i].name, HP_OUTER) != 0 ||
		    !record_name(inner[i].value, name, sizeof(name)))
			continue;
		protected = false;
		for (j = 0; j < ninner && !protected; j++)
			protected = protectable(inner[j].name) &&
			    strcasecmp(inner[j].name, name) == 0;
		if (!protected && !recorded_before(inner, i, name))
			check_recorded(outer, nouter, inner, ninner, name, r);
	}
}

void
hp_restore_clear(struct hp_restore *r)
{
	header_edits_clear(&r->edits);
	memset(r, 0, sizeof(*r));
}

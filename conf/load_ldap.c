/*
 * load_ldap - smime.ldap: the directories asked for a recipient's
 * certificate when the key store has none (smime/ldap/ldap_lookup.h).
 * Each entry is checked whole: a URI scheme gatewarden speaks, a bind
 * that has what it needs, a filter with %s where the address goes (each
 * %s gets it, escaped), attributes that hold certificates, STARTTLS only
 * where it means something.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/load.h"
#include "lib/xalloc.h"

#define LDAP_DEFAULT_FILTER	"(mail=%s)"
#define LDAP_DEFAULT_TIMEOUT	5
#define LDAP_DEFAULT_TTL	86400

/* The attributes that carry certificates (RFC 4523 userCertificate, DER;
 * RFC 2798 userSMIMECertificate, PKCS#7). */
static const char *const cert_attributes[] = {
	"userCertificate;binary", "userCertificate", "userSMIMECertificate",
	NULL,
};

static bool
check_attribute(const char *s, const char **why)
{
	size_t	i;

	for (i = 0; cert_attributes[i] != NULL; i++)
		if (strcasecmp(s, cert_attributes[i]) == 0)
			return true;
	*why = "use userCertificate;binary, userCertificate or "
	    "userSMIMECertificate";
	return false;
}

static void
dir_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct ldap_directory *)obj)->name);
}

static void
dir_uri(struct ld *l, const struct ynode *v, void *obj)
{
	struct ldap_directory *d = obj;
	const char *s = ld_scalar(l, v, "uri");

	if (s == NULL)
		return;
	if (strncasecmp(s, "ldap://", 7) != 0 &&
	    strncasecmp(s, "ldaps://", 8) != 0 &&
	    strncasecmp(s, "ldapi://", 8) != 0) {
		ld_error(l, v, "bad uri \"%s\": write ldap://HOST[:PORT], "
		    "ldaps://HOST[:PORT] or ldapi://PATH (%%2F for each /)", s);
		return;
	}
	if (strpbrk(s, " \t\r\n") != NULL) {
		ld_error(l, v, "bad uri \"%s\": one URI, without spaces", s);
		return;
	}
	free(d->uri);
	d->uri = x_strdup(s);
}

static void
dir_filter(struct ld *l, const struct ynode *v, void *obj)
{
	struct ldap_directory *d = obj;
	const char *s = ld_scalar(l, v, "filter"), *p;
	unsigned n = 0;

	if (s == NULL)
		return;
	for (p = s; (p = strchr(p, '%')) != NULL; p += 2) {
		if (p[1] != 's') {
			ld_error(l, v, "bad filter \"%s\": only %%s (the "
			    "address, escaped) may follow a %%", s);
			return;
		}
		n++;
	}
	if (n == 0 || s[0] != '(' || s[strlen(s) - 1] != ')') {
		ld_error(l, v, "bad filter \"%s\": write one parenthesised "
		    "filter with %%s for the address, e.g. (mail=%%s)", s);
		return;
	}
	free(d->filter);
	d->filter = x_strdup(s);
}

static void
dir_attributes(struct ld *l, const struct ynode *v, void *obj)
{
	struct ldap_directory *d = obj;

	ld_strlist(l, v, "attributes", "attribute", check_attribute,
	    &d->attributes, &d->nattributes);
}

static void
load_directory(struct ld *l, const struct ynode *item, struct ldap_directory *d)
{
	static const struct field f[] = {
		FLD_FN("name", dir_name),
		FLD_FN("uri", dir_uri),
		FLD_WORD("bind", struct ldap_directory, bind, words_ldap_bind),
		FLD("bind_dn", F_STR, struct ldap_directory, bind_dn),
		FLD("password_file", F_PATH, struct ldap_directory,
		    password_file),
		FLD("base", F_STR, struct ldap_directory, base),
		FLD_FN("filter", dir_filter),
		FLD_FN("attributes", dir_attributes),
		FLD("starttls", F_BOOL, struct ldap_directory, starttls),
		FLD("ca_file", F_PATH, struct ldap_directory, ca_file),
		FLD_NUM("timeout", F_DUR, struct ldap_directory, timeout, 1,
		    0),
		FLD_NUM("cache_ttl", F_DUR, struct ldap_directory, cache_ttl,
		    60, 0),
	};
	const struct ynode *vals[NFIELDS(f)];
	char	buf[YTREE_MAX_SCALAR + 4];
	const char *name;

	d->bind = LDAPBIND_ANONYMOUS;
	d->timeout = LDAP_DEFAULT_TIMEOUT;
	d->cache_ttl = LDAP_DEFAULT_TTL;
	d->line = item->line;
	d->col = item->col;
	if (!ld_walk_item(l, item, "ldap directory", f, NFIELDS(f), d, vals))
		return;
	name = ld_named(d->name, buf, sizeof(buf));
	if (vals[0] == NULL)
		ld_error(l, item, "ldap directory has no name");
	if (vals[1] == NULL)
		ld_error(l, item, "ldap directory%s has no uri", name);
	if (vals[5] == NULL)
		ld_error(l, item, "ldap directory%s has no base", name);
	if (d->bind == LDAPBIND_SIMPLE && (vals[3] == NULL || vals[4] == NULL))
		ld_error(l, vals[2], "bind simple needs bind_dn and "
		    "password_file");
	if (d->bind != LDAPBIND_SIMPLE && (vals[3] != NULL || vals[4] != NULL))
		ld_error(l, vals[3] ? vals[3] : vals[4], "bind_dn and "
		    "password_file are for bind simple");
	if (d->starttls && d->uri != NULL &&
	    strncasecmp(d->uri, "ldap://", 7) != 0)
		ld_error(l, vals[8], "starttls is for ldap:// URIs (ldaps:// "
		    "is TLS already, ldapi:// a local socket)");
	if (d->bind == LDAPBIND_SASL_EXTERNAL && d->uri != NULL &&
	    strncasecmp(d->uri, "ldapi://", 8) != 0 && !d->starttls &&
	    strncasecmp(d->uri, "ldaps://", 8) != 0)
		ld_error(l, vals[2], "bind sasl-external needs ldapi://, "
		    "ldaps:// or starttls (an identity the server can see)");
	if (d->filter == NULL)
		d->filter = x_strdup(LDAP_DEFAULT_FILTER);
	if (d->nattributes == 0 && vals[7] == NULL) {
		d->attributes = x_calloc(2, sizeof(char *));
		d->attributes[0] = x_strdup(cert_attributes[0]);
		d->attributes[1] = x_strdup(cert_attributes[2]);
		d->nattributes = 2;
	} else if (d->nattributes == 0 && vals[7]->type == YN_SEQ &&
	    vals[7]->nkids == 0)
		ld_error(l, vals[7], "attributes: name at least one");
}

void
load_ldap(struct ld *l, const struct ynode *v, struct smime_conf *s)
{
	size_t	i, j;

	if (v->type == YN_SCALAR && v->null)
		return;
	if (v->type != YN_SEQ) {
		if (v->type != YN_BAD)
			ld_error(l, v, "ldap must be a sequence, not a %s",
			    ytree_type_name(v));
		return;
	}
	s->ldap = x_calloc(v->nkids ? v->nkids : 1, sizeof(*s->ldap));
	for (i = 0; i < v->nkids; i++) {
		load_directory(l, v->kids[i], &s->ldap[i]);
		s->nldap++;
		for (j = 0; j < i && s->ldap[i].name != NULL; j++)
			if (s->ldap[j].name != NULL &&
			    strcmp(s->ldap[j].name, s->ldap[i].name) == 0) {
				const struct ynode *n = ld_get(v->kids[i],
				    "name");

				ld_error(l, n, "duplicate ldap directory name "
				    "\"%s\" (first at %u:%u)", s->ldap[i].name,
				    s->ldap[j].line, s->ldap[j].col);
				break;
			}
	}
}

void
ldap_directories_free(struct ldap_directory *d, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].uri);
		free(d[i].bind_dn);
		free(d[i].password_file);
		free(d[i].base);
		free(d[i].filter);
		strings_free(d[i].attributes, d[i].nattributes);
		free(d[i].ca_file);
	}
	free(d);
}

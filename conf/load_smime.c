/*
 * load_smime - smime: key store, the organisation's certificates, sending
 * profiles and rules, re-injection; the inbound policies are read by
 * load_inbound.c. Names that point
 * elsewhere (a profile's certificates, a rule's profile and groups) are
 * queued with ld_ref() and checked once the whole file is read.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

/* ---- certificates: ---- */

static void
cert_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct smime_certificate *)obj)->name);
}

static void
load_certificate(struct ld *l, const struct ynode *item,
    struct smime_certificate *sc)
{
	static const struct field f[] = {
		FLD_FN("name", cert_name),
		FLD("certificate", F_PATH, struct smime_certificate,
		    certificate),
		FLD("key", F_PATH, struct smime_certificate, key),
		FLD("pkcs12", F_PATH, struct smime_certificate, pkcs12),
		FLD("passphrase_file", F_PATH, struct smime_certificate,
		    passphrase_file),
	};
	const struct ynode *vals[NFIELDS(f)];
	const char *name;
	char	buf[YTREE_MAX_SCALAR + 4];
	bool	pem, p12;

	sc->line = item->line;
	sc->col = item->col;
	if (!ld_walk_item(l, item, "certificate", f, NFIELDS(f), sc, vals))
		return;
	if (vals[0] == NULL) {
		ld_error(l, item, "certificate has no name");
		return;
	}
	name = ld_named(sc->name, buf, sizeof(buf));
	/* Judged on the keys written, so a bad path is not reported twice. */
	pem = vals[1] || vals[2];
	p12 = vals[3] != NULL;
	if (pem && p12)
		ld_error(l, item, "certificate%s has both pkcs12 and "
		    "certificate/key: use one", name);
	else if (!p12 && (vals[1] == NULL || vals[2] == NULL))
		ld_error(l, item, "certificate%s needs certificate and key, or "
		    "pkcs12", name);
}

/* ---- sending_profiles: ---- */

static void
profile_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct sending_profile *)obj)->name);
}

static void
profile_signing_certificate(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_profile *p = obj;

	if (ld_string(l, v, "signing_certificate", &p->signing_certificate))
		ld_ref(l, REF_CERTIFICATE, p->signing_certificate,
		    "signing_certificate", v);
}

static void
profile_encrypt_to_self(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_profile *p = obj;

	if (ld_string(l, v, "encrypt_to_self", &p->encrypt_to_self))
		ld_ref(l, REF_CERTIFICATE, p->encrypt_to_self,
		    "encrypt_to_self", v);
}

/* ---- header protection (RFC 9788) of a profile ---- */

/* The RFC's user-facing fields: the originator, the destination, the
 * identification and the informational fields (RFC 5322 3.6). */
static const char *const default_protected[] = { "From", "Sender",
    "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
    "References", "Keywords", "Comments", NULL };

/* hcp_baseline: the informational fields obscured, the rest kept. */
static const struct { const char *name, *value; } default_obscured[] = {
	{ "Subject", "[...]" }, { "Keywords", NULL }, { "Comments", NULL },
};

/* A field name (RFC 5322 ftext) that is not structural: the MIME
 * fields stay where they are, HP-Outer is the receiver's record. */
static bool
check_hp_name(const char *s, size_t len, const char **why)
{
	size_t	i;

	if (len == 0 || len > 76) {
		*why = "a field name has 1 to 76 characters";
		return false;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~' ||
		    s[i] == ':') {
			*why = "not a header field name";
			return false;
		}
	if ((len >= 8 && strncasecmp(s, "content-", 8) == 0) ||
	    (len == 12 && strncasecmp(s, "mime-version", 12) == 0) ||
	    (len == 8 && strncasecmp(s, "hp-outer", 8) == 0)) {
		*why = "a structural field, never protected nor obscured";
		return false;
	}
	return true;
}

static bool
check_protected(const char *s, const char **why)
{
	return check_hp_name(s, strlen(s), why);
}

/* "Name" (removed outside) or "Name: value" (replaced outside). */
static bool
check_obscured(const char *s, const char **why)
{
	const char *c = strchr(s, ':');

	if (c != NULL && c[1 + strspn(c + 1, " \t")] == '\0') {
		*why = "no value after the colon (write the name alone to "
		    "remove the field)";
		return false;
	}
	if (c != NULL && strpbrk(c, "\r\n") != NULL) {
		*why = "a value is one line";
		return false;
	}
	return check_hp_name(s, c ? (size_t)(c - s) : strlen(s), why);
}

static void
profile_protected(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_profile *p = obj;

	ld_strlist(l, v, "protected_fields", "field", check_protected,
	    &p->protected_fields, &p->nprotected_fields);
	if (p->nprotected_fields == 0)
		ld_error(l, v, "protected_fields is empty: write "
		    "header_protection: off instead");
}

static void
profile_obscured(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_profile *p = obj;
	char	**items = NULL;
	size_t	n = 0, i;

	ld_strlist(l, v, "obscured_fields", "field", check_obscured, &items,
	    &n);
	p->obscured_fields = x_calloc(n ? n : 1, sizeof(*p->obscured_fields));
	for (i = 0; i < n; i++) {
		char	*c = strchr(items[i], ':');
		struct hp_obscure *o = &p->obscured_fields[i];

		if (c != NULL) {
			*c++ = '\0';
			o->value = x_strdup(c + strspn(c, " \t"));
		}
		o->name = items[i];
	}
	p->nobscured_fields = n;
	free(items);
}

static bool
hp_listed(const struct sending_profile *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->nprotected_fields; i++)
		if (strcasecmp(p->protected_fields[i], name) == 0)
			return true;
	return false;
}

/* The defaults, and the checks that need the whole profile. vals are
 * the nodes of header_protection, protected_fields, obscured_fields,
 * legacy_display. */
static void
profile_hp_finish(struct ld *l, struct sending_profile *p,
    const struct ynode *const *vals)
{
	size_t	i;

	if (p->header_protection == HP_OFF) {
		if (vals[3] != NULL && vals[1] == NULL && vals[2] == NULL)
			ld_error(l, vals[3], "legacy_display needs "
			    "header_protection: encrypt (only hidden fields "
			    "are shown)");
		if (vals[1] != NULL || vals[2] != NULL)
			ld_error(l, vals[1] ? vals[1] : vals[2], "%s needs "
			    "header_protection: sign or encrypt",
			    vals[1] ? "protected_fields" : "obscured_fields");
		return;
	}
	if (p->header_protection == HP_ENCRYPT && p->mode == SMIME_SIGN)
		ld_error(l, vals[0], "header_protection encrypt hides header "
		    "fields inside the encryption, and mode sign does not "
		    "encrypt (use header_protection: sign)");
	if (p->header_protection == HP_SIGN && vals[2] != NULL)
		ld_error(l, vals[2], "obscured_fields needs header_protection: "
		    "encrypt");
	if (p->header_protection != HP_ENCRYPT && vals[3] != NULL)
		ld_error(l, vals[3], "legacy_display needs header_protection: "
		    "encrypt (only hidden fields are shown)");
	if (vals[1] == NULL) {
		for (i = 0; default_protected[i] != NULL; i++)
			;
		p->protected_fields = x_calloc(i, sizeof(char *));
		for (i = 0; default_protected[i] != NULL; i++)
			p->protected_fields[i] = x_strdup(default_protected[i]);
		p->nprotected_fields = i;
	}
	if (vals[2] == NULL && p->header_protection == HP_ENCRYPT) {
		size_t	n = sizeof(default_obscured) / sizeof(*default_obscured);

		p->obscured_fields = x_calloc(n, sizeof(*p->obscured_fields));
		for (i = 0; i < n; i++) {
			if (!hp_listed(p, default_obscured[i].name))
				continue;
			p->obscured_fields[p->nobscured_fields].name =
			    x_strdup(default_obscured[i].name);
			p->obscured_fields[p->nobscured_fields++].value =
			    default_obscured[i].value ?
			    x_strdup(default_obscured[i].value) : NULL;
		}
	}
	/* An obscured field that is not protected would be lost. */
	for (i = 0; vals[2] != NULL && i < p->nobscured_fields; i++)
		if (!hp_listed(p, p->obscured_fields[i].name))
			ld_error(l, vals[2], "obscured field %s is not in "
			    "protected_fields: the reader would lose it",
			    p->obscured_fields[i].name);
}

static void
load_profile(struct ld *l, const struct ynode *item, struct sending_profile *p)
{
	static const struct field f[] = {
		FLD_FN("name", profile_name),
		FLD_WORD("mode", struct sending_profile, mode,
		    words_smime_mode),
		FLD_FN("signing_certificate", profile_signing_certificate),
		FLD_WORD("sign_mode", struct sending_profile, sign_mode,
		    words_sign_mode),
		FLD_WORD("missing_key", struct sending_profile, missing_key,
		    words_missing_key),
		FLD_WORD("cipher", struct sending_profile, cipher,
		    words_cipher),
		FLD_WORD("digest", struct sending_profile, digest,
		    words_digest),
		FLD_WORD("signature", struct sending_profile, signature,
		    words_signature),
		FLD_WORD("key_transport", struct sending_profile,
		    key_transport, words_key_transport),
		FLD("include_chain", F_BOOL, struct sending_profile,
		    include_chain),
		FLD_FN("encrypt_to_self", profile_encrypt_to_self),
		FLD_WORD("header_protection", struct sending_profile,
		    header_protection, words_header_protection),
		FLD_FN("protected_fields", profile_protected),
		FLD_FN("obscured_fields", profile_obscured),
		FLD("legacy_display", F_BOOL, struct sending_profile,
		    legacy_display),
	};
	const struct ynode *vals[NFIELDS(f)];
	unsigned errors = l->d->errors;
	char	list[128], buf[YTREE_MAX_SCALAR + 4];

	p->sign_mode = SIGN_DETACHED;
	p->missing_key = MISSING_BOUNCE;
	p->cipher = CIPHER_AES256_CBC;
	p->digest = DIGEST_SHA256;
	p->signature = SIG_PKCS1;
	p->key_transport = KT_PKCS1;
	p->include_chain = true;
	p->legacy_display = true;
	p->line = item->line;
	p->col = item->col;
	if (!ld_walk_item(l, item, "sending profile", f, NFIELDS(f), p, vals))
		return;
	if (vals[0] == NULL)
		ld_error(l, item, "sending profile has no name");
	if (vals[1] == NULL) {
		ld_error(l, item, "sending profile%s has no mode (use %s)",
		    ld_named(p->name, buf, sizeof(buf)),
		    word_list(words_smime_mode, list, sizeof(list)));
		return;
	}
	if (l->d->errors != errors)
		return;
	if (p->mode != SMIME_ENCRYPT && p->signing_certificate == NULL)
		ld_error(l, vals[1], "mode %s signs, so the profile needs a "
		    "signing_certificate", word_name(words_smime_mode,
		    (int)p->mode));
	profile_hp_finish(l, p, vals + 11);
}

/* ---- the lists, with their names unique ---- */

void *
ld_items(struct ld *l, const struct ynode *v, const char *key, size_t sz,
    size_t *n, void (*one)(struct ld *, const struct ynode *, void *))
{
	char	*arr;
	size_t	i;

	*n = 0;
	if (v->type == YN_SCALAR && v->null)
		return NULL;
	if (v->type != YN_SEQ) {
		if (v->type != YN_BAD)
			ld_error(l, v, "%s must be a sequence, not a %s", key,
			    ytree_type_name(v));
		return NULL;
	}
	arr = x_calloc(v->nkids ? v->nkids : 1, sz);
	for (i = 0; i < v->nkids; i++) {
		one(l, v->kids[i], arr + i * sz);
		(*n)++;
	}
	return arr;
}

void
ld_unique_names(struct ld *l, const struct ynode *v, const char *what,
    const char *(*name)(const void *, size_t), const void *arr, size_t n)
{
	size_t	i, j;

	for (j = 1; j < n; j++) {
		const char *b = name(arr, j);
		const struct ynode *bn;

		if (b == NULL)
			continue;
		for (i = 0; i < j; i++) {
			const char *a = name(arr, i);

			if (a == NULL || strcmp(a, b) != 0)
				continue;
			bn = ld_get(v->kids[j], "name");
			ld_error(l, bn ? bn : v->kids[j], "duplicate %s name "
			    "\"%s\" (first at %u:%u)", what, b,
			    v->kids[i]->line, v->kids[i]->col);
			break;
		}
	}
}

static void
one_certificate(struct ld *l, const struct ynode *item, void *p)
{
	load_certificate(l, item, p);
}

static void
one_profile(struct ld *l, const struct ynode *item, void *p)
{
	load_profile(l, item, p);
}

static void
one_rule(struct ld *l, const struct ynode *item, void *p)
{
	load_rule(l, item, p);
}

static const char *
cert_name_at(const void *arr, size_t i)
{
	return ((const struct smime_certificate *)arr)[i].name;
}

static const char *
profile_name_at(const void *arr, size_t i)
{
	return ((const struct sending_profile *)arr)[i].name;
}

static const char *
rule_name_at(const void *arr, size_t i)
{
	return ((const struct sending_rule *)arr)[i].name;
}

static void
smime_certificates(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;

	s->certificates = ld_items(l, v, "certificates",
	    sizeof(*s->certificates), &s->ncertificates, one_certificate);
	ld_unique_names(l, v, "certificate", cert_name_at, s->certificates,
	    s->ncertificates);
}

static void
smime_profiles(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;

	s->profiles = ld_items(l, v, "sending_profiles",
	    sizeof(*s->profiles), &s->nprofiles, one_profile);
	ld_unique_names(l, v, "sending profile", profile_name_at, s->profiles,
	    s->nprofiles);
}

static void
smime_rules(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;

	s->rules = ld_items(l, v, "sending_rules", sizeof(*s->rules),
	    &s->nrules, one_rule);
	ld_unique_names(l, v, "sending rule", rule_name_at, s->rules, s->nrules);
}

/* ---- reinjection:, inbound: ---- */

static void
reinjection_smtp(struct ld *l, const struct ynode *v, void *obj)
{
	struct reinjection_conf *r = obj;
	const char *s = ld_scalar(l, v, "smtp"), *why;

	if (s == NULL)
		return;
	if (!check_addr_port(s, &why)) {
		ld_error(l, v, "bad smtp \"%s\": %s", s, why);
		return;
	}
	free(r->smtp);
	r->smtp = x_strdup(s);
}

static void
smime_reinjection(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("smtp", reinjection_smtp),
		FLD("sendmail_command", F_PATH, struct reinjection_conf,
		    sendmail_command),
	};

	ld_walk(l, v, "reinjection", f, NFIELDS(f),
	    &((struct smime_conf *)obj)->reinjection, NULL);
}

/* The single mapping of earlier versions: policies are named now. */
static void
smime_inbound_moved(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	ld_error(l, v, "smime.inbound is replaced by smime.inbound_policies "
	    "(a list of named policies) and each sender group's "
	    "smime_inbound: NAME");
}

static void
smime_inbound_policies(struct ld *l, const struct ynode *v, void *obj)
{
	load_inbound_policies(l, v, obj);
}

static void
smime_ldap(struct ld *l, const struct ynode *v, void *obj)
{
	load_ldap(l, v, obj);
}

/* ---- sender_login_map: ---- */

static void
smime_sender_login_map(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;

	if (ld_path(l, v, "sender_login_map", &s->sender_login_map))
		load_sender_logins(l, v);
}

/* A path (an SQLite file) or a postgresql:// URI, which only a build
 * with libpq can use. */
static void
smime_keystore(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;
	const char *uri;
	size_t	i;

	if (v->type != YN_SCALAR || (strncmp(v->str, "postgresql://", 13) != 0 &&
	    strncmp(v->str, "postgres://", 11) != 0)) {
		ld_path(l, v, "keystore", &s->keystore);
		return;
	}
	uri = v->str;
#ifndef HAVE_LIBPQ
	ld_error(l, v, "keystore: a PostgreSQL URI, but this gatewarden was "
	    "built without PostgreSQL (configure --with-postgresql, with "
	    "libpq-dev installed)");
	return;
#endif
	if (strlen(uri) > 1024) {
		ld_error(l, v, "keystore: URI longer than 1024 characters");
		return;
	}
	for (i = 0; uri[i] != '\0'; i++)
		if ((unsigned char)uri[i] <= ' ' || uri[i] == 0x7f) {
			ld_error(l, v, "keystore: a space or control character "
			    "in the URI (percent-encode it)");
			return;
		}
	free(s->keystore);
	s->keystore = x_strdup(uri);
}

void
load_smime(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("keystore", smime_keystore),
		FLD_NUM("keystore_max_size", F_SIZE, struct smime_conf,
		    keystore_max_size, 1 << 20, 0),
		FLD("private_dir", F_PATH, struct smime_conf, private_dir),
		FLD_FN("certificates", smime_certificates),
		FLD_FN("sending_profiles", smime_profiles),
		FLD_FN("sending_rules", smime_rules),
		FLD_FN("reinjection", smime_reinjection),
		FLD_FN("inbound", smime_inbound_moved),
		FLD_FN("inbound_policies", smime_inbound_policies),
		FLD_FN("ldap", smime_ldap),
		FLD_FN("sender_login_map", smime_sender_login_map),
		FLD_WORD("sender_login_mismatch", struct smime_conf,
		    sender_login_mismatch, words_login_mismatch),
	};

	ld_walk(l, map, "smime", f, NFIELDS(f), &l->c->smime, NULL);
}

void
load_smime_finish(struct ld *l)
{
	struct config *c = l->c;

	size_t	i;

	if (c->smime.reinjection.sendmail_command == NULL &&
	    c->alerts.sendmail_command)
		c->smime.reinjection.sendmail_command =
		    x_strdup(c->alerts.sendmail_command);
	load_check_refs(l);
	/* A rule that signs for named senders checks who sends, unless it
	 * says otherwise: the profiles are all known only now. */
	for (i = 0; i < c->smime.nrules; i++) {
		struct sending_rule *r = &c->smime.rules[i];
		const struct sending_profile *p;

		if (r->require_sender_login_set || r->profile == NULL)
			continue;
		p = config_profile(c, r->profile);
		r->require_sender_login = p != NULL &&
		    p->mode != SMIME_ENCRYPT &&
		    (r->nsenders > 0 || r->nsender_domains > 0);
	}
}

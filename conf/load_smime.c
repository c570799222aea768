/*
 * load_smime - smime: key store, the organisation's certificates, sending
 * profiles and rules, re-injection and inbound handling. Names that point
 * elsewhere (a profile's certificates, a rule's profile and groups) are
 * queued with ld_ref() and checked once the whole file is read.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

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
	bool	pem, p12;

	sc->line = item->line;
	sc->col = item->col;
	if (!ld_walk(l, item, "certificate", f, NFIELDS(f), sc, vals))
		return;
	if (vals[0] == NULL) {
		ld_error(l, item, "certificate has no name");
		return;
	}
	name = sc->name ? sc->name : "?";
	/* Judged on the keys written, so a bad path is not reported twice. */
	pem = vals[1] || vals[2];
	p12 = vals[3] != NULL;
	if (pem && p12)
		ld_error(l, item, "certificate \"%s\" has both pkcs12 and "
		    "certificate/key: use one", name);
	else if (!p12 && (vals[1] == NULL || vals[2] == NULL))
		ld_error(l, item, "certificate \"%s\" needs certificate and "
		    "key, or pkcs12", name);
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
	};
	const struct ynode *vals[NFIELDS(f)];
	unsigned errors = l->d->errors;
	char	list[128];

	p->sign_mode = SIGN_DETACHED;
	p->missing_key = MISSING_BOUNCE;
	p->cipher = CIPHER_AES256_CBC;
	p->digest = DIGEST_SHA256;
	p->signature = SIG_PKCS1;
	p->key_transport = KT_PKCS1;
	p->include_chain = true;
	p->line = item->line;
	p->col = item->col;
	if (!ld_walk(l, item, "sending profile", f, NFIELDS(f), p, vals))
		return;
	if (vals[0] == NULL)
		ld_error(l, item, "sending profile has no name");
	if (vals[1] == NULL) {
		ld_error(l, item, "sending profile \"%s\" has no mode (use %s)",
		    p->name ? p->name : "?",
		    word_list(words_smime_mode, list, sizeof(list)));
		return;
	}
	if (l->d->errors != errors)
		return;
	if (p->mode != SMIME_ENCRYPT && p->signing_certificate == NULL)
		ld_error(l, vals[1], "mode %s signs, so the profile needs a "
		    "signing_certificate", word_name(words_smime_mode,
		    (int)p->mode));
}

/* ---- sending_rules: ---- */

static void
rule_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct sending_rule *)obj)->name);
}

static void
rule_profile(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	if (ld_string(l, v, "profile", &r->profile))
		ld_ref(l, REF_PROFILE, r->profile, "profile", v);
}

static void
rule_sender_group(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;
	struct ynode *const *items;
	struct ynode *one;
	size_t	n, i;

	strings_free(r->sender_groups, r->nsender_groups);
	r->sender_groups = NULL;
	r->nsender_groups = 0;
	n = ld_list(l, v, "sender_group", &items, &one);
	if (n == 0)
		return;
	r->sender_groups = x_calloc(n, sizeof(*r->sender_groups));
	for (i = 0; i < n; i++) {
		char	*name;

		if (items[i]->type == YN_BAD)
			continue;
		name = x_strdup(items[i]->str);
		r->sender_groups[r->nsender_groups++] = name;
		/* Checked at the end: the groups may come later. */
		ld_ref(l, REF_GROUP, name, "sender_group", items[i]);
	}
}

static void
rule_sender(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	ld_names(l, v, "sender", true, &r->senders, &r->nsenders);
}

static void
rule_sender_domain(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	ld_names(l, v, "sender_domain", false, &r->sender_domains,
	    &r->nsender_domains);
}

static void
rule_recipient_domain(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	ld_names(l, v, "recipient_domain", false, &r->recipient_domains,
	    &r->nrecipient_domains);
}

static void
header_name(struct ld *l, const struct ynode *v, void *obj)
{
	struct header_condition *h = obj;
	const char *s = ld_scalar(l, v, "name"), *why;

	if (s == NULL)
		return;
	if (!check_header_name(s, &why)) {
		ld_error(l, v, "bad header name \"%s\": %s", s, why);
		return;
	}
	free(h->name);
	h->name = x_strdup(s);
}

static void
rule_header(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("name", header_name),
		FLD("contains", F_STR, struct header_condition, contains),
	};
	struct sending_rule *r = obj;
	const struct ynode *vals[NFIELDS(f)];
	struct ynode *const *items;
	struct ynode *one;
	size_t	n, i;

	if (v->type == YN_MAP) {
		one = (struct ynode *)(uintptr_t)v;
		items = &one;
		n = 1;
	} else if (v->type == YN_SEQ) {
		items = v->kids;
		n = v->nkids;
	} else {
		if (v->type != YN_BAD)
			ld_error(l, v, "header must be a mapping (name, "
			    "contains) or a list of them");
		return;
	}
	r->headers = x_calloc(n ? n : 1, sizeof(*r->headers));
	for (i = 0; i < n; i++) {
		struct header_condition *h = &r->headers[r->nheaders++];

		if (ld_walk(l, items[i], "header", f, NFIELDS(f), h, vals) &&
		    vals[0] == NULL)
			ld_error(l, items[i], "header condition has no name");
	}
}

static void
rule_match(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("sender_group", rule_sender_group),
		FLD_FN("sender", rule_sender),
		FLD_FN("sender_domain", rule_sender_domain),
		FLD_FN("recipient_domain", rule_recipient_domain),
		FLD_FN("header", rule_header),
		FLD("min_size", F_SIZE, struct sending_rule, min_size),
		FLD("max_size", F_SIZE, struct sending_rule, max_size),
	};
	struct sending_rule *r = obj;
	const struct ynode *vals[NFIELDS(f)];
	size_t	i;

	if (v->type == YN_SCALAR && !v->null && strcmp(v->str, "any") == 0)
		return;
	if (v->type == YN_SCALAR || v->type == YN_SEQ) {
		ld_error(l, v, "match must be a mapping or \"any\"");
		return;
	}
	if (!ld_walk(l, v, "rule match", f, NFIELDS(f), r, vals))
		return;
	for (i = 0; i < NFIELDS(f); i++)
		if (vals[i])
			break;
	if (i == NFIELDS(f))
		ld_error(l, v, "match of sending rule has no condition (use "
		    "match: any for every message)");
	if (vals[5] && vals[6] && r->max_size && r->min_size > r->max_size)
		ld_error(l, vals[6], "max_size is smaller than min_size");
}

static void
load_rule(struct ld *l, const struct ynode *item, struct sending_rule *r)
{
	static const struct field f[] = {
		FLD_FN("name", rule_name),
		FLD_FN("match", rule_match),
		FLD_FN("profile", rule_profile),
	};
	const struct ynode *vals[NFIELDS(f)];

	r->line = item->line;
	r->col = item->col;
	if (!ld_walk(l, item, "sending rule", f, NFIELDS(f), r, vals))
		return;
	if (vals[1] == NULL)
		ld_error(l, item, "sending rule has no match (use match: any "
		    "for every message)");
	if (vals[2] == NULL)
		ld_error(l, item, "sending rule has no profile");
}

/* ---- the lists, with their names unique ---- */

/* Reads a sequence of mappings into an array of n elements of size sz. */
static void *
load_list(struct ld *l, const struct ynode *v, const char *key, size_t sz,
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

/* Names of items i are at name(i); the items were written at kids[i]. */
static void
unique_names(struct ld *l, const struct ynode *v, const char *what,
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

	s->certificates = load_list(l, v, "certificates",
	    sizeof(*s->certificates), &s->ncertificates, one_certificate);
	unique_names(l, v, "certificate", cert_name_at, s->certificates,
	    s->ncertificates);
}

static void
smime_profiles(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;

	s->profiles = load_list(l, v, "sending_profiles",
	    sizeof(*s->profiles), &s->nprofiles, one_profile);
	unique_names(l, v, "sending profile", profile_name_at, s->profiles,
	    s->nprofiles);
}

static void
smime_rules(struct ld *l, const struct ynode *v, void *obj)
{
	struct smime_conf *s = obj;

	s->rules = load_list(l, v, "sending_rules", sizeof(*s->rules),
	    &s->nrules, one_rule);
	unique_names(l, v, "sending rule", rule_name_at, s->rules, s->nrules);
}

/* ---- reinjection:, inbound: ---- */

static void
reinjection_smtp(struct ld *l, const struct ynode *v, void *obj)
{
	struct reinjection_conf *r = obj;
	const char *s = ld_scalar(l, v, "smtp"), *why;

	if (s == NULL)
		return;
	if (!check_host_port(s, &why)) {
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

static void
inbound_harvest(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD("enabled", F_BOOL, struct harvest_conf, enabled),
		FLD("allow_expired", F_BOOL, struct harvest_conf,
		    allow_expired),
		FLD("allow_self_signed", F_BOOL, struct harvest_conf,
		    allow_self_signed),
		FLD("from_failed_verification", F_BOOL, struct harvest_conf,
		    from_failed_verification),
		FLD("replace", F_BOOL, struct harvest_conf, replace),
		FLD("churn_window", F_DUR, struct harvest_conf, churn_window),
	};

	ld_walk(l, v, "harvest", f, NFIELDS(f),
	    &((struct inbound_conf *)obj)->harvest, NULL);
}

static void
smime_inbound(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD("decrypt", F_BOOL, struct inbound_conf, decrypt),
		FLD("verify", F_BOOL, struct inbound_conf, verify),
		FLD("remove_signature", F_BOOL, struct inbound_conf,
		    remove_signature),
		FLD_WORD("on_failure", struct inbound_conf, on_failure,
		    words_inbound_failure),
		FLD("quarantine_dir", F_PATH, struct inbound_conf,
		    quarantine_dir),
		FLD_FN("harvest", inbound_harvest),
	};
	struct inbound_conf *in = &((struct smime_conf *)obj)->inbound;
	const struct ynode *vals[NFIELDS(f)];

	if (!ld_walk(l, v, "inbound", f, NFIELDS(f), in, vals))
		return;
	if (vals[3] && in->on_failure == INFAIL_QUARANTINE && vals[4] == NULL)
		ld_error(l, vals[3], "on_failure quarantine needs "
		    "quarantine_dir");
}

void
load_smime(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD("keystore", F_PATH, struct smime_conf, keystore),
		FLD_NUM("keystore_max_size", F_SIZE, struct smime_conf,
		    keystore_max_size, 1 << 20, 0),
		FLD("private_dir", F_PATH, struct smime_conf, private_dir),
		FLD_FN("certificates", smime_certificates),
		FLD_FN("sending_profiles", smime_profiles),
		FLD_FN("sending_rules", smime_rules),
		FLD_FN("reinjection", smime_reinjection),
		FLD_FN("inbound", smime_inbound),
	};

	ld_walk(l, map, "smime", f, NFIELDS(f), &l->c->smime, NULL);
}

/* ---- once the whole file is read ---- */

static bool
defined(const struct config *c, enum ref_kind kind, const char *name)
{
	switch (kind) {
	case REF_CERTIFICATE:
		return config_certificate(c, name) != NULL;
	case REF_PROFILE:
		return config_profile(c, name) != NULL;
	default:
		return config_group(c, name) != NULL;
	}
}

/* The defined names of a kind, for "did you mean"; caller frees. */
static const char **
defined_names(const struct config *c, enum ref_kind kind, size_t *n)
{
	const char **v;
	size_t	i, cnt;

	cnt = kind == REF_CERTIFICATE ? c->smime.ncertificates :
	    kind == REF_PROFILE ? c->smime.nprofiles : c->ngroups;
	v = x_calloc(cnt ? cnt : 1, sizeof(*v));
	*n = 0;
	for (i = 0; i < cnt; i++) {
		const char *s = kind == REF_CERTIFICATE ?
		    c->smime.certificates[i].name : kind == REF_PROFILE ?
		    c->smime.profiles[i].name : c->groups[i].name;

		if (s)
			v[(*n)++] = s;
	}
	return v;
}

static void
check_refs(struct ld *l)
{
	static const char *const kinds[] = {
		"certificate in smime.certificates",
		"sending profile in smime.sending_profiles",
		"sender group in sender_groups",
	};
	size_t	i, n;

	for (i = 0; i < l->nrefs; i++) {
		const struct ref *r = &l->refs[i];
		struct ynode at;
		const char **names, *best;

		if (defined(l->c, r->kind, r->name))
			continue;
		memset(&at, 0, sizeof(at));
		at.line = r->line;
		at.col = r->col;
		names = defined_names(l->c, r->kind, &n);
		best = ld_suggest(r->name, names, n);
		if (best)
			ld_error(l, &at, "%s \"%s\" names no %s (did you mean "
			    "\"%s\"?)", r->what, r->name, kinds[r->kind],
			    best);
		else
			ld_error(l, &at, "%s \"%s\" names no %s", r->what,
			    r->name, kinds[r->kind]);
		free(names);
	}
}

void
load_smime_finish(struct ld *l)
{
	struct config *c = l->c;

	if (c->smime.reinjection.sendmail_command == NULL &&
	    c->alerts.sendmail_command)
		c->smime.reinjection.sendmail_command =
		    x_strdup(c->alerts.sendmail_command);
	check_refs(l);
}

/*
 * keys_list - `gatewarden-keys list`, `show` and `remove`: the
 * organisation certificates of the private directory and the public keys
 * of the key store, for people (a table with a warning column for those
 * that expire within 30 days) or for scripts (--json).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keys/keys.h"
#include "smime/revoke/revoke_io.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/trust.h"
#include "smime/x509/x509_verify.h"

#define SOON_DAYS	ORGCERT_WARN_DAYS

const char keys_usage_list[] =
"list [--expiring-within DAYS] [--check-revocation]\n"
"  Lists the organisation certificates (kind 'certificate', with a\n"
"  private key) and the public keys of the key store (kind 'public'):\n"
"  name or fingerprint, origin, expiry with a warning for those that\n"
"  expire within 30 days, the last revocation status found (and when),\n"
"  last use, addresses and domains, issuer.\n"
"  --expiring-within DAYS   only those that expire within DAYS days\n"
"                           (expired ones included)\n"
"  --check-revocation       check each one's revocation now\n"
"                           (trust.revocation) before listing it\n";

const char keys_usage_show[] =
"show NAME|FINGERPRINT [--pem]\n"
"  Shows one organisation certificate (by NAME) or public key (by label\n"
"  or fingerprint, 8 or more leading hex digits).\n"
"  --pem    print the certificate in PEM as well (with --json: the\n"
"           member \"pem\")\n";

const char keys_usage_remove[] =
"remove NAME|FINGERPRINT\n"
"  Removes an organisation certificate and its key (by NAME) or a public\n"
"  key from the key store (by label or fingerprint).\n";

struct entry {
	const char	*kind, *name, *origin;
	const char	*fingerprint, *subject, *issuer, *serial;
	char		*const *emails, *const *domains;
	size_t		nemails, ndomains;
	int64_t		not_before, not_after, added_at, last_used;
	bool		can_encrypt, usable_verify;	/* by key usage */
	const unsigned char *der;
	size_t		derlen;
};

struct list_state {
	struct keys	*k;
	long		within;		/* days, -1: all */
	unsigned	shown;
	bool		check;		/* --check-revocation */
	X509_STORE	*trust;		/* for --check-revocation */
};

/* The last revocation status recorded for en (rs->status "" when none). */
static void
revocation_of(const struct keys *k, const struct entry *en,
    struct ks_revocation_status *rs)
{
	if (k->ks == NULL || keystore_revocation_status_get(k->ks,
	    en->fingerprint, rs) != KS_OK)
		memset(rs, 0, sizeof(*rs));
}

static void
print_revocation_json(const struct keys *k, const struct entry *en)
{
	struct ks_revocation_status rs;
	char	t[40];

	revocation_of(k, en, &rs);
	printf(", \"revocation\": ");
	if (rs.status[0] == '\0') {
		printf("null");
		return;
	}
	printf("{\"status\": \"%s\", \"source\": \"%s\", \"checked_at\": "
	    "\"%s\"", rs.status, rs.source, keys_time(rs.checked_at, t,
	    sizeof(t)));
	if (rs.next_update != 0)
		printf(", \"next_update\": \"%s\"", keys_time(rs.next_update, t,
		    sizeof(t)));
	else
		printf(", \"next_update\": null");
	printf(", \"reason\": ");
	json_str(stdout, rs.reason);
	printf("}");
}

static const char *
warning(const struct keys *k, const struct entry *en)
{
	if (en->not_after < k->now)
		return "EXPIRED";
	if (en->not_after - k->now < (int64_t)SOON_DAYS * 86400)
		return "expires soon";
	return "";
}

/* What the milter's look-up would say: CERT_OK, or why the certificate
 * is passed over for encryption now (ks_cert_encrypt_problem's rules). */
static enum cert_problem
encrypt_problem(const struct keys *k, const struct entry *en)
{
	if (!en->can_encrypt)
		return CERT_KEY_USAGE;
	return cert_dates_problem(en->not_before, en->not_after, k->now);
}

/* One entry as a JSON object; with pem (show --pem) the member "pem". */
static void
print_json(const struct keys *k, const struct entry *en, bool first,
    const char *pem)
{
	char	t[40];
	const char *w = warning(k, en);

	printf("%s\n  {\"kind\": \"%s\", \"name\": ", first ? "" : ",", en->kind);
	json_str(stdout, en->name);
	printf(", \"fingerprint\": \"%s\", \"subject\": ", en->fingerprint);
	json_str(stdout, en->subject);
	printf(", \"issuer\": ");
	json_str(stdout, en->issuer);
	printf(", \"serial\": ");
	json_str(stdout, en->serial);
	printf(", \"emails\": ");
	json_strs(stdout, en->emails, en->nemails);
	printf(", \"domains\": ");
	json_strs(stdout, en->domains, en->ndomains);
	printf(", \"not_before\": \"%s\"", keys_time(en->not_before, t,
	    sizeof(t)));
	printf(", \"not_after\": \"%s\"", keys_time(en->not_after, t,
	    sizeof(t)));
	printf(", \"expires_in_days\": %lld",
	    (long long)((en->not_after - k->now) / 86400));
	printf(", \"expired\": %s, \"expiring_soon\": %s",
	    strcmp(w, "EXPIRED") == 0 ? "true" : "false",
	    strcmp(w, "expires soon") == 0 ? "true" : "false");
	printf(", \"origin\": \"%s\"", en->origin);
	if (en->added_at != 0)
		printf(", \"added_at\": \"%s\"", keys_time(en->added_at, t,
		    sizeof(t)));
	if (en->last_used != 0)
		printf(", \"last_used\": \"%s\"", keys_time(en->last_used, t,
		    sizeof(t)));
	else
		printf(", \"last_used\": null");
	printf(", \"usable_for_encryption\": %s, \"encryption_problem\": ",
	    encrypt_problem(k, en) == CERT_OK ? "true" : "false");
	if (encrypt_problem(k, en) == CERT_OK)
		printf("null");
	else
		printf("\"%s\"", cert_problem_name(encrypt_problem(k, en)));
	printf(", \"usable_for_verification\": %s",
	    en->usable_verify ? "true" : "false");
	print_revocation_json(k, en);
	if (pem != NULL) {
		printf(", \"pem\": ");
		json_str(stdout, pem);
	}
	printf("}");
}

static void
print_row(const struct keys *k, const struct entry *en, bool first)
{
	struct ks_revocation_status rs;
	char	exp[40], used[40], who[200] = "", rev[40];
	size_t	i;

	if (first)
		printf("%-18s %-11s %-9s %-10s %-12s %-21s %-10s %s\n", "NAME",
		    "KIND", "ORIGIN", "EXPIRES", "WARNING", "REVOCATION",
		    "LAST-USED", "ADDRESSES/DOMAINS  ISSUER");
	revocation_of(k, en, &rs);
	snprintf(rev, sizeof(rev), "-");
	if (rs.status[0] != '\0') {
		keys_time(rs.checked_at, used, sizeof(used));
		used[10] = '\0';
		snprintf(rev, sizeof(rev), "%.15s@%.10s", rs.status, used);
	}
	keys_time(en->not_after, exp, sizeof(exp));
	exp[10] = '\0';
	if (en->last_used != 0) {
		keys_time(en->last_used, used, sizeof(used));
		used[10] = '\0';
	} else
		snprintf(used, sizeof(used), "-");
	for (i = 0; i < en->nemails; i++)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s",
		    who[0] ? "," : "", en->emails[i]);
	for (i = 0; i < en->ndomains; i++)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s",
		    who[0] ? "," : "", en->domains[i]);
	printf("%-18.*s %-11s %-9s %-10s %-12s %-21s %-10s %s  %s\n",
	    en->name != NULL ? 18 : 16, en->name != NULL ? en->name :
	    en->fingerprint, en->kind, en->origin, exp, warning(k, en), rev,
	    used, who[0] ? who : "-", en->issuer);
}

static bool
wanted(const struct list_state *ls, const struct entry *en)
{
	return ls->within < 0 ||
	    en->not_after - ls->k->now < (int64_t)ls->within * 86400;
}

/* --check-revocation: x's status now, recorded for the listing. */
static void
check_now(struct list_state *ls, const struct entry *en, X509 *x,
    STACK_OF(X509) *chain)
{
	struct rev_answer a;

	if (!ls->check || ls->k->rev == NULL || x == NULL)
		return;
	(void)revocation_check_cert(ls->k->rev, x, ls->trust, chain,
	    ls->k->now, &a);
	(void)revocation_status_save(ls->k->ks, en->fingerprint, &a,
	    ls->k->now);
}

static void
emit(struct list_state *ls, const struct entry *en, X509 *x,
    STACK_OF(X509) *chain)
{
	if (!wanted(ls, en))
		return;
	check_now(ls, en, x, chain);
	if (ls->k->json)
		print_json(ls->k, en, ls->shown == 0, NULL);
	else
		print_row(ls->k, en, ls->shown == 0);
	ls->shown++;
}

static void
entry_from_info(struct entry *en, const char *name, const struct cert_info *ci)
{
	memset(en, 0, sizeof(*en));
	en->kind = "certificate";
	en->origin = "local";
	en->name = name;
	en->fingerprint = ci->fingerprint;
	en->subject = ci->subject;
	en->issuer = ci->issuer;
	en->serial = ci->serial;
	en->emails = ci->emails;
	en->nemails = ci->nemails;
	en->domains = ci->domains;
	en->ndomains = ci->ndomains;
	en->not_before = ci->not_before;
	en->not_after = ci->not_after;
	en->can_encrypt = ci->can_encrypt;
	en->usable_verify = ci->can_verify;
}

static void
entry_from_ks(struct entry *en, const struct ks_cert *c)
{
	memset(en, 0, sizeof(*en));
	en->kind = "public";
	en->origin = keystore_origin_name(c->origin);
	en->name = c->label;
	en->fingerprint = c->fingerprint;
	en->subject = c->subject;
	en->issuer = c->issuer;
	en->serial = c->serial;
	en->emails = c->emails;
	en->nemails = c->nemails;
	en->domains = c->domains;
	en->ndomains = c->ndomains;
	en->not_before = c->not_before;
	en->not_after = c->not_after;
	en->added_at = c->added_at;
	en->last_used = c->last_used;
	en->can_encrypt = c->usable_encrypt;
	en->usable_verify = c->usable_verify;
	en->der = c->der;
	en->derlen = c->derlen;
}

/* The key store's fingerprints, in its order: each entry is read and
 * shown afterwards, since showing one asks the key store again (its
 * revocation status, a check) and keystore_foreach() holds it. */
struct fingerprints {
	char		(*v)[65];
	size_t		n;
};

static bool
collect_public(const struct ks_cert *c, void *arg)
{
	struct fingerprints *f = arg;

	f->v = x_reallocarray(f->v, f->n + 1, sizeof(*f->v));
	snprintf(f->v[f->n++], sizeof(*f->v), "%s", c->fingerprint);
	return true;
}

static int
list_public(struct list_state *ls)
{
	struct fingerprints f = { NULL, 0 };
	struct ks_cert *c;
	enum ks_status st;
	size_t	i;
	int	rc = 0;

	if ((st = keystore_foreach(ls->k->ks, collect_public, &f)) != KS_OK)
		rc = keys_ks_err(st);
	for (i = 0; rc == 0 && i < f.n; i++) {
		struct entry en;
		const unsigned char *p;
		X509	*x = NULL;

		if ((st = keystore_get(ls->k->ks, f.v[i], &c)) == KS_NOTFOUND)
			continue;	/* removed meanwhile */
		if (st != KS_OK) {
			rc = keys_ks_err(st);
			break;
		}
		p = c->der;
		if (ls->check)
			x = d2i_X509(NULL, &p, (long)c->derlen);
		entry_from_ks(&en, c);
		emit(ls, &en, x, NULL);
		X509_free(x);
		ks_cert_free(c);
	}
	free(f.v);
	return rc;
}

/* Calls fn on each organisation certificate; 0 or an exit status. */
static int
each_org(struct keys *k, void (*fn)(void *, const char *, X509 *,
    STACK_OF(X509) *, const struct cert_info *), void *arg)
{
	struct io_err e;
	char	**names;
	size_t	i;

	if (!orgcert_names(k->private_dir, &names, &e))
		return keys_io_err(&e);
	for (i = 0; names[i] != NULL; i++) {
		struct cert_info ci;
		STACK_OF(X509) *chain = NULL;
		const char *why;
		X509	*x = NULL;

		if (!orgcert_load(k->private_dir, names[i], &x, &chain, NULL,
		    &e)) {
			keys_io_err(&e);	/* one bad file does not hide the rest */
			continue;
		}
		if (cert_info_from_x509(x, &ci, &why)) {
			fn(arg, names[i], x, chain, &ci);
			cert_info_clear(&ci);
		} else
			keys_err(EXIT_USER_ERR, "%s: %s", names[i], why);
		X509_free(x);
		sk_X509_pop_free(chain, X509_free);
	}
	orgcert_names_free(names);
	return 0;
}

static void
list_org(void *arg, const char *name, X509 *x, STACK_OF(X509) *chain,
    const struct cert_info *ci)
{
	struct entry en;

	entry_from_info(&en, name, ci);
	emit(arg, &en, x, chain);
}

int
cmd_list(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expiring-within", required_argument, NULL, 'e' },
		{ "check-revocation", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_state ls = { k, -1, 0, false, NULL };
	struct io_err e;
	char	*end;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			ls.within = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || ls.within < 0 ||
			    ls.within > 36500)
				return keys_bad_usage(argv[0], keys_usage_list,
				    "--expiring-within: days from 0 to 36500");
			break;
		case 'r':
			ls.check = true;
			break;
		case 'h':
			return keys_help(argv[0], keys_usage_list);
		default:
			return keys_bad_usage(argv[0], keys_usage_list, NULL);
		}
	}
	if (argc != optind)
		return keys_bad_usage(argv[0], keys_usage_list, "no arguments");
	if ((rc = keys_store(k)) != 0)
		return rc;
	if (ls.check && ((rc = keys_revocation(k)) != 0 ||
	    (ls.trust = trust_store_build(k->ks, k->trust, &e)) == NULL))
		return rc != 0 ? rc : keys_io_err(&e);
	if (k->json)
		printf("[");
	rc = each_org(k, list_org, &ls);
	if (rc == 0)
		rc = list_public(&ls);
	X509_STORE_free(ls.trust);
	if (rc != 0)
		return rc;
	if (k->json)
		printf("%s]\n", ls.shown ? "\n" : "");
	else if (ls.shown == 0)
		printf("no certificates\n");
	return 0;
}

/* One entry for people, or as JSON; pem, when not NULL, is shown too. */
static void
show(const struct keys *k, const struct entry *en, const char *key_desc,
    const char *pem)
{
	struct ks_revocation_status rs;
	char	t[40];
	size_t	i;

	if (k->json) {
		print_json(k, en, true, pem);
		printf("\n");
		return;
	}
	printf("name:          %s\n", en->name != NULL ? en->name : "-");
	printf("kind:          %s\n", en->kind);
	printf("origin:        %s\n", en->origin);
	printf("fingerprint:   %s (SHA-256)\n", en->fingerprint);
	printf("subject:       %s\n", en->subject);
	printf("issuer:        %s\n", en->issuer);
	printf("serial:        %s\n", en->serial);
	if (key_desc != NULL)
		printf("key:           %s\n", key_desc);
	printf("valid from:    %s\n", keys_time(en->not_before, t, sizeof(t)));
	printf("valid until:   %s %s\n", keys_time(en->not_after, t, sizeof(t)),
	    warning(k, en));
	for (i = 0; i < en->nemails; i++)
		printf("address:       %s\n", en->emails[i]);
	for (i = 0; i < en->ndomains; i++)
		printf("domain:        %s\n", en->domains[i]);
	if (encrypt_problem(k, en) == CERT_OK)
		printf("encryption:    yes\n");
	else
		printf("encryption:    no (%s)\n",
		    cert_problem_name(encrypt_problem(k, en)));
	printf("verification:  %s\n", en->usable_verify ? "yes" : "no");
	revocation_of(k, en, &rs);
	if (rs.status[0] != '\0')
		printf("revocation:    %s (%s, checked %s): %s\n", rs.status,
		    rs.source, keys_time(rs.checked_at, t, sizeof(t)), rs.reason);
	else if (k->ks != NULL)
		printf("revocation:    not checked yet\n");
	if (en->added_at != 0)
		printf("added:         %s\n", keys_time(en->added_at, t,
		    sizeof(t)));
	if (en->added_at != 0)
		printf("last used:     %s\n", en->last_used != 0 ?
		    keys_time(en->last_used, t, sizeof(t)) : "never");
	if (pem != NULL)
		fputs(pem, stdout);
}

int
cmd_show(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pem", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ks_cert *kc = NULL;
	struct cert_info ci;
	struct entry en;
	struct io_err e;
	enum ks_status st;
	const char *why, *key;
	X509	*x = NULL;
	char	desc[40], *pem = NULL;
	bool	want_pem = false;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': want_pem = true; break;
		case 'h': return keys_help(argv[0], keys_usage_show);
		default: return keys_bad_usage(argv[0], keys_usage_show, NULL);
		}
	}
	if (argc - optind != 1)
		return keys_bad_usage(argv[0], keys_usage_show,
		    "one NAME or FINGERPRINT expected");
	key = argv[optind];
	if (orgcert_name_valid(key) && orgcert_load(k->private_dir, key, &x,
	    NULL, NULL, &e)) {
		if (!cert_info_from_x509(x, &ci, &why)) {
			X509_free(x);
			return keys_err(EXIT_USER_ERR, "%s: %s", key, why);
		}
		pem = want_pem ? cert_pem(x, NULL) : NULL;
		entry_from_info(&en, key, &ci);
		show(k, &en, cert_key_desc(&ci, desc, sizeof(desc)), pem);
		cert_info_clear(&ci);
	} else {
		if ((rc = keys_store(k)) != 0)
			return rc;
		if ((st = keystore_get(k->ks, key, &kc)) != KS_OK)
			return keys_ks_err(st);
		x = d2i_X509(NULL, &(const unsigned char *){ kc->der },
		    (long)kc->derlen);
		pem = want_pem && x != NULL ? cert_pem(x, NULL) : NULL;
		entry_from_ks(&en, kc);
		show(k, &en, NULL, pem);
		ks_cert_free(kc);
	}
	free(pem);
	X509_free(x);
	return 0;
}

int
cmd_remove(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct io_err e;
	enum ks_status st;
	const char *key;
	char	*cp;
	bool	org;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return keys_help(argv[0], keys_usage_remove);
		return keys_bad_usage(argv[0], keys_usage_remove, NULL);
	}
	if (argc - optind != 1)
		return keys_bad_usage(argv[0], keys_usage_remove,
		    "one NAME or FINGERPRINT expected");
	key = argv[optind];
	org = false;
	if (orgcert_name_valid(key)) {
		cp = orgcert_path(k->private_dir, key, "crt");
		org = access(cp, F_OK) == 0;
		free(cp);
	}
	if (org) {
		if (!orgcert_remove(k->private_dir, key, &e))
			return keys_io_err(&e);
	} else {
		if ((rc = keys_store(k)) != 0)
			return rc;
		if ((st = keystore_remove(k->ks, key)) != KS_OK)
			return keys_ks_err(st);
	}
	if (k->json) {
		printf("{\"removed\": ");
		json_str(stdout, key);
		printf(", \"kind\": \"%s\"}\n", org ? "certificate" : "public");
	} else
		printf("removed %s %s\n", org ? "certificate" : "public key", key);
	return 0;
}

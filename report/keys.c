/*
 * keys - see keys.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/xalloc.h"
#include "report/keys.h"
#include "smime/keystore/keystore.h"
#include "smime/x509/cert_info.h"

struct walk {
	struct stats	*st;
	int64_t		now, horizon;
};

static int
by_expiry(const void *a, const void *b)
{
	const struct cert_entry *x = a, *y = b;

	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Keeps the KEYS_MAX_CERTS that expire first. */
static void
add_cert(struct stats *st, const struct cert_entry *e)
{
	if (st->certs == NULL)
		st->certs = x_calloc(KEYS_MAX_CERTS, sizeof(*st->certs));
	if (st->ncerts == KEYS_MAX_CERTS) {
		st->certs_dropped++;
		qsort(st->certs, st->ncerts, sizeof(*st->certs), by_expiry);
		if (e->not_after >= st->certs[st->ncerts - 1].not_after)
			return;
		st->ncerts--;
	}
	st->certs[st->ncerts++] = *e;
}

static void
harvest_day(struct stats *st, int64_t t)
{
	char	day[16];
	time_t	tt = (time_t)t;
	struct tm tm;

	if (t < st->since || t >= st->until || gmtime_r(&tt, &tm) == NULL)
		return;
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	tally_row(st->harvest_days, day, strlen(day))->c[0]++;
}

static bool
store_cert(const struct ks_cert *c, void *arg)
{
	struct walk *w = arg;
	struct cert_entry e = { 0 };

	if (c->origin == KS_HARVESTED)
		harvest_day(w->st, c->added_at);
	if (c->not_after < w->now || c->not_after > w->horizon)
		return true;
	snprintf(e.name, sizeof(e.name), "%s", c->label ? c->label :
	    c->fingerprint);
	snprintf(e.subject, sizeof(e.subject), "%s", c->subject ?
	    c->subject : "");
	snprintf(e.email, sizeof(e.email), "%s", c->nemails ? c->emails[0] :
	    c->ndomains ? c->domains[0] : "");
	e.not_after = c->not_after;
	add_cert(w->st, &e);
	return true;
}

static void
read_store(struct stats *st, const char *path, struct walk *w)
{
	struct keystore *ks = NULL;
	struct stat sb;

	if (path == NULL) {
		st->keystore_note = "no key store configured";
		return;
	}
	/* keystore_open() would create a missing file: look first. */
	if (!keystore_is_uri(path) &&
	    (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))) {
		st->keystore_note = "the key store file is not there";
		return;
	}
	if (keystore_open(path, 0, &ks) != KS_OK) {
		st->keystore_note = "the key store cannot be opened";
		return;
	}
	if (keystore_foreach(ks, store_cert, w) != KS_OK)
		st->keystore_note = "the key store cannot be read";
	keystore_close(ks);
}

static void
read_organisation(struct stats *st, const struct smime_certificate *c,
    const struct walk *w)
{
	struct cert_entry e = { 0 };
	struct cert_info info = { 0 };
	const char *why;
	X509	*x = NULL;
	FILE	*fp;

	if (c->certificate == NULL || (fp = fopen(c->certificate, "r")) == NULL)
		return;
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL || !cert_info_from_x509(x, &info, &why)) {
		X509_free(x);
		return;
	}
	if (info.not_after <= w->horizon) {
		e.organisation = true;
		snprintf(e.name, sizeof(e.name), "%s", c->name ? c->name : "");
		snprintf(e.subject, sizeof(e.subject), "%s", info.subject ?
		    info.subject : "");
		snprintf(e.email, sizeof(e.email), "%s", info.nemails ?
		    info.emails[0] : "");
		e.not_after = info.not_after;
		add_cert(st, &e);
	}
	cert_info_clear(&info);
	X509_free(x);
}

void
keys_read(struct stats *st, const struct config *cfg, const char *keystore,
    int64_t now, unsigned days)
{
	struct walk w = { st, now, now + (int64_t)days * 86400 };
	size_t	i;

	if (cfg != NULL)
		for (i = 0; i < cfg->smime.ncertificates; i++)
			read_organisation(st, &cfg->smime.certificates[i], &w);
	read_store(st, keystore, &w);
	if (st->certs != NULL)
		qsort(st->certs, st->ncerts, sizeof(*st->certs), by_expiry);
}

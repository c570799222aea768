/*
 * ldap_dir - see ldap_dir.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>
#include <openssl/crypto.h>

#include "lib/xalloc.h"
#include "smime/ldap/ldap_dir.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/pem_io.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is left until deadline, as the timeouts of ld's next step; false
 * when nothing is. */
static bool
time_left(LDAP *ld, int64_t deadline, struct timeval *tv)
{
	int64_t	left = deadline - mono_ms();

	if (left <= 0)
		return false;
	tv->tv_sec = (time_t)(left / 1000);
	tv->tv_usec = (suseconds_t)(left % 1000) * 1000;
	return ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv) ==
	    LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, tv) == LDAP_OPT_SUCCESS;
}

static void
fail_ld(LDAP *ld, int rc, const char *what, char *why, size_t whysz)
{
	char	*diag = NULL;

	(void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(why, whysz, "%s: %s%s%.200s%s", what, rc == LDAP_TIMEOUT ?
	    "no answer in time" : ldap_err2string(rc), diag && *diag ? " (" :
	    "", diag ? diag : "", diag && *diag ? ")" : "");
	ldap_memfree(diag);
}

/* The password: the first line of the file. */
static bool
read_password(const char *path, struct berval *cred, char *why, size_t whysz)
{
	struct io_err e;
	unsigned char *buf;
	size_t	len;

	if (!file_read(path, 4096, &buf, &len, &e)) {
		snprintf(why, whysz, "password_file %s", e.msg);
		return false;
	}
	len = strcspn((char *)buf, "\r\n");
	buf[len] = '\0';
	cred->bv_val = (char *)buf;
	cred->bv_len = len;
	return true;
}

static bool
set_tls(LDAP *ld, const struct ldap_directory *d, char *why, size_t whysz)
{
	int	hard = LDAP_OPT_X_TLS_HARD, zero = 0;

	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard) !=
	    LDAP_OPT_SUCCESS || (d->ca_file != NULL && ldap_set_option(ld,
	    LDAP_OPT_X_TLS_CACERTFILE, d->ca_file) != LDAP_OPT_SUCCESS) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) !=
	    LDAP_OPT_SUCCESS) {
		snprintf(why, whysz, "cannot set up TLS%s%s", d->ca_file ?
		    " with ca_file " : "", d->ca_file ? d->ca_file : "");
		return false;
	}
	return true;
}

/* A connection, TLS as configured, bound; NULL with why. */
static LDAP *
dir_open(const struct ldap_directory *d, int64_t deadline, char *why,
    size_t whysz)
{
	struct berval cred = { 0, NULL };
	struct timeval tv;
	LDAP	*ld = NULL;
	int	v3 = LDAP_VERSION3, rc, limit = LDAP_DIR_MAX_ENTRIES;
	int	secs = (int)d->timeout;
	const char *mech;

	if ((rc = ldap_initialize(&ld, d->uri)) != LDAP_SUCCESS) {
		snprintf(why, whysz, "%s: %s", d->uri, ldap_err2string(rc));
		return NULL;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_SIZELIMIT, &limit) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &secs) !=
	    LDAP_OPT_SUCCESS) {
		snprintf(why, whysz, "cannot set the LDAP options");
		goto fail;
	}
	if ((strncasecmp(d->uri, "ldaps://", 8) == 0 || d->starttls) &&
	    !set_tls(ld, d, why, whysz))
		goto fail;
	if (!time_left(ld, deadline, &tv)) {
		snprintf(why, whysz, "no time left to connect");
		goto fail;
	}
	if (d->starttls &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		fail_ld(ld, rc, "STARTTLS", why, whysz);
		goto fail;
	}
	if (!time_left(ld, deadline, &tv)) {
		snprintf(why, whysz, "bind: no answer in time");
		goto fail;
	}
	mech = LDAP_SASL_SIMPLE;
	if (d->bind == LDAPBIND_SIMPLE && !read_password(d->password_file,
	    &cred, why, whysz))
		goto fail;
	if (d->bind == LDAPBIND_SASL_EXTERNAL) {
		/* an empty initial response (no authorisation identity):
		 * absent, the server would ask for it in a second step */
		mech = "EXTERNAL";
		cred.bv_val = (char *)"";
	}
	rc = ldap_sasl_bind_s(ld, d->bind == LDAPBIND_SIMPLE ? d->bind_dn :
	    NULL, mech, &cred, NULL, NULL, NULL);
	if (d->bind == LDAPBIND_SIMPLE) {
		OPENSSL_cleanse(cred.bv_val, cred.bv_len);
		free(cred.bv_val);
	}
	if (rc != LDAP_SUCCESS) {
		fail_ld(ld, rc, "bind", why, whysz);
		goto fail;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/* d->filter with each %s replaced by the escaped address. */
static bool
make_filter(const char *pattern, const char *address, char *out,
    size_t size, char *why, size_t whysz)
{
	struct berval in, esc = { 0, NULL };
	const char *p;
	size_t	n = 0, add;

	in.bv_val = (char *)address;
	in.bv_len = strlen(address);
	if (ldap_bv2escaped_filter_value(&in, &esc) != 0) {
		snprintf(why, whysz, "cannot escape the address");
		return false;
	}
	for (p = pattern; *p != '\0'; p++) {
		const char *piece = p;

		add = 1;
		if (p[0] == '%' && p[1] == 's') {
			piece = esc.bv_val;
			add = esc.bv_len;
			p++;
		}
		if (n + add >= size) {
			ber_memfree(esc.bv_val);
			snprintf(why, whysz, "the filter is too long");
			return false;
		}
		memcpy(out + n, piece, add);
		n += add;
	}
	out[n] = '\0';
	ber_memfree(esc.bv_val);
	return true;
}

static void
add_values(LDAP *ld, LDAPMessage *e, const char *attr,
    struct ldap_dir_entry *en, struct ldap_dir_result *r)
{
	struct berval **vals = ldap_get_values_len(ld, e, attr);
	bool	pkcs7 = strcasecmp(attr, "userSMIMECertificate") == 0;
	size_t	i;

	for (i = 0; vals != NULL && vals[i] != NULL; i++) {
		struct ldap_dir_value *v;

		if (vals[i]->bv_len == 0 || vals[i]->bv_len > CERT_MAX_DER ||
		    en->nvalues >= LDAP_DIR_MAX_VALUES) {
			r->skipped++;
			continue;
		}
		en->values = x_reallocarray(en->values, en->nvalues + 1,
		    sizeof(*en->values));
		v = &en->values[en->nvalues++];
		v->len = vals[i]->bv_len;
		v->data = x_malloc(v->len);
		memcpy(v->data, vals[i]->bv_val, v->len);
		v->pkcs7 = pkcs7;
	}
	ldap_value_free_len(vals);
}

enum ldap_dir_status
ldap_dir_search(const struct ldap_directory *d, const char *address,
    struct ldap_dir_result *r, char *why, size_t whysz)
{
	int64_t	deadline = mono_ms() + (int64_t)d->timeout * 1000;
	LDAPMessage *res = NULL, *e;
	struct timeval tv;
	char	**attrs, *dn;
	size_t	i;
	int	rc;
	LDAP	*ld;

	memset(r, 0, sizeof(*r));
	if (strlen(address) > LDAP_DIR_MAX_ADDRESS) {
		snprintf(why, whysz, "the address is too long to look up");
		return LDAP_DIR_FAIL;
	}
	if (!make_filter(d->filter, address, r->filter, sizeof(r->filter),
	    why, whysz))
		return LDAP_DIR_FAIL;
	if ((ld = dir_open(d, deadline, why, whysz)) == NULL)
		return LDAP_DIR_FAIL;
	attrs = x_calloc(d->nattributes + 1, sizeof(*attrs));
	for (i = 0; i < d->nattributes; i++)
		attrs[i] = d->attributes[i];
	rc = time_left(ld, deadline, &tv) ? ldap_search_ext_s(ld, d->base,
	    LDAP_SCOPE_SUBTREE, r->filter, attrs, 0, NULL, NULL, &tv,
	    LDAP_DIR_MAX_ENTRIES, &res) : LDAP_TIMEOUT;
	free(attrs);
	/* more entries than asked for: the first ones are there. A base
	 * that does not exist is a failure too: "no key" there would let
	 * missing_key: split send clear text because of a typing error. */
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		fail_ld(ld, rc, "search", why, whysz);
		ldap_msgfree(res);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return LDAP_DIR_FAIL;
	}
	for (e = ldap_first_entry(ld, res); e != NULL &&
	    r->nentries < LDAP_DIR_MAX_ENTRIES; e = ldap_next_entry(ld, e)) {
		struct ldap_dir_entry *en;

		r->entries = x_reallocarray(r->entries, r->nentries + 1,
		    sizeof(*r->entries));
		en = &r->entries[r->nentries++];
		memset(en, 0, sizeof(*en));
		dn = ldap_get_dn(ld, e);
		en->dn = x_strdup(dn != NULL ? dn : "?");
		ldap_memfree(dn);
		for (i = 0; i < d->nattributes; i++)
			add_values(ld, e, d->attributes[i], en, r);
	}
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return LDAP_DIR_OK;
}

void
ldap_dir_result_clear(struct ldap_dir_result *r)
{
	size_t	i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nentries; i++) {
		for (j = 0; j < r->entries[i].nvalues; j++)
			free(r->entries[i].values[j].data);
		free(r->entries[i].values);
		free(r->entries[i].dn);
	}
	free(r->entries);
	memset(r, 0, sizeof(*r));
}

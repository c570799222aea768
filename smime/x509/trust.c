/*
 * trust - see trust.h.
 */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "conf/config.h"
#include "smime/x509/trust.h"

enum ks_status
trust_system_enabled(struct keystore *ks, const struct trust_conf *conf,
    bool *on, const char **source)
{
	char	buf[16];
	enum ks_status st;

	st = ks != NULL ? keystore_setting_get(ks, TRUST_SETTING_SYSTEM, buf,
	    sizeof(buf)) : KS_NOTFOUND;
	if (st == KS_OK) {
		*on = strcmp(buf, "on") == 0;
		*source = "key store";
		return KS_OK;
	}
	if (st != KS_NOTFOUND)
		return st;
	*on = conf != NULL ? conf->system_cas : true;
	*source = conf != NULL ? "configuration" : "default";
	return KS_OK;
}

static bool
add_ca(const unsigned char *der, size_t len, void *arg)
{
	X509_STORE *store = arg;
	const unsigned char *p = der;
	X509	*x = d2i_X509(NULL, &p, (long)len);

	if (x != NULL) {
		X509_STORE_add_cert(store, x);
		X509_free(x);
	}
	return true;
}

void
trust_store_seal(X509_STORE *store)
{
	STACK_OF(X509) *certs;
	int	i;

	if (store == NULL || (certs = X509_STORE_get1_all_certs(store)) == NULL)
		return;
	/* Any purpose check fills the cache (ossl_x509v3_cache_extensions). */
	for (i = 0; i < sk_X509_num(certs); i++)
		(void)X509_check_purpose(sk_X509_value(certs, i), -1, 0);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
}

X509_STORE *
trust_store_build(struct keystore *ks, const struct trust_conf *conf,
    struct io_err *e)
{
	X509_STORE *store = X509_STORE_new();
	const char *source, *sysfile;
	enum ks_status st;
	bool	on = true;

	if (store == NULL) {
		io_fail(e, EXIT_SYSTEM_ERR, "out of memory");
		return NULL;
	}
	if ((st = trust_system_enabled(ks, conf, &on, &source)) != KS_OK) {
		io_fail(e, st == KS_TEMPFAIL ? EXIT_SYSTEM_ERR : EXIT_USER_ERR,
		    "%s", keystore_strerror());
		goto fail;
	}
	sysfile = conf != NULL && conf->system_ca_file != NULL ?
	    conf->system_ca_file : TRUST_DEFAULT_SYSTEM_FILE;
	if (on && X509_STORE_load_file(store, sysfile) != 1) {
		io_fail_ssl(e, EXIT_SYSTEM_ERR, "%s: cannot load the system "
		    "CA bundle", sysfile);
		goto fail;
	}
	if (conf != NULL && conf->custom_ca_file != NULL &&
	    X509_STORE_load_file(store, conf->custom_ca_file) != 1) {
		io_fail_ssl(e, EXIT_USER_ERR, "%s: cannot load the custom CA "
		    "file", conf->custom_ca_file);
		goto fail;
	}
	if (ks != NULL && (st = keystore_ca_foreach(ks, add_ca, store)) !=
	    KS_OK) {
		io_fail(e, st == KS_TEMPFAIL ? EXIT_SYSTEM_ERR : EXIT_USER_ERR,
		    "%s", keystore_strerror());
		goto fail;
	}
	trust_store_seal(store);
	ERR_clear_error();
	return store;
fail:
	X509_STORE_free(store);
	return NULL;
}

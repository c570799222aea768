/*
 * keys_ca - `gatewarden-keys ca list|system|import|export`: the trusted
 * certificate authorities (see trust.h for where each list lives). The
 * custom list is the configuration's trust.custom_ca_file when it names
 * one (written atomically by import), else the key store's list.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "conf/config.h"
#include "smime/x509/cert_info.h"
#include "smime/keys/keys.h"
#include "smime/x509/trust.h"

const char keys_usage_ca[] =
"ca list | system on|off | import FILE [--check-fqdn] | export FILE [--system]\n"
"  list            the CA lists in force: the system bundle (on or off,\n"
"                  and whether the key store or the configuration says\n"
"                  so) and the custom list\n"
"  system on|off   trust the operating system's CA bundle, or not\n"
"                  (recorded in the key store; overrides trust.system_cas)\n"
"  import FILE     replaces the custom list with the CA certificates of\n"
"                  FILE (PEM); every one must be a CA certificate. The\n"
"                  list is written to trust.custom_ca_file when the\n"
"                  configuration names one, else kept in the key store\n"
"  --check-fqdn    (import) also refuse a certificate whose common name\n"
"                  and DNS names are not fully qualified domain names\n"
"  export FILE     writes the custom list as PEM ('-': stdout, with\n"
"                  --json as the member \"pem\")\n"
"  --system        (export) the system bundle instead\n"
"  --force         (export) replace an existing FILE\n";

/* The configuration's custom CA file, when it names one: then the custom
 * list lives there; else in the key store. */
static const char *
custom_file(const struct keys *k)
{
	return k->trust != NULL ? k->trust->custom_ca_file : NULL;
}

/* Calls fn on each certificate of the custom list, from the file or the
 * key store. A configured file that does not exist yet is an empty list.
 * 0 or an exit status. */
static int
custom_foreach(struct keys *k, bool (*fn)(const unsigned char *, size_t,
    void *), void *arg)
{
	STACK_OF(X509) *sk;
	struct io_err e;
	enum ks_status st;
	int	i;

	if (custom_file(k) == NULL) {
		if ((st = keystore_ca_foreach(k->ks, fn, arg)) != KS_OK)
			return keys_ks_err(st);
		return 0;
	}
	if (access(custom_file(k), F_OK) != 0)
		return 0;
	if ((sk = certs_read(custom_file(k), &e)) == NULL)
		return keys_io_err(&e);
	for (i = 0; i < sk_X509_num(sk); i++) {
		unsigned char *der = NULL;
		int	n = i2d_X509(sk_X509_value(sk, i), &der);
		bool	more = n > 0 && fn(der, (size_t)n, arg);

		OPENSSL_free(der);
		if (!more)
			break;
	}
	sk_X509_pop_free(sk, X509_free);
	return 0;
}

static const char *
system_file(const struct keys *k)
{
	return k->trust != NULL && k->trust->system_ca_file != NULL ?
	    k->trust->system_ca_file : TRUST_DEFAULT_SYSTEM_FILE;
}

struct ca_list {
	struct keys	*k;
	unsigned	n;
	BIO		*pem;		/* export: PEM out */
};

static bool
list_one(const unsigned char *der, size_t len, void *arg)
{
	struct ca_list *cl = arg;
	struct cert_info ci;
	const char *why;
	char	t[40];

	if (!cert_info_from_der(der, len, &ci, NULL, &why))
		return true;
	if (cl->k->json) {
		printf("%s\n    {\"subject\": ", cl->n ? "," : "");
		json_str(stdout, ci.subject);
		printf(", \"fingerprint\": \"%s\", \"not_after\": \"%s\"}",
		    ci.fingerprint, keys_time(ci.not_after, t, sizeof(t)));
	} else
		printf("  %s  until %.10s  %s\n", ci.subject,
		    keys_time(ci.not_after, t, sizeof(t)), ci.fingerprint);
	cl->n++;
	cert_info_clear(&ci);
	return true;
}

static int
ca_list(struct keys *k)
{
	struct ca_list cl = { k, 0, NULL };
	STACK_OF(X509) *sys = NULL;
	struct io_err e;
	enum ks_status st;
	const char *source, *cfile = custom_file(k);
	bool	on;
	int	nsys = -1, rc;

	if ((st = trust_system_enabled(k->ks, k->trust, &on, &source)) != KS_OK)
		return keys_ks_err(st);
	if (on && (sys = certs_read(system_file(k), &e)) != NULL)
		nsys = sk_X509_num(sys);
	sk_X509_pop_free(sys, X509_free);
	if (k->json) {
		printf("{\"system\": {\"enabled\": %s, \"source\": \"%s\", "
		    "\"file\": ", on ? "true" : "false", source);
		json_str(stdout, system_file(k));
		printf(", \"certificates\": %d}, \"custom_file\": ", nsys);
		json_str(stdout, cfile);
		printf(", \"custom\": [");
	} else {
		printf("system CAs: %s (%s), %s", on ? "on" : "off", source,
		    system_file(k));
		if (on && nsys >= 0)
			printf(", %d certificates", nsys);
		else if (on)
			printf(" (cannot be read)");
		printf("\n");
		printf("custom CAs (%s%s):\n", cfile != NULL ? "file " :
		    "key store", cfile != NULL ? cfile : "");
	}
	if ((rc = custom_foreach(k, list_one, &cl)) != 0)
		return rc;
	if (k->json)
		printf("%s]}\n", cl.n ? "\n  " : "");
	else if (cl.n == 0)
		printf("  none\n");
	return 0;
}

static int
ca_system(struct keys *k, const char *v)
{
	enum ks_status st;

	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
		return keys_bad_usage("ca", keys_usage_ca, "system on or off");
	if ((st = keystore_setting_set(k->ks, TRUST_SETTING_SYSTEM, v)) != KS_OK)
		return keys_ks_err(st);
	if (k->json)
		printf("{\"system\": %s}\n", strcmp(v, "on") == 0 ? "true" :
		    "false");
	else
		printf("system CAs %s\n", v);
	return 0;
}

/* The common name and DNS names of x must all be FQDNs, and one must
 * exist. */
static bool
fqdn_ok(X509 *x, const struct cert_info *ci)
{
	size_t	i;

	if (ci->common_name == NULL && ci->ndomains == 0)
		return false;
	if (ci->common_name != NULL && !cert_valid_fqdn(ci->common_name, true))
		return false;
	for (i = 0; i < ci->ndomains; i++)
		if (!cert_valid_fqdn(ci->domains[i], true))
			return false;
	(void)x;
	return true;
}

static int
ca_import(struct keys *k, const char *path, bool check_fqdn)
{
	STACK_OF(X509) *sk;
	struct io_err e;
	enum ks_status st;
	unsigned char **der;
	size_t	*len, plen = 0;
	int	i, n, rc = 0;

	if ((sk = certs_read(path, &e)) == NULL)
		return keys_io_err(&e);
	n = sk_X509_num(sk);
	der = calloc((size_t)n, sizeof(*der));
	len = calloc((size_t)n, sizeof(*len));
	if (der == NULL || len == NULL) {
		rc = keys_err(EXIT_SYSTEM_ERR, "out of memory");
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		X509	*x = sk_X509_value(sk, i);
		struct cert_info ci;
		const char *why;
		int	dl;

		if (!cert_info_from_x509(x, &ci, &why)) {
			rc = keys_err(EXIT_USER_ERR, "%s: certificate %d: %s",
			    path, i + 1, why);
			break;
		}
		if (X509_check_ca(x) == 0)
			rc = keys_err(EXIT_USER_ERR, "%s: certificate %d (%s) "
			    "is not a CA certificate", path, i + 1, ci.subject);
		else if (check_fqdn && !fqdn_ok(x, &ci))
			rc = keys_err(EXIT_USER_ERR, "%s: certificate %d (%s): "
			    "common name or DNS names are not fully qualified "
			    "domain names", path, i + 1, ci.subject);
		cert_info_clear(&ci);
		if (rc == 0 && (dl = i2d_X509(x, &der[i])) <= 0)
			rc = keys_err(EXIT_SYSTEM_ERR, "cannot encode a "
			    "certificate");
		else if (rc == 0)
			len[i] = (size_t)dl;
	}
	if (rc == 0 && custom_file(k) != NULL) {
		char	*pem = certs_pem(sk, &plen);

		if (pem == NULL)
			rc = keys_err(EXIT_SYSTEM_ERR, "out of memory");
		else if (!pem_write_file(custom_file(k), pem, plen, 0644, true,
		    &e))
			rc = keys_io_err(&e);
		free(pem);
	} else if (rc == 0) {
		st = keystore_ca_replace(k->ks, (const unsigned char *const *)der,
		    len, (size_t)n, k->now);
		if (st != KS_OK)
			rc = keys_ks_err(st);
	}
	if (rc == 0) {
		if (k->json)
			printf("{\"custom\": %d}\n", n);
		else
			printf("custom CA list replaced: %d certificates\n", n);
	}
out:
	for (i = 0; der != NULL && i < n; i++)
		OPENSSL_free(der[i]);
	free(der);
	free(len);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static bool
pem_one(const unsigned char *der, size_t len, void *arg)
{
	struct ca_list *cl = arg;
	const unsigned char *p = der;
	X509	*x = d2i_X509(NULL, &p, (long)len);

	if (x != NULL && PEM_write_bio_X509(cl->pem, x) == 1)
		cl->n++;
	X509_free(x);
	return true;
}

static int
ca_export(struct keys *k, const char *path, bool system, bool force)
{
	struct ca_list cl = { k, 0, BIO_new(BIO_s_mem()) };
	STACK_OF(X509) *sk = NULL;
	struct io_err e;
	char	*data;
	long	len;
	int	i, rc = 0;

	if (cl.pem == NULL)
		return keys_err(EXIT_SYSTEM_ERR, "out of memory");
	if (system) {
		if ((sk = certs_read(system_file(k), &e)) == NULL)
			rc = keys_io_err(&e);
		for (i = 0; sk != NULL && i < sk_X509_num(sk); i++)
			if (PEM_write_bio_X509(cl.pem, sk_X509_value(sk, i)) == 1)
				cl.n++;
		sk_X509_pop_free(sk, X509_free);
	} else
		rc = custom_foreach(k, pem_one, &cl);
	if (rc != 0)
		goto out;
	len = BIO_get_mem_data(cl.pem, &data);
	if (strcmp(path, "-") == 0) {
		if (k->json)
			printf("{\"exported\": %u, \"list\": \"%s\", \"file\": "
			    "\"-\", ", cl.n, system ? "system" : "custom");
		keys_pem_stdout(k, data, (size_t)len);
	} else if (!pem_write_file(path, data, (size_t)len, 0644, force, &e))
		rc = keys_io_err(&e);
	else if (k->json) {
		printf("{\"exported\": %u, \"list\": \"%s\", \"file\": ",
		    cl.n, system ? "system" : "custom");
		json_str(stdout, path);
		printf("}\n");
	} else
		printf("exported %u %s CA certificates to %s\n", cl.n,
		    system ? "system" : "custom", path);
out:
	BIO_free(cl.pem);
	return rc;
}

int
cmd_ca(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check-fqdn", no_argument, NULL, 'q' },
		{ "system", no_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool	check_fqdn = false, system = false, force = false;
	const char *sub;
	int	c, n, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': check_fqdn = true; break;
		case 's': system = true; break;
		case 'f': force = true; break;
		case 'h': return keys_help(argv[0], keys_usage_ca);
		default: return keys_bad_usage(argv[0], keys_usage_ca, NULL);
		}
	}
	n = argc - optind;
	sub = n > 0 ? argv[optind] : "";
	if (!((strcmp(sub, "list") == 0 && n == 1) ||
	    (strcmp(sub, "system") == 0 && n == 2) ||
	    (strcmp(sub, "import") == 0 && n == 2) ||
	    (strcmp(sub, "export") == 0 && n == 2)))
		return keys_bad_usage(argv[0], keys_usage_ca,
		    "list, system on|off, import FILE or export FILE");
	if ((rc = keys_store(k)) != 0)
		return rc;
	if (strcmp(sub, "list") == 0)
		return ca_list(k);
	if (strcmp(sub, "system") == 0)
		return ca_system(k, argv[optind + 1]);
	if (strcmp(sub, "import") == 0)
		return ca_import(k, argv[optind + 1], check_fqdn);
	return ca_export(k, argv[optind + 1], system, force);
}

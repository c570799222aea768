/*
 * orgcert - see orgcert.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pkcs12.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/p12_open.h"

bool
orgcert_name_valid(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

char *
orgcert_path(const char *dir, const char *name, const char *ext)
{
	return x_asprintf("%s/%s.%s", dir, name, ext);
}

bool
orgcert_key_matches(X509 *cert, EVP_PKEY *key)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);

	return pub != NULL && key != NULL && EVP_PKEY_eq(pub, key) == 1;
}

bool
orgcert_load(const char *dir, const char *name, X509 **cert,
    STACK_OF(X509) **chain, EVP_PKEY **key, struct io_err *e)
{
	char	*cp, *kp;
	STACK_OF(X509) *sk;
	unsigned char *buf;
	size_t	len;
	bool	good = false;

	if (!orgcert_name_valid(name)) {
		io_fail(e, EXIT_USER_ERR, "%s: not a certificate name "
		    "(letters, digits, '.', '_', '-')", name);
		return false;
	}
	cp = orgcert_path(dir, name, "crt");
	kp = orgcert_path(dir, name, "key");
	if ((sk = certs_read(cp, e)) == NULL)
		goto out;
	if (key != NULL) {
		if (!file_read(kp, PEM_FILE_MAX, &buf, &len, e)) {
			sk_X509_pop_free(sk, X509_free);
			goto out;
		}
		*key = key_parse(buf, len, NULL, kp, e);
		OPENSSL_cleanse(buf, len);
		free(buf);
		if (*key == NULL) {
			sk_X509_pop_free(sk, X509_free);
			goto out;
		}
	}
	*cert = sk_X509_shift(sk);
	if (chain != NULL)
		*chain = sk;
	else
		sk_X509_pop_free(sk, X509_free);
	good = true;
out:
	free(cp);
	free(kp);
	return good;
}

bool
orgcert_save(const char *dir, const char *name, EVP_PKEY *key, X509 *cert,
    STACK_OF(X509) *chain, bool overwrite, struct io_err *e)
{
	STACK_OF(X509) *all = sk_X509_new_null();
	char	*cp = NULL, *kp = NULL, *pem = NULL;
	size_t	len = 0;
	bool	good = false;
	int	i;

	if (!orgcert_name_valid(name)) {
		io_fail(e, EXIT_USER_ERR, "%s: not a certificate name "
		    "(letters, digits, '.', '_', '-')", name);
		goto out;
	}
	cp = orgcert_path(dir, name, "crt");
	kp = orgcert_path(dir, name, "key");
	if (!overwrite && access(cp, F_OK) == 0) {
		io_fail(e, EXIT_USER_ERR, "%s: exists (use --force to replace "
		    "it)", cp);
		goto out;
	}
	if (key != NULL) {
		if ((pem = key_pem(key, &len)) == NULL) {
			io_fail(e, EXIT_SYSTEM_ERR, "cannot encode the key");
			goto out;
		}
		good = pem_write_file(kp, pem, len, 0600, overwrite, e);
		OPENSSL_cleanse(pem, len);
		free(pem);
		pem = NULL;
		if (!good)
			goto out;
		good = false;
	}
	if (all == NULL || !sk_X509_push(all, cert))
		goto out;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (!sk_X509_push(all, sk_X509_value(chain, i)))
			goto out;
	if ((pem = certs_pem(all, &len)) == NULL) {
		io_fail(e, EXIT_SYSTEM_ERR, "cannot encode the certificate");
		goto out;
	}
	good = pem_write_file(cp, pem, len, 0644, true, e);
out:
	sk_X509_free(all);	/* the certificates stay the caller's */
	free(pem);
	free(cp);
	free(kp);
	return good;
}

bool
orgcert_remove(const char *dir, const char *name, struct io_err *e)
{
	char	*cp = orgcert_path(dir, name, "crt");
	char	*kp = orgcert_path(dir, name, "key");
	bool	good = true;

	if (unlink(cp) != 0) {
		io_fail(e, errno == ENOENT ? EXIT_USER_ERR : EXIT_SYSTEM_ERR,
		    "%s: %s", cp, strerror(errno));
		good = false;
	} else if (unlink(kp) != 0 && errno != ENOENT) {
		io_fail(e, EXIT_SYSTEM_ERR, "%s: %s", kp, strerror(errno));
		good = false;
	}
	free(cp);
	free(kp);
	return good;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
orgcert_names(const char *dir, char ***out, struct io_err *e)
{
	DIR	*d = opendir(dir);
	struct dirent *de;
	char	**v = NULL;
	size_t	n = 0;

	*out = NULL;
	if (d == NULL) {
		if (errno == ENOENT) {
			*out = x_calloc(1, sizeof(char *));
			return true;	/* nothing created yet */
		}
		io_fail(e, errno == ENOTDIR || errno == EACCES ? EXIT_USER_ERR :
		    EXIT_SYSTEM_ERR, "%s: %s", dir, strerror(errno));
		return false;
	}
	while ((de = readdir(d)) != NULL) {
		size_t	len = strlen(de->d_name);
		char	*name;

		if (len <= 4 || strcmp(de->d_name + len - 4, ".crt") != 0)
			continue;
		name = x_strndup(de->d_name, len - 4);
		if (!orgcert_name_valid(name)) {
			free(name);
			continue;
		}
		v = x_reallocarray(v, n + 2, sizeof(char *));
		v[n++] = name;
	}
	closedir(d);
	if (v == NULL)
		v = x_calloc(1, sizeof(char *));
	v[n] = NULL;
	qsort(v, n, sizeof(char *), cmp_names);
	*out = v;
	return true;
}

void
orgcert_names_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
report_fmt(orgcert_report_fn fn, void *arg, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report_fmt(orgcert_report_fn fn, void *arg, bool error, const char *fmt, ...)
{
	char	msg[600];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(arg, error, msg);
}

/* A key (or passphrase) file that others may read or anyone but the
 * owner may write. */
static unsigned
check_mode(const char *path, const char *what, orgcert_report_fn fn,
    void *arg)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && (sb.st_mode & 0027)) {
		report_fmt(fn, arg, true, "%s: %s readable or writable by "
		    "others (mode %04o): chmod 600 %s", path, what,
		    (unsigned)(sb.st_mode & 07777), path);
		return 1;
	}
	return 0;
}

static unsigned
check_expiry(X509 *cert, const char *path, int64_t now, orgcert_report_fn fn,
    void *arg)
{
	int64_t	na;

	if (!cert_time(X509_get0_notAfter(cert), &na)) {
		report_fmt(fn, arg, true, "%s: unreadable expiry date", path);
		return 1;
	}
	if (na < now) {
		report_fmt(fn, arg, true, "%s: the certificate has expired",
		    path);
		return 1;
	}
	if (na - now < (int64_t)ORGCERT_WARN_DAYS * 86400)
		report_fmt(fn, arg, false, "%s: the certificate expires in "
		    "%lld days", path, (long long)((na - now) / 86400));
	return 0;
}

static unsigned
check_revocation(X509 *cert, STACK_OF(X509) *chain, const char *path,
    int64_t now, struct orgcert_rev *r, orgcert_report_fn fn, void *arg)
{
	struct cert_info ci;
	const char *why;

	if (r == NULL || r->rev == NULL)
		return 0;
	r->checked = cert_info_from_x509(cert, &ci, &why);
	if (!r->checked)
		return 0;	/* check_expiry read it: cannot happen */
	snprintf(r->fingerprint, sizeof(r->fingerprint), "%s", ci.fingerprint);
	cert_info_clear(&ci);
	switch (revocation_check_cert(r->rev, cert, r->trust, chain, now,
	    &r->answer)) {
	case REV_REVOKED:
		report_fmt(fn, arg, true, "%s: revoked: %s", path,
		    r->answer.reason);
		return 1;
	case REV_UNKNOWN:
		report_fmt(fn, arg, false, "%s: revocation status unknown: %s",
		    path, r->answer.reason);
		return 0;
	default:
		return 0;
	}
}

unsigned
orgcert_check_pkcs12(const char *p12_path, const char *pass_path,
    int64_t now, struct orgcert_rev *rev, orgcert_report_fn fn, void *arg)
{
	STACK_OF(X509) *ca = NULL;
	struct io_err e;
	unsigned char *buf = NULL, *pbuf = NULL;
	const unsigned char *p;
	EVP_PKEY *key = NULL;
	PKCS12	*p12 = NULL;
	X509	*cert = NULL;
	enum p12_pass pp;
	char	pass[1024] = "";
	size_t	len, plen = 0, n;
	unsigned errors = 0;

	if (pass_path != NULL) {
		errors += check_mode(pass_path, "passphrase", fn, arg);
		if (!file_read(pass_path, 64 * 1024, &pbuf, &plen, &e)) {
			report_fmt(fn, arg, true, "%s", e.msg);
			return errors + 1;
		}
		n = strcspn((char *)pbuf, "\r\n");
		if (n >= sizeof(pass))
			n = sizeof(pass) - 1;
		memcpy(pass, pbuf, n);
		pass[n] = '\0';
		OPENSSL_cleanse(pbuf, plen);
		free(pbuf);
	}
	errors += check_mode(p12_path, "PKCS#12 file", fn, arg);
	if (!file_read(p12_path, PEM_FILE_MAX, &buf, &len, &e)) {
		report_fmt(fn, arg, true, "%s", e.msg);
		errors++;
		goto out;
	}
	p = buf;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		report_fmt(fn, arg, true, "%s: not a PKCS#12 file", p12_path);
		errors++;
	} else if ((pp = p12_check_pass(p12, pass)) != P12_OPENS) {
		report_fmt(fn, arg, true, "%s: %s%s%s", p12_path,
		    p12_pass_problem(pp), pass_path != NULL &&
		    pp == P12_WRONG_PASS ? " in " : "", pass_path != NULL &&
		    pp == P12_WRONG_PASS ? pass_path : "");
		errors++;
	} else if (PKCS12_parse(p12, pass, &key, &cert, &ca) != 1 ||
	    key == NULL || cert == NULL) {
		report_fmt(fn, arg, true, "%s: no private key with its "
		    "certificate in it", p12_path);
		errors++;
	} else if (!orgcert_key_matches(cert, key)) {
		report_fmt(fn, arg, true, "%s: the private key does not match "
		    "the certificate", p12_path);
		errors++;
	} else if (check_expiry(cert, p12_path, now, fn, arg) > 0)
		errors++;
	else
		errors += check_revocation(cert, ca, p12_path, now, rev, fn,
		    arg);
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	free(buf);
	return errors;
}

unsigned
orgcert_check(const char *cert_path, const char *key_path, int64_t now,
    struct orgcert_rev *rev, orgcert_report_fn fn, void *arg)
{
	STACK_OF(X509) *sk;
	struct io_err e;
	EVP_PKEY *key = NULL;
	unsigned char *buf;
	unsigned errors = 0;
	size_t	len;
	X509	*cert = NULL;

	if ((sk = certs_read(cert_path, &e)) == NULL) {
		report_fmt(fn, arg, true, "%s", e.msg);
		errors++;
	} else
		cert = sk_X509_value(sk, 0);
	if (key_path != NULL) {
		errors += check_mode(key_path, "private key", fn, arg);
		if (!file_read(key_path, PEM_FILE_MAX, &buf, &len, &e)) {
			report_fmt(fn, arg, true, "%s", e.msg);
			errors++;
		} else {
			key = key_parse(buf, len, NULL, key_path, &e);
			OPENSSL_cleanse(buf, len);
			free(buf);
			if (key == NULL) {
				report_fmt(fn, arg, true, "%s", e.msg);
				errors++;
			}
		}
	}
	if (cert != NULL && key != NULL && !orgcert_key_matches(cert, key)) {
		report_fmt(fn, arg, true, "%s: the private key does not match "
		    "the certificate %s", key_path, cert_path);
		errors++;
	}
	if (cert != NULL && check_expiry(cert, cert_path, now, fn, arg) > 0)
		errors++;
	else if (cert != NULL) {
		X509	*leaf = sk_X509_shift(sk);	/* the rest: its chain */

		errors += check_revocation(leaf, sk, cert_path, now, rev, fn,
		    arg);
		X509_free(leaf);
	}
	EVP_PKEY_free(key);
	sk_X509_pop_free(sk, X509_free);
	return errors;
}

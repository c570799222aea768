/*
 * keys_util - helpers shared by the gatewarden-keys subcommands; see keys.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/xalloc.h"
#include "conf/config.h"
#include "smime/keys/keys.h"
#include "smime/revoke/revoke_io.h"

int
keys_err(int code, const char *fmt, ...)
{
	va_list	ap;

	fputs("gatewarden-keys: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int
keys_io_err(const struct io_err *e)
{
	return keys_err(e->code != 0 ? e->code : EXIT_SYSTEM_ERR, "%s", e->msg);
}

int
keys_ks_err(enum ks_status st)
{
	return keys_err(st == KS_TEMPFAIL ? EXIT_SYSTEM_ERR : EXIT_USER_ERR,
	    "%s", keystore_strerror());
}

int
keys_bad_usage(const char *name, const char *usage, const char *why)
{
	if (why != NULL)
		keys_err(EXIT_USER_ERR, "%s: %s", name, why);
	fprintf(stderr, "usage: gatewarden-keys %s", usage);
	return EXIT_USER_ERR;
}

int
keys_help(const char *name, const char *usage)
{
	(void)name;
	printf("usage: gatewarden-keys %s", usage);
	return 0;
}

bool
keys_store_path_ok(const struct keys *k, char *why, size_t size)
{
	const char *path = k->keystore_path;
	struct stat sb;
	char	*dir, *slash;
	bool	good = true;

	if (keystore_is_uri(path))
		return true;	/* a database: libpq says what is wrong */
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			snprintf(why, size, "key store %s: is a directory; name "
			    "the key store file (e.g. %s/keystore.db)", path,
			    path);
			return false;
		}
		if (!S_ISREG(sb.st_mode)) {
			snprintf(why, size, "key store %s: not a regular file",
			    path);
			return false;
		}
		return true;
	}
	/* A missing directory is the administrator's to fix, not a
	 * passing system trouble: say which. */
	dir = x_strdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &sb) != 0) {
			snprintf(why, size, "key store %s: the directory %s does "
			    "not exist", path, dir);
			good = false;
		} else if (!S_ISDIR(sb.st_mode)) {
			snprintf(why, size, "key store %s: %s is not a directory",
			    path, dir);
			good = false;
		}
	}
	free(dir);
	return good;
}

int
keys_revocation(struct keys *k)
{
	struct revocation_conf def;
	const struct revocation_conf *rc;
	int	rc_open;

	if (k->rev != NULL)
		return 0;
	if ((rc_open = keys_store(k)) != 0)
		return rc_open;
	revocation_conf_default(&def);
	rc = k->trust != NULL ? &k->trust->revocation : &def;
	revocation_io_init(&k->rev_io, rc->cache == REVCACHE_KEYSTORE ? k->ks :
	    NULL);
	k->rev = revocation_new(rc, &k->rev_io);
	return 0;
}

int
keys_store(struct keys *k)
{
	enum ks_status st;
	char	why[1024];

	if (k->ks != NULL)
		return 0;
	if (!keys_store_path_ok(k, why, sizeof(why)))
		return keys_err(EXIT_USER_ERR, "%s", why);
	st = keystore_open(k->keystore_path, k->max_size, &k->ks);
	if (st != KS_OK)
		return keys_ks_err(st);
	return 0;
}

int
keys_private_dir_ok(const struct keys *k)
{
	struct stat sb;

	if (stat(k->private_dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		return keys_err(EXIT_USER_ERR, "private directory %s: not a "
		    "directory (--private-dir and smime.private_dir name the "
		    "directory of NAME.crt and NAME.key)", k->private_dir);
	return 0;
}

int
keys_private_dir(struct keys *k)
{
	struct stat sb;
	int	rc;

	if ((rc = keys_private_dir_ok(k)) != 0)
		return rc;
	if (stat(k->private_dir, &sb) == 0)
		return 0;
	if (errno != ENOENT || mkdir(k->private_dir, 0700) != 0)
		return keys_err(errno == ENOENT || errno == ENOTDIR ||
		    errno == EACCES ? EXIT_USER_ERR : EXIT_SYSTEM_ERR,
		    "private directory %s: %s", k->private_dir,
		    strerror(errno));
	return 0;
}

static bool
read_tty(const char *prompt, char *buf, size_t size, struct io_err *e)
{
	struct termios old, quiet;
	FILE	*tty = fopen("/dev/tty", "r+");
	bool	good;
	size_t	n;

	if (tty == NULL) {
		io_fail(e, EXIT_USER_ERR, "no terminal to ask for a "
		    "passphrase: give --passphrase-file");
		return false;
	}
	fprintf(tty, "%s: ", prompt);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	good = fgets(buf, (int)size, tty) != NULL;
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (!good) {
		io_fail(e, EXIT_USER_ERR, "no passphrase read");
		return false;
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return true;
}

bool
keys_passphrase(const char *file, const char *prompt, bool confirm,
    char *buf, size_t size, struct io_err *e)
{
	unsigned char *data;
	char	again[KEYS_PASSPHRASE_MAX];
	size_t	len, n;

	if (file != NULL) {
		if (!file_read(file, 64 * 1024, &data, &len, e))
			return false;
		n = strcspn((char *)data, "\r\n");
		if (n >= size) {
			OPENSSL_cleanse(data, len);
			free(data);
			io_fail(e, EXIT_USER_ERR, "%s: passphrase longer than "
			    "%zu characters", file, size - 1);
			return false;
		}
		memcpy(buf, data, n);
		buf[n] = '\0';
		OPENSSL_cleanse(data, len);
		free(data);
		return true;
	}
	if (!read_tty(prompt, buf, size, e))
		return false;
	if (confirm) {
		if (!read_tty("Again", again, sizeof(again), e))
			return false;
		if (strcmp(again, buf) != 0) {
			OPENSSL_cleanse(again, sizeof(again));
			io_fail(e, EXIT_USER_ERR, "the passphrases differ");
			return false;
		}
		OPENSSL_cleanse(again, sizeof(again));
	}
	return true;
}

const char *
keys_time(int64_t t, char *buf, size_t size)
{
	time_t	tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
	return buf;
}

void
json_strn(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] == '\n')
			fputs("\\n", f);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(f, "\\u%04x", p[i]);
		else
			fputc(p[i], f);
	}
	fputc('"', f);
}

void
json_str(FILE *f, const char *s)
{
	if (s == NULL)
		fputs("null", f);
	else
		json_strn(f, s, strlen(s));
}

void
keys_pem_stdout(const struct keys *k, const char *pem, size_t len)
{
	if (k->json) {
		printf("\"pem\": ");
		json_strn(stdout, pem != NULL ? pem : "", pem != NULL ? len : 0);
		printf("}\n");
	} else if (len > 0 && pem != NULL)
		fwrite(pem, 1, len, stdout);
}

void
json_strs(FILE *f, char *const *v, size_t n)
{
	size_t	i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", f);
		json_str(f, v[i]);
	}
	fputc(']', f);
}

/*
 * keys - what the parts of gatewarden-keys share: the run's context, the
 * subcommands, and helpers for errors, passphrases and output.
 *
 * Exit status of every subcommand: 0 success, EXIT_USER_ERR (1) for what
 * the user can fix (bad arguments, a file that is not a certificate, a
 * key that does not match, a wrong passphrase), EXIT_SYSTEM_ERR (2) for
 * the system (I/O, a key store that stays locked, out of memory). The
 * keys_err*() helpers print "gatewarden-keys: message" on stderr and
 * return the status to exit with.
 *
 * Each subcommand parses its own options with getopt_long (argv[0] is the
 * subcommand's name), answers --help on stdout with status 0, and writes
 * JSON on stdout when the global --json was given: one JSON value, PEM
 * text included as a string member "pem" (keys_pem_stdout).
 */
#ifndef GW_KEYS_H
#define GW_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "smime/keystore/keystore.h"
#include "smime/revoke/revoke.h"
#include "smime/x509/pem_io.h"

#define KEYS_DEFAULT_KEYSTORE	LOCALSTATEDIR "/lib/gatewarden/keystore.db"
#define KEYS_DEFAULT_PRIVATE	SYSCONFDIR "/gatewarden/private"
#define KEYS_DEFAULT_MAX_SIZE	(512ULL << 20)
#define KEYS_PASSPHRASE_MAX	1024

struct config;
struct trust_conf;

struct keys {
	const char	*config_path;	/* -c; NULL when not given */
	struct config	*conf;		/* loaded configuration, or NULL */
	const char	*keystore_path;
	const char	*private_dir;
	uint64_t	max_size;
	const struct trust_conf *trust;	/* NULL without a configuration */
	bool		json;
	int64_t		now;
	struct keystore	*ks;		/* opened by keys_store() */
	struct revocation *rev;		/* made by keys_revocation() */
	struct rev_io	rev_io;
};

struct keys_cmd {
	const char	*name;
	int		(*run)(struct keys *, int argc, char **argv);
	const char	*usage;		/* "NAME [options]\n  what it does ..." */
	bool		private_dir;	/* reads or writes the private directory */
};

int	cmd_create_cert(struct keys *, int, char **);
int	cmd_csr(struct keys *, int, char **);
int	cmd_install_signed(struct keys *, int, char **);
int	cmd_import(struct keys *, int, char **);
int	cmd_export(struct keys *, int, char **);
int	cmd_list(struct keys *, int, char **);
int	cmd_show(struct keys *, int, char **);
int	cmd_remove(struct keys *, int, char **);
int	cmd_pubkey(struct keys *, int, char **);
int	cmd_ca(struct keys *, int, char **);
int	cmd_check(struct keys *, int, char **);
int	cmd_verify(struct keys *, int, char **);
int	cmd_ldap_lookup(struct keys *, int, char **);
int	cmd_migrate(struct keys *, int, char **);
int	cmd_copy(struct keys *, int, char **);

extern const char keys_usage_create_cert[], keys_usage_csr[],
	keys_usage_install_signed[], keys_usage_import[], keys_usage_export[],
	keys_usage_list[], keys_usage_show[], keys_usage_remove[],
	keys_usage_pubkey[], keys_usage_ca[], keys_usage_check[],
	keys_usage_verify[], keys_usage_ldap_lookup[], keys_usage_migrate[],
	keys_usage_copy[];

int	keys_err(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	keys_io_err(const struct io_err *);
/* The key store's last error; KS_TEMPFAIL is a system error. */
int	keys_ks_err(enum ks_status);
/* Prints usage for name on stderr and returns EXIT_USER_ERR. */
int	keys_bad_usage(const char *name, const char *usage, const char *why);
/* Prints usage on stdout and returns 0. */
int	keys_help(const char *name, const char *usage);

/* Opens the key store once; 0 or an exit status. A path that is a
 * directory, or whose directory is missing, is a user error. */
int	keys_store(struct keys *);
/* What is wrong with the key store's path, for a user: false with why
 * (naming the path) when it is a directory, not a regular file, or its
 * directory is missing or not a directory. */
bool	keys_store_path_ok(const struct keys *, char *why, size_t size);
/* A private directory that exists but is not a directory is a user
 * error; 0 or EXIT_USER_ERR with the message printed. */
int	keys_private_dir_ok(const struct keys *);
/* Makes the private directory (0700) when it is missing. */
int	keys_private_dir(struct keys *);
/* The revocation context of trust.revocation (defaults without -c),
 * with the key store as its persistent cache unless cache: memory; opens
 * the key store. 0 or an exit status; freed by main. */
int	keys_revocation(struct keys *);

/* Loads the configuration (-c); 0 or an exit status. */
int	keys_config_load(struct keys *);
void	keys_config_free(struct keys *);

/* Reads a passphrase from file (first line) or, when file is NULL, from
 * the terminal without echo (twice when confirm). Never from argv. */
bool	keys_passphrase(const char *file, const char *prompt, bool confirm,
	    char *buf, size_t size, struct io_err *);

/* "2026-11-25T09:00:00Z" */
const char *keys_time(int64_t, char *buf, size_t size);
/* A JSON string literal of s (escaped, quoted); NULL is null. */
void	json_str(FILE *, const char *s);
/* The same for len bytes of s (PEM text from a memory BIO). */
void	json_strn(FILE *, const char *s, size_t len);
/* PEM text to standard output: as it is, or with --json as the member
 * "pem" (a string) closing the object whose other members the caller
 * has printed, e.g. printf("{\"exported\": 3, "). */
void	keys_pem_stdout(const struct keys *, const char *pem, size_t len);
/* A JSON array of strings. */
void	json_strs(FILE *, char *const *v, size_t n);

#endif

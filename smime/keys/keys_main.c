/*
 * gatewarden-keys - certificates, keys and trusted CAs of gatewarden, for
 * an administrator at a shell. Global options, then one subcommand; see
 * gatewarden-keys(8).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "lib/log.h"
#include "lib/units.h"
#include "smime/keys/keys.h"

static const struct keys_cmd cmds[] = {
	{ "create-cert", cmd_create_cert, keys_usage_create_cert, true },
	{ "csr", cmd_csr, keys_usage_csr, true },
	{ "install-signed", cmd_install_signed, keys_usage_install_signed, true },
	{ "import", cmd_import, keys_usage_import, true },
	{ "export", cmd_export, keys_usage_export, true },
	{ "list", cmd_list, keys_usage_list, true },
	{ "show", cmd_show, keys_usage_show, true },
	{ "remove", cmd_remove, keys_usage_remove, true },
	{ "pubkey", cmd_pubkey, keys_usage_pubkey, false },
	{ "ca", cmd_ca, keys_usage_ca, false },
	{ "check", cmd_check, keys_usage_check, true },
	{ "verify", cmd_verify, keys_usage_verify, true },
	{ "ldap-lookup", cmd_ldap_lookup, keys_usage_ldap_lookup, false },
	{ "migrate", cmd_migrate, keys_usage_migrate, false },
	{ "copy", cmd_copy, keys_usage_copy, false },
};

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: gatewarden-keys [-c FILE] [--keystore PATH] "
	    "[--private-dir DIR]\n"
	    "                       [--max-size SIZE] [--json] COMMAND "
	    "[options] [args]\n\n"
	    "  -c FILE            configuration (default %s)\n"
	    "  --keystore PATH    key store file or postgresql:// URI "
	    "(overrides\n                     smime.keystore)\n"
	    "  --private-dir DIR  organisation keys (overrides "
	    "smime.private_dir)\n"
	    "  --max-size SIZE    key store size cap (overrides "
	    "smime.keystore_max_size)\n"
	    "  --json             output for scripts\n\ncommands:\n",
	    "/etc/gatewarden/gatewarden.yaml");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].name);
	fprintf(f, "\n'gatewarden-keys COMMAND --help' describes a command.\n"
	    "Exit status: 0 success, 1 user error, 2 system error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "keystore", required_argument, NULL, 'k' },
		{ "private-dir", required_argument, NULL, 'p' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keys k;
	const char *keystore = NULL, *private_dir = NULL, *max = NULL, *why;
	size_t	i;
	int	c, rc;

	memset(&k, 0, sizeof(k));
	log_open("gatewarden-keys", 0, 1, 0);
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			k.config_path = optarg;
			break;
		case 'k':
			keystore = optarg;
			break;
		case 'p':
			private_dir = optarg;
			break;
		case 'm':
			max = optarg;
			break;
		case 'j':
			k.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USER_ERR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USER_ERR;
	}
	k.keystore_path = KEYS_DEFAULT_KEYSTORE;
	k.private_dir = KEYS_DEFAULT_PRIVATE;
	k.max_size = KEYS_DEFAULT_MAX_SIZE;
	k.now = (int64_t)time(NULL);
	if (k.config_path != NULL && (rc = keys_config_load(&k)) != 0)
		return rc;
	if (keystore != NULL)
		k.keystore_path = keystore;
	if (private_dir != NULL)
		k.private_dir = private_dir;
	if (max != NULL && !units_parse_size(max, &k.max_size, &why)) {
		keys_config_free(&k);
		return keys_err(EXIT_USER_ERR, "--max-size %s: %s", max, why);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		keys_config_free(&k);
		keys_err(EXIT_USER_ERR, "%s: no such command", argv[optind]);
		usage(stderr);
		return EXIT_USER_ERR;
	}
	if (cmds[i].private_dir && (rc = keys_private_dir_ok(&k)) != 0) {
		keys_config_free(&k);
		return rc;
	}
	argc -= optind;
	argv += optind;
	optind = 0;	/* GNU getopt: start afresh for the subcommand */
	rc = cmds[i].run(&k, argc, argv);
	if (fflush(stdout) != 0 && rc == 0)
		rc = keys_err(EXIT_SYSTEM_ERR, "writing the output failed");
	revocation_free(k.rev);
	keystore_close(k.ks);
	keys_config_free(&k);
	return rc;
}

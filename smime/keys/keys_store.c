/*
 * keys_store - the key store as a whole: `migrate` creates or upgrades
 * its schema (the only way a PostgreSQL store gets one: the daemon never
 * does), `copy` moves every public key, the custom CA list and the
 * settings from one store to another (an SQLite file into a PostgreSQL
 * database shared by several gateways). Organisation private keys are
 * files in the private directory and are never copied into a store.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "smime/keys/keys.h"

const char keys_usage_migrate[] =
"migrate\n"
"  Creates the key store's schema, or upgrades it to this version's, and\n"
"  says which versions it went from and to. Safe when several gateways\n"
"  run it at once (they wait for each other). A PostgreSQL store must be\n"
"  migrated before gatewarden starts; an SQLite file is made when it is\n"
"  first opened.\n";

const char keys_usage_copy[] =
"copy --from STORE --to STORE\n"
"  Copies every public key (with its origin, promotion and dates), the\n"
"  custom CA list and the settings from one store (a file or a\n"
"  postgresql:// URI) into another, which must have its schema\n"
"  (gatewarden-keys --keystore TO migrate). Keys already there stay as\n"
"  they are. Organisation keys stay in their files.\n";

int
cmd_migrate(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum ks_status st;
	char	shown[1100];
	int	c, from, to;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return keys_help(argv[0], keys_usage_migrate);
		return keys_bad_usage(argv[0], keys_usage_migrate, NULL);
	}
	if (argc != optind)
		return keys_bad_usage(argv[0], keys_usage_migrate,
		    "no arguments expected");
	if ((st = keystore_migrate(k->keystore_path, &from, &to)) != KS_OK)
		return keys_ks_err(st);
	keystore_display(k->keystore_path, shown, sizeof(shown));
	if (k->json) {
		printf("{\"keystore\": ");
		json_str(stdout, shown);
		printf(", \"from\": %d, \"to\": %d}\n", from, to);
	}
	else if (from == to)
		printf("%s: schema version %d, nothing to do\n", shown, to);
	else
		printf("%s: schema version %d to %d\n", shown, from, to);
	return 0;
}

int
cmd_copy(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keystore *from = NULL, *to = NULL;
	const char *fpath = NULL, *tpath = NULL;
	enum ks_status st;
	uint64_t copied = 0, skipped = 0;
	int	c, rc = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fpath = optarg;
			break;
		case 't':
			tpath = optarg;
			break;
		case 'h':
			return keys_help(argv[0], keys_usage_copy);
		default:
			return keys_bad_usage(argv[0], keys_usage_copy, NULL);
		}
	}
	if (argc != optind || fpath == NULL || tpath == NULL)
		return keys_bad_usage(argv[0], keys_usage_copy,
		    "--from and --to expected");
	if (strcmp(fpath, tpath) == 0)
		return keys_err(EXIT_USER_ERR, "copy: --from and --to are the "
		    "same store");
	if ((st = keystore_open(fpath, 0, &from)) != KS_OK ||
	    (st = keystore_open(tpath, k->max_size, &to)) != KS_OK) {
		rc = keys_ks_err(st);
		goto out;
	}
	st = keystore_copy(from, to, k->now, &copied, &skipped);
	if (st != KS_OK) {
		rc = keys_ks_err(st);
		fprintf(stderr, "gatewarden-keys: copy stopped after %llu "
		    "keys; running it again goes on where it stopped\n",
		    (unsigned long long)copied);
		goto out;
	}
	if (k->json)
		printf("{\"copied\": %llu, \"skipped\": %llu}\n",
		    (unsigned long long)copied, (unsigned long long)skipped);
	else
		printf("copied %llu keys, %llu already there\n",
		    (unsigned long long)copied, (unsigned long long)skipped);
out:
	keystore_close(from);
	keystore_close(to);
	return rc;
}

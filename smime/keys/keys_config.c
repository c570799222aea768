/*
 * keys_config - gatewarden-keys and the configuration file (-c).
 *
 * The paths of the key store and the private directory, the size cap,
 * the trust: section and the smime.certificates list come from the
 * configuration; the command-line options override the first three
 * (main applies those after this). A configuration with errors stops
 * the run with every error printed as FILE:LINE:COLUMN.
 */
#include "config.h"

#include <stdio.h>

#include "conf/config.h"
#include "smime/keys/keys.h"

int
keys_config_load(struct keys *k)
{
	struct diags d = { NULL, 0, 0, 0, 0 };
	struct config *c;

	c = config_load(k->config_path, &d);
	diags_print(&d, stderr);	/* warnings as well */
	diags_free(&d);
	if (c == NULL)
		return keys_err(EXIT_USER_ERR, "%s: configuration not loaded",
		    k->config_path);
	k->conf = c;
	k->keystore_path = c->smime.keystore;
	k->private_dir = c->smime.private_dir;
	k->max_size = c->smime.keystore_max_size;
	k->trust = &c->trust;
	return 0;
}

void
keys_config_free(struct keys *k)
{
	config_unref(k->conf);
	k->conf = NULL;
	k->trust = NULL;
}

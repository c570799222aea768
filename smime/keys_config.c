/*
 * keys_config - gatewarden-keys and the configuration file (-c).
 *
 * The paths of the key store and the private directory, the size cap
 * and the trust: defaults come from the configuration; the command-line
 * options override them (main applies those after this).
 */
#include "config.h"

#include "conf/config.h"
#include "smime/keys.h"

int
keys_config_load(struct keys *k)
{
	/* conf/config.c (config_load) is not part of this build yet: say
	 * so rather than run with defaults the administrator did not ask
	 * for. */
	return keys_err(EXIT_USER_ERR, "-c %s: this build cannot read the "
	    "configuration yet; give --keystore and --private-dir",
	    k->config_path);
}

void
keys_config_free(struct keys *k)
{
	(void)k;
}

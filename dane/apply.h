/*
 * apply - "gatewarden-maps --apply": puts the lines of main.cf.snippet and
 * master.cf.snippet (written in DIR) into the live Postfix configuration
 * with postconf -e / -M / -P (so postconf's own parsing checks them), then
 * asks Postfix to reload. Without --apply nothing outside DIR is touched.
 *
 * apply_postfix(conf_dir, dir, &err): conf_dir is the Postfix
 * configuration directory (NULL = Postfix's default). Returns 0, or -1
 * with a message in *err (the caller frees it). A reload that fails
 * because Postfix is not running is logged, not an error.
 */
#ifndef GW_DANE_APPLY_H
#define GW_DANE_APPLY_H

int	apply_postfix(const char *conf_dir, const char *dir, char **err);

#endif

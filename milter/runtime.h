/*
 * runtime - the daemon's shared state: the configuration in force, the
 * reload that replaces it, and the count of sessions still open.
 *
 * runtime_config() returns a new reference to the snapshot in force (the
 * caller unrefs it). runtime_reload() loads the file again; only a file
 * that loads without error replaces the snapshot, and sessions keep the one
 * they pinned. Errors of a refused reload are logged, one line each, as
 * "FILE:LINE:COL: message"; a configuration whose certificates fail
 * certs_check() is refused too, as is one that is the first to need the
 * key store (sending rules) or the DNS resolver (mandatory DANE) when it
 * cannot be opened: a configuration goes into force only with what it
 * needs open (one already open stays; a changed keystore or dns: section
 * takes effect at restart). All functions are thread-safe.
 */
#ifndef GW_RUNTIME_H
#define GW_RUNTIME_H

#include <stdbool.h>

#include "conf/config.h"

/* Takes over the caller's reference to cfg. */
void	runtime_init(struct config *cfg, const char *path);
struct config *runtime_config(void);
/* true when the new configuration is in force. */
bool	runtime_reload(void);
void	runtime_shutdown(void);		/* drops the snapshot in force */

void	runtime_session_opened(void);
void	runtime_session_closed(void);
/* Waits until no session is open or timeout_s seconds have passed; returns
 * the number still open. */
unsigned runtime_wait_idle(unsigned timeout_s);

/* From now on new sessions are refused (the daemon is stopping). */
void	runtime_set_draining(void);
bool	runtime_draining(void);

/* Logs every diagnostic of a load, one line each. */
void	runtime_log_diags(const struct diags *);

#endif

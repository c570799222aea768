/*
 * privdrop - the privilege drop every gatewarden daemon does, in a fixed,
 * checked order (Postfix chroot_uid.c habit): resolve the user and group
 * while still root (priv_resolve), open what needs root, then drop
 * supplementary groups, gid, uid, and check that root cannot be regained
 * (priv_drop).
 *
 * Nothing is dropped when the process is not root or no user is given
 * (id->drop false); a root process without a user gets a warning, since
 * it keeps parsing outside data as root. what names the configuration
 * section in messages ("milter" gives "milter.user"). Both return false
 * after logging why; nothing is allocated.
 */
#ifndef GW_PRIVDROP_H
#define GW_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

struct run_identity {
	bool	drop;		/* started as root with a user configured */
	uid_t	uid;
	gid_t	gid;
	char	user[64];
};

/* group NULL: the user's primary group. */
bool	priv_resolve(const char *what, const char *user, const char *group,
	    struct run_identity *);
bool	priv_drop(const struct run_identity *);

#endif

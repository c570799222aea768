/*
 * privdrop - see privdrop.h.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/privdrop.h"

bool
priv_resolve(const char *what, const char *user, const char *group,
    struct run_identity *id)
{
	struct passwd *pw;
	struct group *gr;

	memset(id, 0, sizeof(*id));
	id->uid = getuid();
	id->gid = getgid();
	if (geteuid() == 0 && user == NULL)
		log_warn("%s.user is not set: gatewarden keeps running as "
		    "root while it parses mail from outside; set a user", what);
	if (geteuid() != 0 || user == NULL)
		return true;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_error("%s.user \"%s\": no such user%s%s", what, user,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return false;
	}
	id->drop = true;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	snprintf(id->user, sizeof(id->user), "%s", pw->pw_name);
	if (group != NULL) {
		if ((gr = getgrnam(group)) == NULL) {
			log_error("%s.group \"%s\": no such group", what, group);
			return false;
		}
		id->gid = gr->gr_gid;
	}
	return true;
}

bool
priv_drop(const struct run_identity *id)
{
	if (!id->drop)
		return true;
	if (initgroups(id->user, id->gid) == -1) {
		log_error_errno("initgroups %s", id->user);
		return false;
	}
	if (setgid(id->gid) == -1) {
		log_error_errno("setgid %ld", (long)id->gid);
		return false;
	}
	if (setuid(id->uid) == -1) {
		log_error_errno("setuid %ld", (long)id->uid);
		return false;
	}
	if (id->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		log_error("privilege drop to %s failed: root regained",
		    id->user);
		return false;
	}
	log_info("privileges: action=dropped user=%s uid=%ld gid=%ld",
	    id->user, (long)id->uid, (long)id->gid);
	return true;
}

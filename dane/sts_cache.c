/*
 * sts_cache - see sts_cache.h.
 */
#include "config.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dane/sts_cache.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define BUSY_MS	5000

struct sts_cache {
	sqlite3		*db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS sts_policies ("
	" domain TEXT PRIMARY KEY NOT NULL,"
	" id TEXT NOT NULL,"
	" policy TEXT NOT NULL,"
	" fetched INTEGER NOT NULL,"
	" expires INTEGER NOT NULL)";

struct sts_cache *
sts_cache_open(const char *path, uid_t owner, gid_t group, char **err)
{
	struct sts_cache *c = x_calloc(1, sizeof(*c));
	char	*msg = NULL;
	int	rc;

	*err = NULL;
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*err = x_asprintf("MTA-STS cache %s: %s", path,
		    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sts_cache_close(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, BUSY_MS);
	if (strcmp(path, ":memory:") != 0 && geteuid() == 0 &&
	    owner != (uid_t)-1 && chown(path, owner, group) == -1) {
		*err = x_asprintf("MTA-STS cache %s: chown: %s", path,
		    strerror(errno));
		sts_cache_close(c);
		return NULL;
	}
	/* WAL lets the map writer read while the server writes; a file
	 * system that cannot do it keeps the default journal. */
	(void)sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL);
	if (sqlite3_exec(c->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		*err = x_asprintf("MTA-STS cache %s: %s", path,
		    msg ? msg : "cannot create the table");
		sqlite3_free(msg);
		sts_cache_close(c);
		return NULL;
	}
	return c;
}

void
sts_cache_close(struct sts_cache *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
}

static void
db_warn(struct sts_cache *c, const char *what)
{
	log_warn("MTA-STS cache: %s: %s", what, sqlite3_errmsg(c->db));
}

bool
sts_cache_get(struct sts_cache *c, const char *domain, struct sts_cached *out)
{
	sqlite3_stmt *st = NULL;
	bool	found = false;
	int	rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(c->db, "SELECT id, policy, fetched, expires "
	    "FROM sts_policies WHERE domain = ?1", -1, &st, NULL) != SQLITE_OK) {
		db_warn(c, "read");
		return false;
	}
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		const unsigned char *text = sqlite3_column_text(st, 1);

		if (id && text && strlen((const char *)id) <= STS_MAX_ID) {
			strcpy(out->id, (const char *)id);
			out->text = x_strdup((const char *)text);
			out->fetched = (time_t)sqlite3_column_int64(st, 2);
			out->expires = (time_t)sqlite3_column_int64(st, 3);
			found = true;
		}
	} else if (rc != SQLITE_DONE) {
		db_warn(c, "read");
	}
	sqlite3_finalize(st);
	return found;
}

void
sts_cache_put(struct sts_cache *c, const char *domain, const char *id,
    const char *text, time_t fetched, time_t expires)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO sts_policies "
	    "(domain, id, policy, fetched, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
	    -1, &st, NULL) != SQLITE_OK) {
		db_warn(c, "write");
		return;
	}
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)fetched);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)expires);
	if (sqlite3_step(st) != SQLITE_DONE)
		db_warn(c, "write");
	sqlite3_finalize(st);
}

void
sts_cache_delete(struct sts_cache *c, const char *domain)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(c->db, "DELETE FROM sts_policies WHERE "
	    "domain = ?1", -1, &st, NULL) != SQLITE_OK) {
		db_warn(c, "delete");
		return;
	}
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		db_warn(c, "delete");
	sqlite3_finalize(st);
}

void
sts_cached_clear(struct sts_cached *c)
{
	if (c == NULL)
		return;
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/*
 * ks_pg_schema - the PostgreSQL key store's schema as numbered
 * migrations; not for other modules. ks_pg_schema_apply() runs, in the
 * caller's transaction, every migration after version `from` and records
 * the new version in KS_PG_VERSION_TABLE. The caller holds the advisory
 * lock KS_PG_MIGRATE_LOCK (ks_pg_migrate()).
 */
#ifndef GW_KS_PG_SCHEMA_H
#define GW_KS_PG_SCHEMA_H

#include "smime/keystore/ks_pg.h"

#define KS_PG_VERSION_TABLE	"gatewarden_schema"
/* "gwks" in ASCII: the advisory lock that orders migrations. */
#define KS_PG_MIGRATE_LOCK	0x67776b73LL

int	ks_pg_schema_apply(struct keystore *, int from);

#endif

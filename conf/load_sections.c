/*
 * load_sections - the small sections: milter, log, alerts, dns (trust is
 * in load_trust.c).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* ---- milter: ---- */

static void
milter_socket(struct ld *l, const struct ynode *v, void *obj)
{
	struct milter_conf *m = obj;
	const char *s = ld_scalar(l, v, "socket"), *why;

	if (s == NULL)
		return;
	if (!check_socket(s, &why)) {
		ld_error(l, v, "bad socket \"%s\": %s", s, why);
		return;
	}
	free(m->socket);
	m->socket = x_strdup(s);
}

static void
milter_socket_mode(struct ld *l, const struct ynode *v, void *obj)
{
	struct milter_conf *m = obj;

	ld_octal_mode(l, v, "socket_mode", &m->socket_mode);
}

/* RFC 8601 authserv-id: a token, so no spaces, ';' or quotes; a host
 * name, so at most 253 characters (hygiene.h relies on it) and not
 * starting with a dot (".", which hygiene would read as the empty name,
 * is none). Empty values and control characters never get here
 * (ld_scalar, ytree). */
static bool
authserv_id_ok(const char *s)
{
	return strlen(s) <= AUTHSERV_ID_MAX && s[0] != '.' &&
	    strpbrk(s, " \t;\"()<>@,:\\[]/?=") == NULL;
}

static void
milter_authserv_id(struct ld *l, const struct ynode *v, void *obj)
{
	struct milter_conf *m = obj;
	const char *s = ld_scalar(l, v, "authserv_id");

	if (s == NULL)
		return;
	if (!authserv_id_ok(s)) {
		ld_error(l, v, "bad authserv_id \"%.64s%s\": write a host "
		    "name, e.g. mx.example.com", s, strlen(s) > 64 ? "..." : "");
		return;
	}
	free(m->authserv_id);
	m->authserv_id = x_strdup(s);
}

void
load_milter(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("socket", milter_socket),
		FLD_FN("socket_mode", milter_socket_mode),
		FLD("user", F_STR, struct milter_conf, user),
		FLD("group", F_STR, struct milter_conf, group),
		FLD("pid_file", F_PATH, struct milter_conf, pid_file),
		FLD("spool_dir", F_PATH, struct milter_conf, spool_dir),
		FLD_NUM("memory_limit_per_message", F_SIZE, struct milter_conf,
		    memory_limit_per_message, 65536, 0),
		FLD_NUM("memory_limit_total", F_SIZE, struct milter_conf,
		    memory_limit_total, 1 << 20, 0),
		FLD_WORD("on_internal_error", struct milter_conf,
		    on_internal_error, words_internal_error),
		FLD_NUM("timeout", F_DUR, struct milter_conf, timeout, 1, 0),
		FLD_FN("authserv_id", milter_authserv_id),
		FLD("tls_header", F_BOOL, struct milter_conf, tls_header),
		FLD_NUM("max_header_fields", F_UINT, struct milter_conf,
		    max_header_fields, 50, 100000),
	};

	ld_walk(l, map, "milter", f, NFIELDS(f), &l->c->milter, NULL);
}

/* ---- log: ---- */

static void
log_facility(struct ld *l, const struct ynode *v, void *obj)
{
	struct log_conf *lc = obj;
	const char *s = ld_scalar(l, v, "facility");
	int	fac;

	if (s == NULL)
		return;
	fac = log_facility_from_name(s);
	if (fac < 0) {
		ld_error(l, v, "unknown value \"%s\" for facility (use mail, "
		    "daemon, user or local0 to local7)", s);
		return;
	}
	lc->facility = fac;
}

void
load_log(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("facility", log_facility),
		FLD_WORD("level", struct log_conf, level, words_log_level),
	};

	ld_walk(l, map, "log", f, NFIELDS(f), &l->c->log, NULL);
}

/* ---- alerts: ---- */

static void
alerts_recipients(struct ld *l, const struct ynode *v, void *obj)
{
	struct alerts_conf *a = obj;

	ld_strlist(l, v, "recipients", "address", check_address,
	    &a->recipients, &a->nrecipients);
}

static void
alerts_from(struct ld *l, const struct ynode *v, void *obj)
{
	struct alerts_conf *a = obj;
	const char *s = ld_scalar(l, v, "from"), *why;

	if (s == NULL)
		return;
	if (!check_address(s, &why)) {
		ld_error(l, v, "bad address \"%s\" in from: %s", s, why);
		return;
	}
	free(a->from);
	a->from = x_strdup(s);
}

void
load_alerts(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("recipients", alerts_recipients),
		FLD_FN("from", alerts_from),
		FLD("sendmail_command", F_PATH, struct alerts_conf,
		    sendmail_command),
		FLD("rate_limit", F_DUR, struct alerts_conf, rate_limit),
		FLD_NUM("sendmail_timeout", F_DUR, struct alerts_conf,
		    sendmail_timeout, 1, 86400),
	};

	ld_walk(l, map, "alerts", f, NFIELDS(f), &l->c->alerts, NULL);
}

/* ---- dns: ---- */

static void
dns_forwarders(struct ld *l, const struct ynode *v, void *obj)
{
	struct dns_conf *dc = obj;

	ld_strlist(l, v, "forwarders", "forwarder", check_ip_port,
	    &dc->forwarders, &dc->nforwarders);
}

static void
stub_name(struct ld *l, const struct ynode *v, void *obj)
{
	struct stub_zone *z = obj;
	const char *s = ld_scalar(l, v, "name");
	struct name_pattern np;

	if (s == NULL)
		return;
	if (s[0] == '.') {
		ld_error(l, v, "bad zone name \"%s\": no leading dot", s);
		return;
	}
	if (!ld_name(l, v, "name", s, &np))
		return;
	/* Stored fully qualified, the way unbound writes zone names. */
	free(z->name);
	z->name = x_asprintf("%s.", np.name);
	free(np.name);
}

static void
stub_addresses(struct ld *l, const struct ynode *v, void *obj)
{
	struct stub_zone *z = obj;

	ld_strlist(l, v, "addresses", "address", check_ip_port, &z->addresses,
	    &z->naddresses);
}

static void
dns_stub_zones(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("name", stub_name),
		FLD_FN("addresses", stub_addresses),
	};
	struct dns_conf *dc = obj;
	const struct ynode *vals[NFIELDS(f)];
	size_t	i;

	if (v->type == YN_SCALAR && v->null)
		return;
	if (v->type != YN_SEQ) {
		if (v->type != YN_BAD)
			ld_error(l, v, "stub_zones must be a sequence, not a "
			    "%s", ytree_type_name(v));
		return;
	}
	dc->stub_zones = x_calloc(v->nkids ? v->nkids : 1,
	    sizeof(*dc->stub_zones));
	for (i = 0; i < v->nkids; i++) {
		struct stub_zone *z = &dc->stub_zones[dc->nstub_zones++];
		const struct ynode *item = v->kids[i];

		z->line = item->line;
		z->col = item->col;
		if (!ld_walk_item(l, item, "stub zone", f, NFIELDS(f), z, vals))
			continue;
		if (vals[0] == NULL)
			ld_error(l, item, "stub zone has no name");
		if (vals[1] == NULL)
			ld_error(l, item, "stub zone has no addresses");
	}
}

void
load_dns(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_WORD("mode", struct dns_conf, mode, words_dns_mode),
		FLD_FN("forwarders", dns_forwarders),
		FLD("resolv_conf", F_PATH, struct dns_conf, resolv_conf),
		FLD("trust_anchor_file", F_PATH, struct dns_conf,
		    trust_anchor_file),
		FLD("unbound_config", F_PATH, struct dns_conf, unbound_config),
		FLD_FN("stub_zones", dns_stub_zones),
		FLD_NUM("timeout", F_DUR, struct dns_conf, timeout, 1, 0),
		FLD("cache_max_ttl", F_DUR, struct dns_conf, cache_max_ttl),
	};

	ld_walk(l, map, "dns", f, NFIELDS(f), &l->c->dns, NULL);
}

/*
 * load_maps - the sections of gatewarden-maps' live outbound policy:
 * socketmap (the socketmap server Postfix and Sendmail ask), mta_sts (the
 * policy cache and fetch) and tlsrpt (the reports), with their defaults
 * and frees.
 */
#include <config.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

/* Postfix's socketmap client gives up on a server after 100 seconds
 * (dict_sockmap.c): a query must be answered well before. */
#define POSTFIX_SOCKETMAP_TIMEOUT 100
/* RFC 8461 3.2: the longest max_age a policy may have (a year). */
#define STS_MAX_AGE 31557600

/* ---- socketmap: ---- */

/* "unix:/path" or "inet:HOST:PORT", as Postfix writes the endpoint of a
 * socketmap: table. */
static void
socketmap_socket(struct ld *l, const struct ynode *v, void *obj)
{
	struct socketmap_conf *s = obj;
	const char *spec = ld_scalar(l, v, "socket"), *why = NULL;

	if (spec == NULL)
		return;
	if (strncmp(spec, "unix:", 5) == 0)
		(void)check_abs_path(spec + 5, &why);
	else if (strncmp(spec, "inet:", 5) == 0 &&
	    !check_addr_port(spec + 5, &why))
		/* The server binds without a look-up. */
		why = "write inet:IPv4:PORT or inet:[IPv6]:PORT, a numeric "
		    "address and a port from 1 to 65535";
	else
		why = "write unix:/path or inet:HOST:PORT";
	if (why) {
		ld_error(l, v, "bad socket \"%s\": %s", spec, why);
		return;
	}
	free(s->socket);
	s->socket = x_strdup(spec);
}

static void
socketmap_mode(struct ld *l, const struct ynode *v, void *obj)
{
	struct socketmap_conf *s = obj;

	ld_octal_mode(l, v, "socket_mode", &s->socket_mode);
}

static void
socketmap_query_timeout(struct ld *l, const struct ynode *v, void *obj)
{
	struct socketmap_conf *s = obj;
	uint64_t t;

	if (!ld_duration(l, v, "query_timeout", 1, &t))
		return;
	if (t >= POSTFIX_SOCKETMAP_TIMEOUT) {
		ld_error(l, v, "query_timeout %llus is not below Postfix's "
		    "socketmap time-out of %u seconds: write at most 90s",
		    (unsigned long long)t, POSTFIX_SOCKETMAP_TIMEOUT);
		return;
	}
	s->query_timeout = t;
}

void
load_socketmap(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("socket", socketmap_socket),
		FLD_FN("socket_mode", socketmap_mode),
		FLD("user", F_STR, struct socketmap_conf, user),
		FLD("group", F_STR, struct socketmap_conf, group),
		FLD("pid_file", F_PATH, struct socketmap_conf, pid_file),
		FLD_FN("query_timeout", socketmap_query_timeout),
		FLD_NUM("max_lookups", F_UINT, struct socketmap_conf,
		    max_lookups, 1, 256),
		FLD_NUM("max_clients", F_UINT, struct socketmap_conf,
		    max_clients, 1, 10000),
		FLD_NUM("cache_size", F_UINT, struct socketmap_conf,
		    cache_size, 16, 1000000),
		FLD_NUM("refresh_recent", F_DUR, struct socketmap_conf,
		    refresh_recent, 0, 0),
	};

	ld_walk(l, map, "socketmap", f, NFIELDS(f), &l->c->socketmap, NULL);
}

/* ---- mta_sts: ---- */

static void
sts_max_age_cap(struct ld *l, const struct ynode *v, void *obj)
{
	struct mta_sts_conf *m = obj;
	uint64_t t;

	if (!ld_duration(l, v, "max_age_cap", 1, &t))
		return;
	if (t > STS_MAX_AGE) {
		ld_error(l, v, "max_age_cap is above RFC 8461's limit of "
		    "%u seconds (a year)", STS_MAX_AGE);
		return;
	}
	m->max_age_cap = t;
}

static void
sts_lab_ca_file(struct ld *l, const struct ynode *v, void *obj)
{
	struct mta_sts_conf *m = obj;

	if (!ld_path(l, v, "lab_ca_file", &m->lab_ca_file))
		return;
	ld_warn(l, v, "lab_ca_file replaces the WebPKI trust store for "
	    "MTA-STS policies: for test labs only, never in production");
}

void
load_mta_sts(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD("cache_file", F_PATH, struct mta_sts_conf, cache_file),
		FLD_NUM("timeout", F_DUR, struct mta_sts_conf, timeout, 1, 0),
		FLD_FN("max_age_cap", sts_max_age_cap),
		FLD_FN("lab_ca_file", sts_lab_ca_file),
	};

	ld_walk(l, map, "mta_sts", f, NFIELDS(f), &l->c->mta_sts, NULL);
}

/* ---- tlsrpt: ---- */

static void
set_checked(struct ld *l, const struct ynode *v, const char *key,
    check_fn *check, const char *what, char **out)
{
	const char *s = ld_scalar(l, v, key), *why;

	if (s == NULL)
		return;
	if (!check(s, &why)) {
		ld_error(l, v, "bad %s \"%s\" in %s: %s", what, s, key, why);
		return;
	}
	free(*out);
	*out = x_strdup(s);
}

static void
tlsrpt_contact(struct ld *l, const struct ynode *v, void *obj)
{
	set_checked(l, v, "contact", check_address, "address",
	    &((struct tlsrpt_conf *)obj)->contact);
}

static void
tlsrpt_from(struct ld *l, const struct ynode *v, void *obj)
{
	set_checked(l, v, "from", check_address, "address",
	    &((struct tlsrpt_conf *)obj)->from);
}

static void
tlsrpt_submitter(struct ld *l, const struct ynode *v, void *obj)
{
	set_checked(l, v, "submitter", check_domain, "domain",
	    &((struct tlsrpt_conf *)obj)->submitter);
}

static bool
check_ip(const char *s, const char **why)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return true;
	*why = "not an IPv4 or IPv6 address";
	return false;
}

static void
tlsrpt_ip(struct ld *l, const struct ynode *v, void *obj)
{
	set_checked(l, v, "sending_mta_ip", check_ip, "address",
	    &((struct tlsrpt_conf *)obj)->sending_mta_ip);
}

void
load_tlsrpt(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD("organization", F_STR, struct tlsrpt_conf, organization),
		FLD_FN("contact", tlsrpt_contact),
		FLD_FN("submitter", tlsrpt_submitter),
		FLD_FN("from", tlsrpt_from),
		FLD_FN("sending_mta_ip", tlsrpt_ip),
		FLD("sendmail_command", F_PATH, struct tlsrpt_conf,
		    sendmail_command),
		FLD_NUM("timeout", F_DUR, struct tlsrpt_conf, timeout, 1, 0),
	};

	ld_walk(l, map, "tlsrpt", f, NFIELDS(f), &l->c->tlsrpt, NULL);
}

/* ---- defaults and frees ---- */

void
maps_conf_defaults(struct config *c)
{
	struct socketmap_conf *s = &c->socketmap;

	s->socket = x_strdup("unix:" LOCALSTATEDIR
	    "/spool/postfix/gatewarden/tls-policy.sock");
	s->socket_mode = 0660;
	s->query_timeout = 10;
	s->max_lookups = 16;
	s->max_clients = 256;
	s->cache_size = 10000;
	s->refresh_recent = 3600;
	c->mta_sts.cache_file = x_strdup(LOCALSTATEDIR
	    "/lib/gatewarden/mta-sts.db");
	c->mta_sts.timeout = 10;
	c->mta_sts.max_age_cap = STS_MAX_AGE;
	c->tlsrpt.timeout = 30;
}

void
maps_conf_free(struct config *c)
{
	free(c->socketmap.socket);
	free(c->socketmap.user);
	free(c->socketmap.group);
	free(c->socketmap.pid_file);
	free(c->mta_sts.cache_file);
	free(c->mta_sts.lab_ca_file);
	free(c->tlsrpt.organization);
	free(c->tlsrpt.contact);
	free(c->tlsrpt.submitter);
	free(c->tlsrpt.from);
	free(c->tlsrpt.sending_mta_ip);
	free(c->tlsrpt.sendmail_command);
}

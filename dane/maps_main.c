/*
 * gatewarden-maps - turns the destination controls of gatewarden.yaml,
 * with DNSSEC-validated MX/TLSA look-ups, into the MTA's own TLS policy
 * files (see gatewarden-maps(8)).
 *
 * Exit: 0 when every destination can be served as configured; 1 when a
 * DANE destination cannot be served now (mandatory without usable TLSA,
 * or a bogus answer); 2 on errors, including a DNS failure, after which
 * the previous files stay in place.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/config.h"
#include "dane/alert.h"
#include "dane/apply.h"
#include "dane/mapdir.h"
#include "dane/plan.h"
#include "dane/policy_table.h"
#include "dane/postfix_maps.h"
#include "dane/probe.h"
#include "dane/report.h"
#include "dane/resolver.h"
#include "dane/sendmail_maps.h"
#include "dane/serve.h"
#include "dane/sockmap.h"
#include "dane/tlsrpt.h"
#include "dane/sts_lookup.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <sys/types.h>

#define MAPS_DEFAULT_DIR SYSCONFDIR "/gatewarden/maps"
#define MAPS_DEFAULT_JOBS 8		/* DNS look-ups at once */

struct opts {
	const char	*config, *dir, *probe, *postmap, *postfix_conf;
	bool		json, apply, no_dns, print_table, no_alert;
	unsigned	port;
	unsigned	jobs;		/* look-ups at once */
};

static void
usage(FILE *fp)
{
	fputs("usage: gatewarden-maps [-c FILE] [-o DIR] [--json] [--apply]\n"
	    "                       [--no-dns] [--no-alert] [--jobs N] "
	    "[--postmap PROG]\n"
	    "                       [--postfix-config DIR]\n"
	    "       gatewarden-maps [-c FILE] --probe DOMAIN [--port N] [--json]\n"
	    "       gatewarden-maps --print-table\n"
	    "       gatewarden-maps serve [-f] [-c FILE]\n"
	    "       gatewarden-maps report [-c FILE] [--json] DOMAIN...\n"
	    "       gatewarden-maps tlsrpt [-c FILE] [--date YYYY-MM-DD] "
	    "[--output DIR]\n"
	    "                       [--send] [--json] [MAILLOG...]\n", fp);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_JSON = 256, O_APPLY, O_PROBE, O_PORT, O_NODNS, O_TABLE,
	       O_POSTMAP, O_PFCONF, O_NOALERT, O_JOBS };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, O_JSON },
		{ "apply", no_argument, NULL, O_APPLY },
		{ "probe", required_argument, NULL, O_PROBE },
		{ "port", required_argument, NULL, O_PORT },
		{ "no-dns", no_argument, NULL, O_NODNS },
		{ "no-alert", no_argument, NULL, O_NOALERT },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "print-table", no_argument, NULL, O_TABLE },
		{ "postmap", required_argument, NULL, O_POSTMAP },
		{ "postfix-config", required_argument, NULL, O_PFCONF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch;

	memset(o, 0, sizeof(*o));
	o->config = CONFIG_DEFAULT_PATH;
	o->dir = MAPS_DEFAULT_DIR;
	o->port = 25;
	o->jobs = MAPS_DEFAULT_JOBS;
	while ((ch = getopt_long(argc, argv, "c:o:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'o': o->dir = optarg; break;
		case O_JSON: o->json = true; break;
		case O_APPLY: o->apply = true; break;
		case O_PROBE: o->probe = optarg; break;
		case O_PORT: {
			char	*end;
			unsigned long p = strtoul(optarg, &end, 10);

			if (*end || p == 0 || p > 65535) {
				fprintf(stderr, "gatewarden-maps: bad port %s\n",
				    optarg);
				return -1;
			}
			o->port = (unsigned)p;
			break;
		}
		case O_JOBS: {
			char	*end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || n == 0 || n > PLAN_JOBS_MAX) {
				fprintf(stderr, "gatewarden-maps: --jobs takes "
				    "1 to %d, not %s\n", PLAN_JOBS_MAX, optarg);
				return -1;
			}
			o->jobs = (unsigned)n;
			break;
		}
		case O_NODNS: o->no_dns = true; break;
		case O_NOALERT: o->no_alert = true; break;
		case O_TABLE: o->print_table = true; break;
		case O_POSTMAP: o->postmap = optarg; break;
		case O_PFCONF: o->postfix_conf = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
write_all(const struct opts *o, const struct config *cfg,
    const struct plan *p, char **err)
{
	struct mapdir *m;
	FILE	*fp;
	char	*abs = NULL;
	int	rc = -1;

	if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
		*err = x_asprintf("%s: %s", o->dir, strerror(errno));
		return -1;
	}
	/* Postfix daemons run in the queue directory: main.cf must name
	 * the maps by absolute paths. */
	if (o->dir[0] != '/' && (abs = realpath(o->dir, NULL)) == NULL) {
		*err = x_asprintf("%s: %s", o->dir, strerror(errno));
		return -1;
	}
	m = mapdir_new(o->dir, o->postmap, o->postfix_conf);
	if ((fp = mapdir_file(m, "tls_policy", true)) == NULL ||
	    pf_write_tls_policy(fp, p) != 0)
		goto out;
	if ((fp = mapdir_file(m, "transport", true)) == NULL ||
	    pf_write_transport(fp, p) != 0)
		goto out;
	if ((fp = mapdir_file(m, "sender_transport", true)) == NULL ||
	    pf_write_sender_transport(fp, cfg->groups, cfg->ngroups) != 0)
		goto out;
	if ((fp = mapdir_file(m, "starttls_discard", false)) == NULL ||
	    pf_write_starttls_discard(fp, cfg->groups, cfg->ngroups) != 0)
		goto out;
	if ((fp = mapdir_file(m, "main.cf.snippet", false)) == NULL ||
	    pf_write_main_cf(fp, &cfg->destinations, &cfg->trust,
	    abs ? abs : o->dir) != 0)
		goto out;
	if ((fp = mapdir_file(m, "master.cf.snippet", false)) == NULL ||
	    pf_write_master_cf(fp) != 0)
		goto out;
	if ((fp = mapdir_file(m, "access.tls", false)) == NULL ||
	    sm_write_access(fp, p) != 0)
		goto out;
	rc = mapdir_commit(m);
out:
	if (rc != 0)
		*err = x_strdup(mapdir_error(m));
	mapdir_free(m);
	free(abs);
	return rc;
}

static void
alert_unservable(const struct opts *o, const struct config *cfg,
    const struct plan *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->v[i];

		if (!e->unservable)
			continue;
		log_warn("domain=%s action=unservable reason=\"%s\"", e->key,
		    e->reason);
		if (!o->no_alert && e->dest->alert_on_failure)
			alert_send(&cfg->alerts, o->dir, "dane", e->key,
			    e->reason);
	}
}

static bool
any_mta_sts(const struct destinations_conf *dc)
{
	size_t	i;

	for (i = 0; i < dc->ndomains; i++)
		if (dc->domains[i].mta_sts && !dc->domains[i].subdomains)
			return true;
	return false;
}

static int
run_maps(const struct opts *o, const struct config *cfg)
{
	struct resolver *r = NULL;
	struct sts_ctx *sts = NULL;
	struct dns_source src;
	struct plan *p;
	char	*err = NULL;
	const char *note = NULL;
	bool	written = false;
	int	code;

	if (!o->no_dns) {
		uid_t	owner;
		gid_t	group;

		if ((r = resolver_new(&cfg->dns, &err)) == NULL) {
			log_error("%s", err);
			free(err);
			return 2;
		}
		src = resolver_source(r);
		/* Root may make the cache file: it stays the server's. */
		serve_cache_owner(cfg, &owner, &group);
		if (any_mta_sts(&cfg->destinations) &&
		    (sts = sts_ctx_new(&cfg->mta_sts, owner, group,
		    &err)) == NULL) {
			log_error("%s", err);
			free(err);
			resolver_free(r);
			return 2;
		}
	}
	p = plan_build_jobs(&cfg->destinations, r ? &src : NULL, sts, o->jobs);
	if (p->error) {
		note = "a destination cannot be expressed as a Postfix policy";
		code = 2;
	} else if (p->temporary) {
		note = "a DNS look-up failed: the previous files are kept";
		code = 2;
	} else if (write_all(o, cfg, p, &err) != 0) {
		note = err;
		code = 2;
	} else {
		written = true;
		code = p->unservable ? 1 : 0;
	}
	if (written && o->apply && apply_postfix(o->postfix_conf, o->dir,
	    &err) != 0) {
		note = err;
		code = 2;
	}
	if (o->json)
		report_json(stdout, p, written, note, code);
	else
		report_text(stdout, p, written, note);
	alert_unservable(o, cfg, p);
	plan_free(p);
	sts_ctx_free(sts);
	resolver_free(r);
	free(err);
	return code;
}

static int
run_probe(const struct opts *o, const struct config *cfg)
{
	struct resolver *r;
	struct dns_source src;
	char	*err = NULL;
	int	code;

	if ((r = resolver_new(&cfg->dns, &err)) == NULL) {
		log_error("%s", err);
		free(err);
		return 2;
	}
	src = resolver_source(r);
	code = probe_domain(&src, o->probe, o->port,
	    (unsigned)(cfg->dns.timeout ? cfg->dns.timeout : 10),
	    cfg->trust.system_cas ? cfg->trust.system_ca_file : NULL,
	    o->json, stdout);
	resolver_free(r);
	return code;
}

/* "report DOMAIN...": what the one decision makes of each domain now,
 * as gatewarden-maps serve would answer it. Exit 0, 1 when a domain's
 * look-up failed or its DANE policy cannot be served, 2 on errors. */
static int
run_report(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	struct diags d = { 0 };
	struct config *cfg;
	struct serve_ctx *x;
	struct dns_source src;
	uid_t	owner;
	gid_t	group;
	char	*err = NULL;
	bool	json = false;
	int	ch, i, code = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'j': json = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	cfg = config_load(path, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (cfg == NULL)
		return 2;
	/* The resolver and MTA-STS cache the server would use. */
	serve_cache_owner(cfg, &owner, &group);
	if ((x = serve_ctx_new(cfg, owner, group, &err)) == NULL) {
		log_error("%s", err);
		free(err);
		return 2;
	}
	src = resolver_source(x->resolver);
	if (json)
		fputs("{\"domains\":[", stdout);
	for (i = optind; i < argc; i++) {
		struct sockmap_request req;
		char	*key = x_asprintf("tls_policy %s", argv[i]);
		struct plan_entry e;

		sockmap_parse(key, strlen(key), &req);
		free(key);
		if (req.type != SM_REQ_LOOKUP) {
			fprintf(stderr, "gatewarden-maps: %s: %s\n", argv[i],
			    req.why);
			code = 2;
			continue;
		}
		plan_lookup(plan_destination(&cfg->destinations, req.domain),
		    req.domain, &src, x->sts, &e);
		if (json) {
			if (i > optind)
				fputc(',', stdout);
			report_json_entry(stdout, &e, req.domain, true);
		} else {
			report_text_entry(stdout, &e, req.domain, true);
		}
		if (code == 0 && (e.temporary || e.unservable || e.error))
			code = 1;
		plan_entry_clear(&e);
	}
	if (json)
		printf("],\"exit\":%d}\n", code);
	serve_ctx_unref(x);
	return code;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct diags d;
	struct config *cfg;
	int	code;

	log_open("gatewarden-maps", LOG_MAIL, 1, 0);
	if (argc > 1 && strcmp(argv[1], "serve") == 0)
		return serve_main(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "report") == 0 ||
	    strcmp(argv[1], "tlsrpt") == 0)) {
		sts_fetch_global_init();
		code = strcmp(argv[1], "report") == 0 ?
		    run_report(argc - 1, argv + 1) :
		    tlsrpt_main(argc - 1, argv + 1);
		sts_fetch_global_done();
		return code;
	}
	sts_fetch_global_init();
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (o.print_table) {
		policy_table_print(stdout);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	cfg = config_load(o.config, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (cfg == NULL)
		return 2;
	code = o.probe ? run_probe(&o, cfg) : run_maps(&o, cfg);
	config_unref(cfg);
	sts_fetch_global_done();
	return code;
}

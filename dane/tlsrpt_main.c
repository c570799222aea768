/*
 * tlsrpt_main - the "tlsrpt" subcommand of gatewarden-maps (tlsrpt.h): the
 * mail log read (tlsrpt_log.h), the sessions of one UTC day grouped by
 * policy domain, each domain's policy decided now (plan_lookup(), as the
 * socketmap server and the map writer decide it), one report per domain
 * (tlsrpt_report.h), written, printed and/or delivered to the domain's
 * rua (tlsrpt_rua.h, tlsrpt_send.h).
 *
 * Exit: 0 when every report was made (and, with --send, delivered to
 * every rua); 1 when a domain's look-up or a delivery failed; 2 on
 * errors (options, configuration, an unreadable log, an output folder).
 */
#include "config.h"

#include <sys/types.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/config.h"
#include "dane/plan.h"
#include "dane/serve_answer.h"
#include "dane/tlsrpt.h"
#include "dane/tlsrpt_log.h"
#include "dane/tlsrpt_report.h"
#include "dane/tlsrpt_rua.h"
#include "dane/tlsrpt_send.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define DEFAULT_LOG	"/var/log/mail.log"
#define DAY		86400

struct run {
	struct config	*cfg;
	struct serve_ctx *ctx;
	struct dns_source src;
	const char	*outdir;
	bool		send, json;
	time_t		day;
	char		submitter[256], sending_ip[48];
	const char	*organization, *contact, *from, *sendmail;
	char		*contact_buf;
	unsigned	nreports;
	int		code;
};

static void
usage(FILE *fp)
{
	fputs("usage: gatewarden-maps tlsrpt [-c FILE] [--date YYYY-MM-DD] "
	    "[--output DIR]\n"
	    "                              [--send] [--json] [MAILLOG...]\n"
	    "  the TLS-RPT (RFC 8460) reports of one UTC day (default "
	    "yesterday) from\n"
	    "  Postfix's mail log (default " DEFAULT_LOG ", - for standard "
	    "input)\n", fp);
}

static bool
parse_day(const char *s, time_t *out)
{
	struct tm tm;
	char	*end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return false;
	*out = timegm(&tm);
	return true;
}

/* Reads one log; lines longer than TLSRPT_MAX_LINE are passed over. */
static bool
read_log(struct tlsrpt_log *l, const char *path)
{
	static char buf[TLSRPT_MAX_LINE + 2];
	FILE	*fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	bool	skipping = false;

	if (fp == NULL) {
		log_error_errno("%s", path);
		return false;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		size_t	n = strlen(buf);
		bool	whole = n > 0 && buf[n - 1] == '\n';

		if (!skipping && whole)
			tlsrpt_log_line(l, buf, n);
		else if (!skipping)
			l->skipped++;
		skipping = !whole;
	}
	if (ferror(fp)) {
		log_error_errno("%s: read", path);
		if (fp != stdin)
			fclose(fp);
		return false;
	}
	if (fp != stdin)
		fclose(fp);
	return true;
}

/* The first address of the host that is not loopback, else 127.0.0.1. */
static void
host_address(char *out, size_t outsz)
{
	struct ifaddrs *ifa = NULL, *i;

	snprintf(out, outsz, "127.0.0.1");
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;
		int	af;

		if (i->ifa_addr == NULL)
			continue;
		af = i->ifa_addr->sa_family;
		if (af == AF_INET)
			a = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		else if (af == AF_INET6)
			a = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if ((af == AF_INET && ((const unsigned char *)a)[0] == 127) ||
		    (af == AF_INET6 && IN6_IS_ADDR_LOOPBACK(
		    (const struct in6_addr *)a)) || (af == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)a)))
			continue;
		inet_ntop(af, a, out, (socklen_t)outsz);
		break;
	}
	freeifaddrs(ifa);
}

static void
identity(struct run *r)
{
	const struct tlsrpt_conf *t = &r->cfg->tlsrpt;

	if (t->submitter)
		snprintf(r->submitter, sizeof(r->submitter), "%s",
		    t->submitter);
	else if (gethostname(r->submitter, sizeof(r->submitter) - 1) != 0)
		strcpy(r->submitter, "localhost");
	if (t->sending_mta_ip)
		snprintf(r->sending_ip, sizeof(r->sending_ip), "%s",
		    t->sending_mta_ip);
	else
		host_address(r->sending_ip, sizeof(r->sending_ip));
	r->organization = t->organization ? t->organization : r->submitter;
	r->from = t->from ? t->from : r->cfg->alerts.from;
	if (r->from == NULL)
		r->from = r->contact_buf = x_asprintf("postmaster@%s",
		    r->submitter);
	r->contact = t->contact ? t->contact : r->from;
	r->sendmail = t->sendmail_command ? t->sendmail_command :
	    r->cfg->alerts.sendmail_command ? r->cfg->alerts.sendmail_command :
	    "/usr/sbin/sendmail";
}

/* A unique part (12 hex digits) and the report id made of it. */
static char *
report_id(const struct run *r, const char *domain, char hex[13])
{
	unsigned char rnd[6];
	char	day[16];
	struct tm tm;
	size_t	i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		log_panic("RAND_bytes failed");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	gmtime_r(&r->day, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	return x_asprintf("%s.%s.%s@%s", day, hex, domain, r->submitter);
}

/* Delivers one report to every rua of its domain. */
static void
deliver(struct run *r, const char *domain, const char *id,
    const char *unique, const char *json)
{
	struct dns_answer txt;
	struct tlsrpt_rua rua;
	struct tlsrpt_envelope env;
	unsigned char *gz;
	const char *why = NULL;
	char	*qname = x_asprintf("_smtp._tls.%s", domain), *fname, *err;
	size_t	gzlen, i;

	memset(&txt, 0, sizeof(txt));
	r->src.query(r->src.arg, qname, DNS_T_TXT, &txt);
	free(qname);
	if (txt.sec == DNS_SEC_FAILED || txt.sec == DNS_SEC_BOGUS) {
		log_warn("tlsrpt: domain=%s report_id=%s action=failed "
		    "reason=\"_smtp._tls look-up %s\"", domain, id,
		    dns_sec_name(txt.sec));
		dns_answer_clear(&txt);
		r->code = 1;
		return;
	}
	if (!tlsrpt_rua_parse(txt.kind == DNS_KIND_DATA ? txt.txt : NULL,
	    txt.kind == DNS_KIND_DATA ? txt.ntxt : 0, &rua, &why)) {
		log_info("tlsrpt: domain=%s report_id=%s action=skipped "
		    "reason=\"%s\"", domain, id, why);
		dns_answer_clear(&txt);
		return;
	}
	dns_answer_clear(&txt);
	gz = tlsrpt_gzip(json, strlen(json), &gzlen);
	fname = tlsrpt_filename(r->submitter, domain, r->day,
	    r->day + DAY - 1, unique);
	memset(&env, 0, sizeof(env));
	env.from = r->from;
	env.submitter = r->submitter;
	env.domain = domain;
	env.report_id = id;
	env.filename = fname;
	env.date = time(NULL);
	for (i = 0; i < rua.n; i++) {
		int	rc;
		char	val[TLSRPT_MAX_URI + 16];

		err = NULL;
		if (rua.v[i].kind == RUA_MAILTO)
			rc = tlsrpt_mail(r->sendmail, &env, rua.v[i].target,
			    gz, gzlen, &err);
		else
			rc = tlsrpt_post(&r->src, rua.v[i].target,
			    r->cfg->mta_sts.lab_ca_file,
			    (unsigned)r->cfg->tlsrpt.timeout, gz, gzlen, &err);
		log_value(val, sizeof(val), rua.v[i].target);
		if (rc == 0) {
			log_info("tlsrpt: domain=%s report_id=%s rua=%s%s "
			    "action=sent", domain, id, rua.v[i].kind ==
			    RUA_MAILTO ? "mailto:" : "", val);
		} else {
			char	e[400];

			log_value(e, sizeof(e), err);
			log_warn("tlsrpt: domain=%s report_id=%s rua=%s%s "
			    "action=failed reason=%s", domain, id,
			    rua.v[i].kind == RUA_MAILTO ? "mailto:" : "", val,
			    e);
			r->code = 1;
		}
		free(err);
	}
	free(fname);
	free(gz);
	tlsrpt_rua_clear(&rua);
}

static bool
write_file(const struct run *r, const char *domain, const char *json)
{
	char	*fname = tlsrpt_filename(r->submitter, domain, r->day,
	    r->day + DAY - 1, "x"), *path, *bang;
	FILE	*fp;
	bool	ok;

	/* The RFC 8460 name without the unique part and ".gz". */
	bang = strrchr(fname, '!');
	*bang = '\0';
	path = x_asprintf("%s/%s.json", r->outdir, fname);
	if ((fp = fopen(path, "w")) == NULL) {
		log_error_errno("%s", path);
		free(path);
		free(fname);
		return false;
	}
	fputs(json, fp);
	ok = fclose(fp) == 0;
	if (!ok)
		log_error_errno("%s", path);
	free(path);
	free(fname);
	return ok;
}

/* One domain's sessions v[0..n). */
static void
one_domain(struct run *r, const char *domain,
    const struct tlsrpt_session *v, size_t n)
{
	struct tlsrpt_meta m;
	struct tlsrpt_policy pol;
	struct plan_entry e;
	unsigned long ok, failed;
	char	*id, *json, hex[13];

	plan_lookup(plan_destination(&r->cfg->destinations, domain), domain,
	    &r->src, r->ctx->sts, &e);
	if (e.temporary) {
		log_warn("tlsrpt: domain=%s action=failed reason=\"the "
		    "policy look-up failed; no report\"", domain);
		plan_entry_clear(&e);
		r->code = 1;
		return;
	}
	tlsrpt_policy_from_plan(&e, &pol);
	id = report_id(r, domain, hex);
	memset(&m, 0, sizeof(m));
	m.organization = r->organization;
	m.contact = r->contact;
	m.report_id = id;
	m.sending_ip = r->sending_ip;
	m.day = r->day;
	json = tlsrpt_report_json(&m, domain, &pol, v, n, &ok, &failed);
	if (r->json) {
		fputs(r->nreports ? "," : "", stdout);
		fwrite(json, 1, strlen(json) - 1, stdout);
	} else {
		printf("%s: policy %s, %lu successful, %lu failed sessions\n",
		    domain, pol.type, ok, failed);
	}
	r->nreports++;
	if (r->outdir && !write_file(r, domain, json))
		r->code = 2;
	if (r->send)
		deliver(r, domain, id, hex, json);
	free(json);
	free(id);
	tlsrpt_policy_clear(&pol);
	plan_entry_clear(&e);
}

static int
by_domain(const void *a, const void *b)
{
	const struct tlsrpt_session *x = a, *y = b;
	int	c = strcmp(x->domain, y->domain);

	if (c)
		return c;
	return x->when < y->when ? -1 : x->when > y->when;
}

static int
run_day(struct run *r, struct tlsrpt_log *l)
{
	struct tlsrpt_session *v = x_calloc(l->n ? l->n : 1, sizeof(*v));
	size_t	n = 0, i, j;

	for (i = 0; i < l->n; i++)
		if (l->v[i].when >= r->day && l->v[i].when < r->day + DAY)
			v[n++] = l->v[i];
	qsort(v, n, sizeof(*v), by_domain);
	if (r->json)
		fputs("[", stdout);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(v[j].domain, v[i].domain) == 0; j++)
			;
		one_domain(r, v[i].domain, v + i, j - i);
	}
	if (r->json)
		fputs("]\n", stdout);
	free(v);
	return r->code;
}

int
tlsrpt_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "send", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	struct diags d = { 0 };
	struct tlsrpt_log *l;
	struct run r;
	struct tm tm;
	uid_t	owner;
	gid_t	group;
	char	*err = NULL;
	int	ch, i;

	memset(&r, 0, sizeof(r));
	r.day = (time(NULL) / DAY - 1) * DAY;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd':
			if (!parse_day(optarg, &r.day)) {
				fprintf(stderr, "gatewarden-maps tlsrpt: "
				    "--date %s: write YYYY-MM-DD\n", optarg);
				return 2;
			}
			break;
		case 'o': r.outdir = optarg; break;
		case 's': r.send = true; break;
		case 'j': r.json = true; break;
		default: usage(stderr); return 2;
		}
	}
	if ((r.cfg = config_load(path, &d)) == NULL) {
		diags_print(&d, stderr);
		diags_free(&d);
		return 2;
	}
	diags_print(&d, stderr);
	diags_free(&d);
	serve_cache_owner(r.cfg, &owner, &group);
	if ((r.ctx = serve_ctx_new(r.cfg, owner, group, &err)) == NULL) {
		log_error("%s", err);
		free(err);
		return 2;
	}
	r.cfg = r.ctx->cfg;
	r.src = resolver_source(r.ctx->resolver);
	identity(&r);
	gmtime_r(&r.day, &tm);
	l = tlsrpt_log_new(tm.tm_year + 1900);
	if (optind == argc && !read_log(l, DEFAULT_LOG))
		r.code = 2;
	for (i = optind; i < argc; i++)
		if (!read_log(l, argv[i]))
			r.code = 2;
	if (r.code == 0) {
		if (l->dropped)
			log_warn("tlsrpt: more than %d sessions; %zu not "
			    "counted", TLSRPT_MAX_SESSIONS, l->dropped);
		run_day(&r, l);
	}
	tlsrpt_log_free(l);
	free(r.contact_buf);
	serve_ctx_unref(r.ctx);
	return r.code;
}

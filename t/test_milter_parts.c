/*
 * test_milter_parts - the milter's plain-C parts: the body spool (memory,
 * then a 0600 file, removed however the message ends), header hygiene
 * (which headers are ours, and the deletions that remove them, checked
 * against both MTAs' ways of counting and at 100,000 headers), what a
 * message may hold in headers, and the ESMTP parameters a re-injected
 * copy keeps.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "milter/esmtp_params.h"
#include "milter/hygiene.h"
#include "milter/session.h"
#include "milter/spool.h"
#include "t/tap.h"

static int
count_files(const char *dir)
{
	DIR	*d = opendir(dir);
	struct dirent *e;
	int	n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Reads the whole store back and compares it with want. */
static bool
reads_back(struct spool *s, const unsigned char *want, size_t len)
{
	FILE	*fp = spool_open_reader(s);
	unsigned char *got;
	size_t	n;
	bool	same;

	if (fp == NULL)
		return false;
	got = malloc(len + 1);
	n = fread(got, 1, len + 1, fp);
	same = n == len && memcmp(got, want, len) == 0;
	free(got);
	fclose(fp);
	return same;
}

static void
test_spool(void)
{
	char	dir[] = "/tmp/gw-spool-test-XXXXXX";
	unsigned char data[10000];
	struct spool s;
	struct stat st;
	size_t	i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp failed");

	spool_init(&s, dir, 4096, 0);
	ok(spool_append(&s, data, 4000) == 0 && !spool_on_disk(&s),
	    "4000 bytes under a 4096 limit stay in memory");
	is_int(count_files(dir), 0, "no spool file while in memory");
	ok(reads_back(&s, data, 4000), "memory content reads back");
	ok(spool_append(&s, data + 4000, 6000) == 0 && spool_on_disk(&s),
	    "passing the limit moves the body to a file");
	is_int(count_files(dir), 1, "one spool file");
	ok(stat(s.path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "spool file is mode 0600 (got %03o)", (unsigned)(st.st_mode & 0777));
	is_uint(s.size, 10000, "size counts every byte");
	ok(reads_back(&s, data, 10000), "spooled content reads back whole");
	/* A command gatewarden runs (the re-injection's sendmail, an alert)
	 * must not inherit a message body. */
	ok((fcntl(s.fd, F_GETFD) & FD_CLOEXEC) != 0,
	    "the spool file is close-on-exec");
	{
		FILE	*fp = spool_open_reader(&s);

		ok(fp != NULL && (fcntl(fileno(fp), F_GETFD) & FD_CLOEXEC) != 0,
		    "a reader of the spool file is close-on-exec");
		if (fp != NULL)
			fclose(fp);
	}
	ok(spool_append(&s, data, 0) == 0, "empty append is fine");
	spool_discard(&s);
	is_int(count_files(dir), 0, "discard removes the spool file");
	spool_discard(&s);
	is_int(count_files(dir), 0, "a second discard is harmless");

	spool_init(&s, dir, 0, 0);
	ok(spool_append(&s, "x", 1) == 0 && spool_on_disk(&s),
	    "a zero limit spools from the first byte");
	spool_discard(&s);

	spool_init(&s, dir, 100, 0);
	ok(reads_back(&s, (const unsigned char *)"", 0),
	    "an empty body reads back empty");
	ok(spool_append(&s, "plain text\r\n", 12) == 0 && !s.eightbit,
	    "7-bit text: eightbit stays false");
	ok(spool_append(&s, "Gr\xc3\xbc\xc3\x9f\r\n", 8) == 0 && s.eightbit,
	    "a byte above 0x7f sets eightbit");
	spool_discard(&s);
	ok(!s.eightbit, "discard clears eightbit");

	/* The budget of all stores together: a second body that would pass
	 * it goes to its file at once, and what a store held is given back
	 * when it spools or is discarded. */
	{
		struct spool a, b, c;

		is_uint(spool_memory_in_use(), 0, "budget: nothing held at first");
		spool_init(&a, dir, 12000, 20480);
		spool_init(&b, dir, 12000, 20480);
		spool_init(&c, dir, 12000, 20480);
		ok(spool_append(&a, data, 10000) == 0 && !spool_on_disk(&a),
		    "budget: the first body stays in memory");
		is_uint(spool_memory_in_use(), 12000, "budget: its buffer counted");
		ok(spool_append(&b, data, 10000) == 0 && spool_on_disk(&b),
		    "budget: the second would pass the total, so it is spooled");
		ok(reads_back(&b, data, 10000), "budget: the spooled one reads back");
		ok(spool_append(&c, data, 1000) == 0 && !spool_on_disk(&c),
		    "budget: a small third fits what is left");
		is_uint(spool_memory_in_use(), 12000 + 8192,
		    "budget: both buffers counted");
		ok(spool_append(&a, data, 2000) == 0 && !spool_on_disk(&a),
		    "budget: growing within the buffer it holds takes nothing more");
		ok(spool_append(&c, data, 9000) == 0 && spool_on_disk(&c),
		    "budget: a store that must grow past the total is spooled");
		is_uint(spool_memory_in_use(), 12000,
		    "budget: the spooled store gave its buffer back");
		spool_discard(&a);
		spool_discard(&b);
		spool_discard(&c);
		is_uint(spool_memory_in_use(), 0, "budget: all given back");
	}

	/* Stale files from a crash are removed at start-up; others stay. */
	{
		char	p1[512], p2[512];
		FILE	*f;
		int	dfd;

		snprintf(p1, sizeof(p1), "%s/gw-stale1", dir);
		snprintf(p2, sizeof(p2), "%s/keep-me", dir);
		if ((f = fopen(p1, "w")) != NULL)
			fclose(f);
		if ((f = fopen(p2, "w")) != NULL)
			fclose(f);
		dfd = open(dir, O_RDONLY | O_DIRECTORY);
		is_int(spool_clean_stale(dfd), 1, "one stale spool file removed");
		close(dfd);
		ok(access(p1, F_OK) != 0 && access(p2, F_OK) == 0,
		    "only gw-* files are removed");
		unlink(p2);
	}

	spool_init(&s, "/nonexistent/gatewarden-spool", 10, 0);
	ok(spool_append(&s, data, 100) == -1,
	    "a spool directory that cannot be written gives an error");
	spool_discard(&s);
	rmdir(dir);
}

static void
test_hygiene(void)
{
	static const struct {
		const char *name, *value;
		bool	ours;
	} cases[] = {
		{ "X-Gatewarden-TLS", "group=x", true },
		{ "x-gatewarden-smime", "verified", true },
		{ "X-GATEWARDEN-", "", true },
		{ "X-Gatewarden", "no dash: not ours", false },
		{ "X-Other", "x", false },
		{ "Authentication-Results", "mx.example.test; smime=pass", true },
		{ "Authentication-Results", " MX.Example.Test ; smime=pass", true },
		{ "Authentication-Results", "(comment) mx.example.test; none", true },
		{ "Authentication-Results", "mx.example.test 1; smime=pass", true },
		{ "authentication-results", "mx.example.test;smime=pass", true },
		{ "Authentication-Results", "other.example; smime=pass", false },
		{ "Authentication-Results", "\"mx.example.test\"; smime=pass", true },
		{ "Authentication-Results", " (c) \"MX.example.test\" 1; smime=pass", true },
		{ "Authentication-Results", "\"mx.ex\\ample.test\"; smime=pass", true },
		{ "Authentication-Results", "mx.example.test.; smime=pass", true },
		{ "Authentication-Results", "\"other.example\"; smime=pass", false },
		{ "Authentication-Results", "\"\"; smime=pass", false },
		{ "Authentication-Results", "mx.example.test.evil; dkim=pass", false },
		{ "Authentication-Results", "", false },
		{ "Authentication-Results", "(unclosed comment", false },
		{ "Received", "from mx.example.test", false },
	};
	size_t	i;
	char	id[8];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(hygiene_is_ours(cases[i].name, cases[i].value,
		    "mx.example.test") == cases[i].ours, "%s: %s -> %s",
		    cases[i].name, cases[i].value,
		    cases[i].ours ? "removed" : "kept");
	ok(hygiene_authserv_id("abcdefghijk;", id, sizeof(id)) &&
	    strcmp(id, "abcdefg") == 0, "authserv-id truncated to the buffer");
}

static void
test_mail_params(void)
{
	static const struct {
		const char *name;
		char	*args[5];
		enum body_type body;
		bool	smtputf8;
		const char *ret, *envid;
	} cases[] = {
		{ "all kept", { "body=8bitmime", "RET=hdrs", "ENVID=a+2Bb",
		    "SMTPUTF8", NULL }, BODY_8BITMIME, true, "HDRS", "a+2Bb" },
		{ "others dropped", { "SIZE=100", "AUTH=<>", "X-FOO=1",
		    "SMTPUTF8=yes", NULL }, BODY_UNSAID, false, "", "" },
		{ "bad values dropped", { "BODY=9BIT", "RET=NONE", "ENVID=a=b",
		    NULL }, BODY_UNSAID, false, "", "" },
		{ "bad xtext", { "ENVID=+2g", "BODY=7bit", NULL }, BODY_7BIT,
		    false, "", "" },
		{ "xtext with lower-case hex", { "ENVID=a+2b", NULL },
		    BODY_UNSAID, false, "", "" },
		{ "ENVID of 101 characters", { "ENVID="
		    "0123456789012345678901234567890123456789012345678901234567"
		    "890123456789012345678901234567890123456789x", NULL },
		    BODY_UNSAID, false, "", "" },
		{ "BINARYMIME", { "BODY=BINARYMIME", NULL }, BODY_BINARYMIME,
		    false, "", "" },
	};
	struct mail_params p;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mail_params_parse(&p, cases[i].args);
		ok(p.body == cases[i].body && p.smtputf8 == cases[i].smtputf8 &&
		    strcmp(p.ret, cases[i].ret) == 0 &&
		    strcmp(p.envid, cases[i].envid) == 0,
		    "MAIL parameters, %s: got body %d utf8 %d ret '%s' envid "
		    "'%s', want %d %d '%s' '%s'", cases[i].name, (int)p.body,
		    p.smtputf8, p.ret, p.envid, (int)cases[i].body,
		    cases[i].smtputf8, cases[i].ret, cases[i].envid);
	}
	mail_params_parse(&p, NULL);
	ok(p.body == BODY_UNSAID && p.ret[0] == '\0', "no MAIL parameters");
}

static void
test_rcpt_params(void)
{
	static const struct {
		char	*args[3];
		const char *notify, *orcpt;
	} cases[] = {
		{ { "notify=success,delay", "ORCPT=rfc822;bob@example.test" },
		    "SUCCESS,DELAY", "rfc822;bob@example.test" },
		{ { "NOTIFY=never", NULL }, "NEVER", "" },
		{ { "NOTIFY=NEVER,SUCCESS", NULL }, "", "" },
		{ { "NOTIFY=SUCCESS,", NULL }, "", "" },
		{ { "NOTIFY=", NULL }, "", "" },
		{ { "NOTIFY=SUCCESS,BOUNCE", NULL }, "", "" },
		{ { "ORCPT=;bob@example.test", NULL }, "", "" },
		{ { "ORCPT=rfc822;", NULL }, "", "" },
		{ { "ORCPT=rfc822;a=b", NULL }, "", "" },
		{ { "ORCPT=rfc_822;bob@example.test", NULL }, "", "" },
		{ { "ORCPT=rfc822;b+40x", "NOTIFY=FAILURE" }, "FAILURE",
		    "rfc822;b+40x" },
	};
	struct rcpt_params p;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	*args[4] = { cases[i].args[0], cases[i].args[1],
		    cases[i].args[2], NULL };

		rcpt_params_parse(&p, args);
		ok(strcmp(p.notify, cases[i].notify) == 0 &&
		    strcmp(p.orcpt, cases[i].orcpt) == 0,
		    "RCPT parameters %s %s: got '%s' '%s', want '%s' '%s'",
		    cases[i].args[0], cases[i].args[1] ? cases[i].args[1] : "",
		    p.notify, p.orcpt, cases[i].notify, cases[i].orcpt);
	}
}

static void
test_params_out(void)
{
	static const struct {
		const char *name;
		char	*args[5];
		bool	eightbit, utf8;
		unsigned caps;
		bool	sendable;
		const char *smtp;
	} cases[] = {
		{ "everything offered", { "RET=FULL", "ENVID=e1", "SMTPUTF8",
		    NULL }, true, true, ESMTP_CAP_8BITMIME | ESMTP_CAP_DSN |
		    ESMTP_CAP_SMTPUTF8, true,
		    " BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=e1" },
		{ "declared 8BITMIME, 7-bit content", { "BODY=8BITMIME", NULL },
		    false, false, ESMTP_CAP_8BITMIME, true, " BODY=8BITMIME" },
		{ "no DSN offered", { "RET=FULL", "ENVID=e1", NULL }, false,
		    false, ESMTP_CAP_8BITMIME, true, "" },
		{ "no 8BITMIME offered", { NULL }, true, false, ESMTP_CAP_DSN,
		    true, "" },
		{ "SMTPUTF8 not offered, UTF-8 header", { "SMTPUTF8", NULL },
		    true, true, ESMTP_CAP_8BITMIME | ESMTP_CAP_DSN, false, "" },
		{ "SMTPUTF8 not offered, ASCII header", { "SMTPUTF8", NULL },
		    true, false, ESMTP_CAP_8BITMIME, true, " BODY=8BITMIME" },
		{ "BINARYMIME", { "BODY=BINARYMIME", NULL }, true, false,
		    ESMTP_CAP_8BITMIME, false, "" },
	};
	struct mail_params p;
	struct rcpt_params r;
	char	out[256], *rargs[] = { "NOTIFY=SUCCESS", "ORCPT=rfc822;b@x",
	    NULL };
	const char *argv[16], *why = NULL;
	size_t	i, n;
	bool	sendable;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mail_params_parse(&p, cases[i].args);
		sendable = mail_params_smtp(out, sizeof(out), &p,
		    cases[i].eightbit, cases[i].utf8, cases[i].caps, &why);
		ok(sendable == cases[i].sendable && (!sendable ||
		    strcmp(out, cases[i].smtp) == 0), "SMTP MAIL, %s: got %s "
		    "'%s', want %s '%s'", cases[i].name, sendable ? "sent" :
		    "refused", sendable ? out : why, cases[i].sendable ?
		    "sent" : "refused", cases[i].smtp);
	}
	rcpt_params_parse(&r, rargs);
	rcpt_params_smtp(out, sizeof(out), &r, ESMTP_CAP_DSN);
	is_string(out, " NOTIFY=SUCCESS ORCPT=rfc822;b@x", "SMTP RCPT with DSN");
	rcpt_params_smtp(out, sizeof(out), &r, ESMTP_CAP_8BITMIME);
	is_string(out, "", "SMTP RCPT without DSN: no DSN parameters");
	rcpt_params_smtp(out, sizeof(out), NULL, ESMTP_CAP_DSN);
	is_string(out, "", "SMTP RCPT with no parameters known");

	{
		char	*margs[] = { "RET=HDRS", "ENVID=e+2B1", NULL };

		mail_params_parse(&p, margs);
		n = 0;
		ok(mail_params_argv(argv, &n, &p, true, "NEVER", &why) &&
		    n == 6 && strcmp(argv[0], "-B") == 0 &&
		    strcmp(argv[1], "8BITMIME") == 0 &&
		    strcmp(argv[2], "-R") == 0 && strcmp(argv[3], "HDRS") == 0 &&
		    strcmp(argv[4], "-N") == 0 && strcmp(argv[5], "NEVER") == 0,
		    "command options: -B, -R, -N; no -V for an ENVID with +XX");
	}
	is_uint(esmtp_cap("8BITMIME"), ESMTP_CAP_8BITMIME, "EHLO 8BITMIME");
	is_uint(esmtp_cap("dsn"), ESMTP_CAP_DSN, "EHLO dsn");
	is_uint(esmtp_cap("SMTPUTF8"), ESMTP_CAP_SMTPUTF8, "EHLO SMTPUTF8");
	is_uint(esmtp_cap("SIZE 10240000"), 0, "EHLO SIZE: not kept");
	is_uint(esmtp_cap("DSNX"), 0, "EHLO DSNX: not DSN");
}

/* ---- hygiene_plan ---- */

#define AUTHSERV	"mx.example.test"

/* The MTA's header list, as far as smfi_chgheader sees it. */
struct mta_header {
	const char	*name;
	bool		deleted;
};

/* Applies one deletion the way an MTA counts: Sendmail keeps deleted
 * headers in the count (milter.c marks them with a NULL value), Postfix
 * skips them (cleanup_milter.c). false when no header has that index. */
static bool
mta_delete(struct mta_header *h, size_t n, const char *name, size_t index,
    bool deleted_count)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, name) != 0)
			continue;
		if (h[i].deleted && !deleted_count)
			continue;
		if (--index == 0) {
			if (h[i].deleted)
				return false;	/* the same header twice */
			h[i].deleted = true;
			return true;
		}
	}
	return false;
}

/* true when the plan, applied by an MTA counting one way, deletes exactly
 * the headers hygiene_is_ours() names. */
static bool
plan_removes_ours(const struct header *hs, size_t n,
    const struct hygiene_plan *p, bool deleted_count)
{
	struct mta_header *m = calloc(n ? n : 1, sizeof(*m));
	size_t	i;
	bool	good = true;

	for (i = 0; i < n; i++)
		m[i].name = hs[i].name;
	for (i = 0; i < p->nremovals && good; i++)
		good = mta_delete(m, n, p->removal[i].name, p->removal[i].index,
		    deleted_count);
	for (i = 0; i < n && good; i++)
		good = m[i].deleted == hygiene_is_ours(hs[i].name, hs[i].value,
		    AUTHSERV);
	free(m);
	return good;
}

static void
test_plan_cases(void)
{
	static struct header h[] = {
		{ "Authentication-Results", "other.test; dkim=pass" },
		{ "Authentication-Results", AUTHSERV "; smime=pass" },
		{ "X-Gatewarden-A", "1" },
		{ "Subject", "hello" },
		{ "x-gatewarden-a", "2" },
		{ "X-Gatewarden-B", "3" },
		{ "authentication-results", AUTHSERV "; smime=fail" },
	};
	static const struct hygiene_removal want[] = {
		{ "authentication-results", 3 }, { "X-Gatewarden-B", 1 },
		{ "x-gatewarden-a", 2 }, { "X-Gatewarden-A", 1 },
		{ "Authentication-Results", 2 },
	};
	struct hygiene_plan p;
	size_t	i;

	hygiene_plan(h, sizeof(h) / sizeof(h[0]), AUTHSERV, &p);
	is_uint(p.nours, 5, "plan: five headers of ours among seven");
	is_uint(p.nremovals, 5, "plan: all five removed");
	for (i = 0; i < p.nremovals && i < 5; i++)
		ok(strcmp(p.removal[i].name, want[i].name) == 0 &&
		    p.removal[i].index == want[i].index,
		    "plan step %zu: got %s #%zu, want %s #%zu", i + 1,
		    p.removal[i].name, p.removal[i].index, want[i].name,
		    want[i].index);
	hygiene_plan(h, 0, AUTHSERV, &p);
	ok(p.nours == 0 && p.nremovals == 0, "plan: no headers, nothing to do");
	hygiene_plan(h + 3, 1, AUTHSERV, &p);
	ok(p.nours == 0 && p.nremovals == 0, "plan: no header of ours");
}

static unsigned long lcg_state = 12345;

static unsigned
lcg(unsigned n)
{
	lcg_state = lcg_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((lcg_state >> 33) % n);
}

/* Generated messages (fixed seed): up to HYGIENE_REMOVALS_MAX headers of
 * ours, of a few names in varied case, mixed with the sender's own; the
 * plan must remove exactly ours under both ways of counting. */
static void
test_plan_generated(void)
{
	static const char *const names[] = {
		"X-Gatewarden-TLS", "x-gatewarden-tls", "X-GATEWARDEN-TLS",
		"X-Gatewarden-A", "X-Gatewarden-B", "Authentication-Results",
		"authentication-results", "Received", "Subject", "X-Gatewarden",
	};
	static const char *const values[] = {
		AUTHSERV "; smime=pass", "other.test; dkim=pass", "x",
		"(c) " AUTHSERV ". 1; none",
	};
	struct header h[300];
	struct hygiene_plan p;
	unsigned round, bad_postfix = 0, bad_sendmail = 0, full = 0;
	size_t	n, i;

	for (round = 0; round < 500; round++) {
		n = 1 + lcg(300);
		for (i = 0; i < n; i++) {
			h[i].name = (char *)names[lcg(10)];
			h[i].value = (char *)values[lcg(4)];
		}
		hygiene_plan(h, n, AUTHSERV, &p);
		if (p.nours > HYGIENE_REMOVALS_MAX) {
			if (p.nremovals != 0)
				bad_postfix++;
			continue;
		}
		full++;
		if (!plan_removes_ours(h, n, &p, false))
			bad_postfix++;
		if (!plan_removes_ours(h, n, &p, true))
			bad_sendmail++;
	}
	ok(full > 100, "generated: %u of 500 messages within the removal "
	    "limit", full);
	is_uint(bad_postfix, 0, "generated: the plan removes exactly ours, "
	    "counted as Postfix does");
	is_uint(bad_sendmail, 0, "generated: the plan removes exactly ours, "
	    "counted as Sendmail does");
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 100,000 headers: all forged (under one name, or each its own), or 100
 * forged among others. Linear: the name comparisons never pass
 * MAX*(MAX-1)/2, and the CPU time stays far under 100 ms (the quadratic
 * walk it replaces took seconds). */
static void
test_plan_large(void)
{
	enum { N = 100000 };
	const unsigned long bound = HYGIENE_REMOVALS_MAX *
	    (HYGIENE_REMOVALS_MAX - 1) / 2;
	struct header *h = calloc(N, sizeof(*h));
	char	(*names)[24] = calloc(N, sizeof(*names));
	struct hygiene_plan *p = malloc(sizeof(*p));
	double	t0, ms;
	size_t	i;

	for (i = 0; i < N; i++) {
		h[i].name = (char *)"X-Gatewarden-A";
		h[i].value = (char *)"x";
	}
	t0 = cpu_ms();
	hygiene_plan(h, N, AUTHSERV, p);
	ms = cpu_ms() - t0;
	ok(p->nours == N && p->nremovals == 0, "100,000 forged headers of one "
	    "name: all counted (%zu), none planned (%zu)", p->nours,
	    p->nremovals);
	ok(p->compares <= bound, "one name: %lu name comparisons, at most %lu",
	    p->compares, bound);
	ok(ms < 100, "one name: %.1f ms of CPU, under 100", ms);

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "X-Gatewarden-%zu", i);
		h[i].name = names[i];
	}
	t0 = cpu_ms();
	hygiene_plan(h, N, AUTHSERV, p);
	ms = cpu_ms() - t0;
	ok(p->nours == N && p->nremovals == 0 && p->compares <= bound,
	    "100,000 forged headers, each its own name: %zu counted, %lu "
	    "comparisons", p->nours, p->compares);
	ok(ms < 100, "distinct names: %.1f ms of CPU, under 100", ms);

	/* 50 X-Gatewarden-A, 50 Authentication-Results of ours and 50 of
	 * another authserv-id, among Received headers. */
	for (i = 0; i < N; i++) {
		h[i].name = (char *)(i % 2000 == 7 ? "X-Gatewarden-A" :
		    i % 1000 == 500 ? "Authentication-Results" : "Received");
		h[i].value = (char *)(i % 2000 == 500 ? AUTHSERV "; smime=pass" :
		    "other.test; dkim=pass");
	}
	t0 = cpu_ms();
	hygiene_plan(h, N, AUTHSERV, p);
	ms = cpu_ms() - t0;
	ok(p->nremovals == HYGIENE_REMOVALS_MAX && p->compares <= bound &&
	    ms < 100, "100 forged among 100,000: %zu planned, %lu "
	    "comparisons, %.1f ms", p->nremovals, p->compares, ms);
	ok(plan_removes_ours(h, N, p, false) && plan_removes_ours(h, N, p, true),
	    "100 forged among 100,000: exactly those removed");
	free(p);
	free(names);
	free(h);
}

/* ---- what a message may hold ---- */

/* The memory the kept headers really use: each allocation as malloc
 * holds it (usable size and its size_t header) and the array. */
static size_t
held_bytes(const struct message *m)
{
	size_t	i, n = malloc_usable_size(m->headers);

	for (i = 0; i < m->nheaders; i++)
		n += malloc_usable_size(m->headers[i].name) + sizeof(size_t);
	return n;
}

static void
test_header_limits(void)
{
	struct message *m = calloc(1, sizeof(*m));
	size_t	n = 0;

	/* One-byte headers: the overhead is what counts. */
	m->max_header_fields = 100000;
	while (message_add_header(m, "a", ""))
		n++;
	is_int(m->header_limit, HLIMIT_BYTES, "one-byte headers: the byte "
	    "limit stops them");
	/* Each holds an allocation (malloc gives at least four words) and
	 * an array slot. */
	ok(n <= HEADERS_MAX / (4 * sizeof(size_t) + sizeof(struct header)),
	    "one-byte headers: %zu kept in %u bytes, overhead counted", n,
	    HEADERS_MAX);
	ok(m->header_bytes <= HEADERS_MAX, "counted %zu bytes, within %u",
	    m->header_bytes, HEADERS_MAX);
	ok(held_bytes(m) <= m->header_bytes, "really held %zu bytes, no more "
	    "than the %zu counted", held_bytes(m), m->header_bytes);
	ok(!message_add_header(m, "b", "") && m->nheaders == n,
	    "nothing more is kept once a limit passed");
	message_free(m);

	m = calloc(1, sizeof(*m));
	m->max_header_fields = 1000;
	for (n = 0; n < 1000; n++)
		if (!message_add_header(m, "Received", "from a by b"))
			break;
	is_uint(n, 1000, "1000 headers under max_header_fields 1000 are kept");
	ok(!message_add_header(m, "Subject", "x") &&
	    m->header_limit == HLIMIT_FIELDS, "the 1001st passes the limit");
	ok(m->headers_cap <= 1000, "the array holds at most 1000 slots (%zu)",
	    m->headers_cap);
	ok(held_bytes(m) <= m->header_bytes, "really held %zu bytes, no more "
	    "than the %zu counted", held_bytes(m), m->header_bytes);
	is_uint(m->header_text_bytes, 1000 * (8 + 11 + 2),
	    "the size the sending rules see is the text's");
	message_free(m);

	m = calloc(1, sizeof(*m));
	m->max_header_fields = 1000;
	{
		char	*big = malloc(HEADERS_MAX);

		memset(big, 'x', HEADERS_MAX - 1);
		big[HEADERS_MAX - 1] = '\0';
		ok(!message_add_header(m, "X-Big", big) &&
		    m->header_limit == HLIMIT_BYTES && m->nheaders == 0,
		    "one header of 4 MiB passes the byte limit");
		free(big);
	}
	message_free(m);
}

int
main(void)
{
	plan_lazy();
	test_spool();
	test_hygiene();
	test_mail_params();
	test_rcpt_params();
	test_params_out();
	test_plan_cases();
	test_plan_generated();
	test_plan_large();
	test_header_limits();
	return done_testing();
}

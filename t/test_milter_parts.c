/*
 * test_milter_parts - the milter's plain-C parts: the body spool (memory,
 * then a 0600 file, removed however the message ends), header hygiene and
 * the ESMTP parameters a re-injected copy keeps.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter/esmtp_params.h"
#include "milter/hygiene.h"
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

	spool_init(&s, dir, 4096);
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

	spool_init(&s, dir, 0);
	ok(spool_append(&s, "x", 1) == 0 && spool_on_disk(&s),
	    "a zero limit spools from the first byte");
	spool_discard(&s);

	spool_init(&s, dir, 100);
	ok(reads_back(&s, (const unsigned char *)"", 0),
	    "an empty body reads back empty");
	ok(spool_append(&s, "plain text\r\n", 12) == 0 && !s.eightbit,
	    "7-bit text: eightbit stays false");
	ok(spool_append(&s, "Gr\xc3\xbc\xc3\x9f\r\n", 8) == 0 && s.eightbit,
	    "a byte above 0x7f sets eightbit");
	spool_discard(&s);
	ok(!s.eightbit, "discard clears eightbit");

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

	spool_init(&s, "/nonexistent/gatewarden-spool", 10);
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

int
main(void)
{
	plan_lazy();
	test_spool();
	test_hygiene();
	test_mail_params();
	test_rcpt_params();
	test_params_out();
	return done_testing();
}

/*
 * test_milter_parts - the milter's plain-C parts: the body spool (memory,
 * then a 0600 file, removed however the message ends) and header hygiene.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	spool_discard(&s);

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

int
main(void)
{
	plan_lazy();
	test_spool();
	test_hygiene();
	return done_testing();
}

/*
 * test_units - sizes, durations, CIDR blocks, log values and the stderr
 * mirror beside the journal (lib/).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cidr.h"
#include "lib/log.h"
#include "lib/units.h"
#include "t/tap.h"

static void
test_sizes(void)
{
	static const struct {
		const char *in;
		bool	ok;
		uint64_t want;
	} cases[] = {
		{ "4096", true, 4096 },
		{ "512MiB", true, 512ULL << 20 },
		{ "20MB", true, 20000000 },
		{ "20 MB", true, 20000000 },
		{ "1GiB", true, 1ULL << 30 },
		{ "3kB", true, 3000 },
		{ "-1", false, 0 },
		{ "12XB", false, 0 },
		{ "MiB", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "18446744073709551615TiB", false, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = 0;
		const char *why = NULL;
		bool	r = units_parse_size(cases[i].in, &got, &why);

		if (cases[i].ok)
			is_uint(r ? got : ~0ULL, cases[i].want, "size %s",
			    cases[i].in);
		else
			ok(!r && why != NULL, "size %s refused (%s)",
			    cases[i].in, why ? why : "no reason");
	}
}

static void
test_durations(void)
{
	static const struct {
		const char *in;
		bool	ok;
		uint64_t want;
	} cases[] = {
		{ "30", true, 30 },
		{ "30s", true, 30 },
		{ "5m", true, 300 },
		{ "48h", true, 172800 },
		{ "1h30m", true, 5400 },
		{ "7d", true, 604800 },
		{ "2w", true, 1209600 },
		{ "", false, 0 },
		{ "-5s", false, 0 },
		{ "5y", false, 0 },
		{ "h", false, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = 0;
		const char *why = NULL;
		bool	r = units_parse_duration(cases[i].in, &got, &why);

		if (cases[i].ok)
			is_uint(r ? got : ~0ULL, cases[i].want, "duration %s",
			    cases[i].in);
		else
			ok(!r && why != NULL, "duration \"%s\" refused (%s)",
			    cases[i].in, why ? why : "no reason");
	}
}

static void
test_cidr(void)
{
	static const struct {
		const char *block;
		const char *addr;
		bool	in;
	} cases[] = {
		{ "192.0.2.0/24", "192.0.2.0", true },
		{ "192.0.2.0/24", "192.0.2.255", true },
		{ "192.0.2.0/24", "192.0.3.0", false },
		{ "192.0.2.0/24", "192.0.1.255", false },
		{ "192.0.2.0/24", "::ffff:192.0.2.7", true },
		{ "192.0.2.0/24", "IPv6:::ffff:192.0.2.7", true },
		{ "192.0.2.128/25", "192.0.2.127", false },
		{ "192.0.2.128/25", "192.0.2.128", true },
		{ "10.0.0.0/7", "11.255.255.255", true },
		{ "10.0.0.0/7", "12.0.0.0", false },
		{ "0.0.0.0/0", "203.0.113.9", true },
		{ "0.0.0.0/0", "2001:db8::1", false },
		{ "2001:db8::/32", "2001:db8:ffff::1", true },
		{ "2001:db8::/32", "2001:db9::1", false },
		{ "2001:db8::/32", "IPv6:2001:db8::5", true },
		{ "::/0", "192.0.2.1", true },
		{ "198.51.100.7", "198.51.100.7", true },
		{ "198.51.100.7", "198.51.100.8", false },
		{ "[::1]", "::1", true },
	};
	static const char *const bad[] = {
		"192.0.2.1/24", "192.0.2.0/33", "2001:db8::/129", "example.com",
		"192.0.2.0/", "192.0.2.0/x", "",
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cidr c;
		unsigned char a[16];
		const char *why;
		bool	parsed = cidr_parse(cases[i].block, &c, &why) &&
		    cidr_parse_addr(cases[i].addr, a);

		ok(parsed && cidr_contains(&c, a) == cases[i].in,
		    "%s %s %s", cases[i].addr, cases[i].in ? "in" : "not in",
		    cases[i].block);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cidr c;
		const char *why = NULL;
		bool	refused = !cidr_parse(bad[i], &c, &why);

		ok(refused && why,
		    "\"%s\" refused (%s)", bad[i], why ? why : "no reason");
	}
	{
		struct cidr outer, inner;
		const char *why;

		cidr_parse("10.0.0.0/8", &outer, &why);
		cidr_parse("10.1.0.0/16", &inner, &why);
		ok(cidr_covers(&outer, &inner), "10.0.0.0/8 covers 10.1.0.0/16");
		ok(!cidr_covers(&inner, &outer), "10.1.0.0/16 does not cover 10.0.0.0/8");
	}
}

static void
test_log_value(void)
{
	char	buf[64], small[16];

	is_string(log_value(buf, sizeof(buf), "plain"), "plain", "plain value");
	is_string(log_value(buf, sizeof(buf), "two words"), "\"two words\"",
	    "value with a space is quoted");
	is_string(log_value(buf, sizeof(buf), "a\r\nb\"c"), "a\\x0d\\x0ab\\\"c",
	    "control characters and quotes escaped");
	is_string(log_value(buf, sizeof(buf), ""), "\"\"", "empty value");
	log_value(small, sizeof(small), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ok(strlen(small) < sizeof(small) && strstr(small, "...") != NULL,
	    "long value truncated with ... (%s)", small);
}

/* log_open() with stderr mirrored, stderr a file; JOURNAL_STREAM names
 * that file (as systemd names the journal's stream) or another one; the
 * bytes that one line leaves in the file. */
static long
mirrored_bytes(const char *journal_stream)
{
	char	path[] = "/tmp/test_units.XXXXXX";
	int	fd, saved;
	struct stat st;
	char	name[64];

	if ((fd = mkstemp(path)) == -1 || (saved = dup(STDERR_FILENO)) == -1)
		return -1;
	unlink(path);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	if (journal_stream == NULL) {
		fstat(fd, &st);
		snprintf(name, sizeof(name), "%llu:%llu",
		    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
		journal_stream = name;
	}
	setenv("JOURNAL_STREAM", journal_stream, 1);
	log_open("test_units", LOG_USER, 1, 1);
	log_info("a line for stderr, or not");
	log_close();
	unsetenv("JOURNAL_STREAM");
	dup2(saved, STDERR_FILENO);
	close(saved);
	fstat(fd, &st);
	close(fd);
	return (long)st.st_size;
}

static void
test_log_journal(void)
{
	ok(mirrored_bytes("1:2") > 0,
	    "stderr that is not the journal gets the mirror");
	ok(mirrored_bytes("1:2:3") > 0, "a malformed JOURNAL_STREAM is ignored");
	is_int(mirrored_bytes(NULL), 0,
	    "stderr that is the journal does not: syslog lines reach it already");
}

int
main(void)
{
	plan_lazy();
	test_sizes();
	test_durations();
	test_cidr();
	test_log_value();
	test_log_journal();
	return done_testing();
}

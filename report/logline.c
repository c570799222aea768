/*
 * logline - see logline.h.
 */
#include "config.h"

#include <string.h>

#include "report/logline.h"

void
year_guess_init(struct year_guess *g, int year, time_t now)
{
	struct tm tm;

	memset(g, 0, sizeof(*g));
	g->year = year;
	localtime_r(&now, &tm);
	g->now_year = tm.tm_year + 1900;
	g->now_mon = tm.tm_mon + 1;
	g->now_mday = tm.tm_mday;
	g->c_year = -1;
}

static bool
digits(const char *p, size_t n, int *out)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so that UTC times need neither TZ nor timegm(). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "2026-12-02T13:42:21[.123456](Z|+01:00)"; *end past it. */
static bool
parse_rfc3339(const char *p, size_t len, int64_t *t, size_t *end)
{
	int	y, mo, d, h, mi, s, oh = 0, om = 0;
	size_t	i = 19;
	int64_t	off = 0;

	if (len < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' &&
	    p[10] != ' ') || p[13] != ':' || p[16] != ':' ||
	    !digits(p, 4, &y) || !digits(p + 5, 2, &mo) ||
	    !digits(p + 8, 2, &d) || !digits(p + 11, 2, &h) ||
	    !digits(p + 14, 2, &mi) || !digits(p + 17, 2, &s) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return false;
	if (p[i] == '.' || p[i] == ',')
		for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			;
	if (i < len && p[i] == 'Z')
		i++;
	else if (i + 6 <= len && (p[i] == '+' || p[i] == '-') &&
	    p[i + 3] == ':' && digits(p + i + 1, 2, &oh) &&
	    digits(p + i + 4, 2, &om)) {
		off = (oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1);
		i += 6;
	} else
		return false;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
	*end = i;
	return true;
}

static int
month_of(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int	i;

	for (i = 0; i < 12; i++)
		if (memcmp(p, names + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

/* Local time of a stamp without a year. */
static int64_t
local_time(struct year_guess *g, int mon, int mday, int h, int mi, int s)
{
	int	y = g->year;

	if (y <= 0) {
		y = g->now_year;
		/* Later than tomorrow this year: it was last year. */
		if (mon * 32 + mday > g->now_mon * 32 + g->now_mday + 1)
			y--;
	}
	if (y != g->c_year || mon != g->c_mon || mday != g->c_mday ||
	    h != g->c_hour) {
		struct tm tm = { 0 };

		tm.tm_year = y - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = mday;
		tm.tm_hour = h;
		tm.tm_isdst = -1;
		g->c_base = (int64_t)mktime(&tm);
		g->c_year = y;
		g->c_mon = mon;
		g->c_mday = mday;
		g->c_hour = h;
	}
	return g->c_base + mi * 60 + s;
}

/* "Dec  2 13:42:21" or "Dec 02 13:42:21"; *end past it. */
static bool
parse_traditional(const char *p, size_t len, struct year_guess *g,
    int64_t *t, size_t *end)
{
	int	mon, mday, h, mi, s;

	if (len < 16 || p[3] != ' ' || (mon = month_of(p)) == 0 ||
	    p[6] != ' ' || p[9] != ':' || p[12] != ':' ||
	    !digits(p + 7, 2, &h) || !digits(p + 10, 2, &mi) ||
	    !digits(p + 13, 2, &s) || h > 23 || mi > 59 || s > 60)
		return false;
	if (p[4] == ' ') {
		if (!digits(p + 5, 1, &mday))
			return false;
	} else if (!digits(p + 4, 2, &mday))
		return false;
	if (mday < 1 || mday > 31)
		return false;
	*t = local_time(g, mon, mday, h, mi, s);
	*end = 15;
	return true;
}

/* "name[pid]:" or "name:" at p (up to the first space); true with the
 * parts set, the message starting after ": ". */
static bool
parse_tag(const char *p, size_t len, struct logline *l)
{
	const char *sp = memchr(p, ' ', len), *br, *colon;
	size_t	n = sp ? (size_t)(sp - p) : len;
	int	pid;

	if (n < 2 || p[n - 1] != ':')
		return false;
	colon = p + n - 1;
	br = memchr(p, '[', n);
	l->prog = p;
	if (br != NULL && colon[-1] == ']') {
		l->proglen = (size_t)(br - p);
		if (colon - br - 2 <= 0 || colon - br - 2 > 9 ||
		    !digits(br + 1, (size_t)(colon - br - 2), &pid))
			return false;
		l->pid = pid;
	} else {
		l->proglen = n - 1;
		l->pid = -1;
	}
	if (l->proglen == 0)
		return false;
	l->msg = sp ? sp + 1 : p + len;
	l->msglen = (size_t)(p + len - l->msg);
	return true;
}

bool
logline_parse(const char *line, size_t len, struct year_guess *g,
    struct logline *l)
{
	size_t	i, end;
	const char *p, *sp;

	memset(l, 0, sizeof(*l));
	if (!parse_traditional(line, len, g, &l->t, &end) &&
	    !parse_rfc3339(line, len, &l->t, &end))
		return false;
	for (i = end; i < len && line[i] == ' '; i++)
		;
	p = line + i;
	len -= i;
	if (parse_tag(p, len, l))
		return true;	/* no host: syslog(3)'s own form */
	if ((sp = memchr(p, ' ', len)) == NULL || sp == p)
		return false;
	l->host = p;
	l->hostlen = (size_t)(sp - p);
	return parse_tag(sp + 1, len - l->hostlen - 1, l);
}

bool
logline_prog_is(const struct logline *l, const char *prog)
{
	size_t	n = strlen(prog);

	if (l->proglen == n)
		return memcmp(l->prog, prog, n) == 0;
	return l->proglen > n && l->prog[l->proglen - n - 1] == '/' &&
	    memcmp(l->prog + l->proglen - n, prog, n) == 0;
}

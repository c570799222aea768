/*
 * gatewarden-report - what the gateway did, from the mail log: an HTML
 * page with charts (default), --text for a cron mail, --json for tools.
 *
 * main() reads the options, the configuration (for the destinations'
 * policy and the key store; -c FILE, else the default file when there is
 * one), then every log named (plain or gzip; none or "-": standard
 * input) line by line into the counts (stats.h), the key store's part
 * (keys.h), and writes the report (output.h) to standard output or
 * atomically to -o FILE. Exit status: 0; 1 when an input could not be
 * read in full (the report is written all the same, and says so); 2 for
 * a usage, configuration or output error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/config.h"
#include "lib/log.h"
#include "lib/units.h"
#include "report/input.h"
#include "report/keys.h"
#include "report/logline.h"
#include "report/output.h"
#include "report/stats.h"
#include "report/view.h"

enum format { FMT_HTML, FMT_TEXT, FMT_JSON };

struct options {
	const char	*config, *keystore, *out, *title;
	int64_t		since, until;
	int		year;
	unsigned	days;
	enum format	format;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gatewarden-report [options] [LOG...]\n"
	    "  LOG                  mail logs, plain or gzip; none or -: stdin\n"
	    "  -c FILE              configuration (default %s, when present)\n"
	    "  --keystore PATH      the key store (default: the configuration's)\n"
	    "  --since WHEN         only lines from WHEN on\n"
	    "  --until WHEN         only lines before WHEN\n"
	    "                       WHEN: 2026-12-01, 2026-12-01T08:00[:SS][Z|+01:00]\n"
	    "                       (local time without a zone), or 24h, 7d: ago\n"
	    "  --year YYYY          the year of time stamps that have none\n"
	    "  --expiring-within N  certificates expiring within N days (30)\n"
	    "  --html | --text | --json   the form (default --html)\n"
	    "  -o FILE              write to FILE (atomically) instead of stdout\n"
	    "  --title TEXT         the report's title\n"
	    "  -h, --help           this help\n", CONFIG_DEFAULT_PATH);
}

/* WHEN: an absolute date and time, or a duration before now. */
static bool
parse_when(const char *s, time_t now, int64_t *t)
{
	struct tm tm = { 0 };
	int	y, mo, d, h = 0, mi = 0, sec = 0, oh, om, n = 0, used;
	uint64_t ago;
	const char *why, *rest;

	if (units_parse_duration(s, &ago, &why)) {
		*t = (int64_t)now - (int64_t)ago;
		return true;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return false;
	rest = s + n;
	if ((*rest == 'T' || *rest == ' ') &&
	    sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &used) == 2) {
		rest += 1 + used;
		if (*rest == ':' && sscanf(rest + 1, "%2d%n", &sec, &used) == 1)
			rest += 1 + used;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (*rest == '\0') {
		tm.tm_isdst = -1;
		*t = (int64_t)mktime(&tm);
		return true;
	}
	if (strcmp(rest, "Z") == 0) {
		*t = (int64_t)timegm(&tm);
		return true;
	}
	if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6 &&
	    sscanf(rest + 1, "%2d:%2d", &oh, &om) == 2) {
		*t = (int64_t)timegm(&tm) - (rest[0] == '-' ? -1 : 1) *
		    (oh * 3600 + om * 60);
		return true;
	}
	return false;
}

static bool
parse_options(int argc, char **argv, struct options *o, time_t now)
{
	enum { O_KEYSTORE = 256, O_SINCE, O_UNTIL, O_YEAR, O_EXPIRING, O_HTML,
	    O_TEXT, O_JSON, O_TITLE };
	static const struct option longopts[] = {
		{ "keystore", required_argument, NULL, O_KEYSTORE },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "year", required_argument, NULL, O_YEAR },
		{ "expiring-within", required_argument, NULL, O_EXPIRING },
		{ "html", no_argument, NULL, O_HTML },
		{ "text", no_argument, NULL, O_TEXT },
		{ "json", no_argument, NULL, O_JSON },
		{ "title", required_argument, NULL, O_TITLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	long	v;
	int	ch;

	while ((ch = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case O_KEYSTORE:
			o->keystore = optarg;
			break;
		case O_SINCE:
		case O_UNTIL:
			if (!parse_when(optarg, now, ch == O_SINCE ? &o->since :
			    &o->until)) {
				fprintf(stderr, "gatewarden-report: --%s %s: write "
				    "2026-12-01, 2026-12-01T08:00, "
				    "2026-12-01T08:00:00Z or a duration such "
				    "as 24h\n", ch == O_SINCE ? "since" :
				    "until", optarg);
				return false;
			}
			break;
		case O_YEAR:
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1970 || v > 9999) {
				fprintf(stderr, "gatewarden-report: --year %s: "
				    "write a year such as 2026\n", optarg);
				return false;
			}
			o->year = (int)v;
			break;
		case O_EXPIRING:
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 0 || v > 36500) {
				fprintf(stderr, "gatewarden-report: "
				    "--expiring-within %s: write a number of "
				    "days\n", optarg);
				return false;
			}
			o->days = (unsigned)v;
			break;
		case O_HTML:
			o->format = FMT_HTML;
			break;
		case O_TEXT:
			o->format = FMT_TEXT;
			break;
		case O_JSON:
			o->format = FMT_JSON;
			break;
		case O_TITLE:
			o->title = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return false;
		}
	}
	if (o->since >= o->until) {
		fprintf(stderr, "gatewarden-report: --since is not before "
		    "--until\n");
		return false;
	}
	return true;
}

/* The configuration: -c FILE, else the default one when it exists.
 * *cfg stays NULL without one; false on errors (printed). */
static bool
load_config(const char *path, struct config **cfg)
{
	struct diags d = { 0 };
	struct stat st;

	*cfg = NULL;
	if (path == NULL) {
		if (stat(CONFIG_DEFAULT_PATH, &st) != 0)
			return true;
		path = CONFIG_DEFAULT_PATH;
	}
	*cfg = config_load(path, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	if (*cfg == NULL) {
		fprintf(stderr, "gatewarden-report: %s: configuration has "
		    "errors\n", path);
		return false;
	}
	return true;
}

/* Reads one log into st; false when it could not be read in full. */
static bool
read_log(struct stats *st, const char *path, struct year_guess *g)
{
	struct input *in;
	struct logline l;
	const char *line;
	char	err[512];
	size_t	len;
	int	rc;

	if ((in = input_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gatewarden-report: %s\n", err);
		st->input_errors++;
		return false;
	}
	while ((rc = input_next(in, &line, &len)) == 1) {
		st->lines++;
		if (!logline_parse(line, len, g, &l))
			st->unparsed++;
		else
			stats_line(st, &l);
	}
	st->long_lines += input_long_lines(in);
	if (rc < 0) {
		fprintf(stderr, "gatewarden-report: %s: %s (the report "
		    "counts the lines before)\n", strcmp(path, "-") == 0 ?
		    "standard input" : path, input_error(in));
		st->input_errors++;
	}
	input_close(in);
	return rc == 0;
}

/* Writes the report into a temporary file beside path, then renames it,
 * so that a web server or a mailer never reads half a report. */
static bool
write_report(const struct options *o, const struct view *v,
    const struct out_opts *oo)
{
	char	tmp[PATH_MAX];
	FILE	*fp = stdout;
	bool	okay;
	int	fd = -1;

	if (o->out != NULL) {
		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->out) >=
		    (int)sizeof(tmp) || (fd = mkstemp(tmp)) == -1 ||
		    (fp = fdopen(fd, "w")) == NULL) {
			fprintf(stderr, "gatewarden-report: %s: %s\n", o->out,
			    strerror(errno));
			if (fd != -1) {
				close(fd);
				unlink(tmp);
			}
			return false;
		}
		(void)fchmod(fd, 0644);
	}
	okay = o->format == FMT_JSON ? out_json(fp, v, oo) :
	    o->format == FMT_TEXT ? out_text(fp, v, oo) : out_html(fp, v, oo);
	if (o->out == NULL) {
		if (!okay)
			fprintf(stderr, "gatewarden-report: standard output: "
			    "%s\n", strerror(errno));
		return okay;
	}
	if (fclose(fp) != 0)
		okay = false;
	if (!okay || rename(tmp, o->out) != 0) {
		fprintf(stderr, "gatewarden-report: %s: %s\n", o->out,
		    strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct out_opts oo = { 0 };
	struct config *cfg = NULL;
	struct year_guess g;
	struct stats *st;
	struct view *v;
	time_t	now = time(NULL);
	bool	complete = true, written;
	int	i;

	log_open("gatewarden-report", 0, 1, 0);
	o.since = INT64_MIN;
	o.until = INT64_MAX;
	o.days = 30;
	o.title = "gatewarden report";
	if (!parse_options(argc, argv, &o, now))
		return 2;
	if (!load_config(o.config, &cfg))
		return 2;
	year_guess_init(&g, o.year, now);
	st = stats_new(o.since, o.until);
	if (o.since != INT64_MIN)
		timeline_cover(st->tl, o.since);
	if (o.until != INT64_MAX)
		timeline_cover(st->tl, o.until - 1);
	if (optind == argc)
		complete = read_log(st, "-", &g);
	for (i = optind; i < argc; i++)
		if (!read_log(st, argv[i], &g))
			complete = false;
	stats_finish(st);
	keys_read(st, cfg, o.keystore ? o.keystore : cfg ? cfg->smime.keystore :
	    NULL, (int64_t)now, o.days);
	v = view_new(st, cfg);
	oo.now = (int64_t)now;
	oo.expiring_days = o.days;
	oo.title = o.title;
	written = write_report(&o, v, &oo);
	view_free(v);
	stats_free(st);
	config_unref(cfg);
	if (!written)
		return 2;
	return complete ? 0 : 1;
}

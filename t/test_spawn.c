/*
 * test_spawn - dane/spawn.h: a program's status comes back, and with a
 * time limit a program that never ends (a hung sendmail), even one that
 * never reads its input, is killed and reported, and the caller returns
 * once the limit has passed and within it plus a generous margin for a
 * loaded machine.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dane/spawn.h"
#include "t/tap.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct {
	const char	*name;
	const char	*script;
	unsigned	limit;
	size_t		input;		/* bytes of input to write */
	int		want_rc;
	const char	*want_err;	/* a substring; NULL: no message */
} cases[] = {
	{ "exits 0", "cat >/dev/null", 0, 100, 0, NULL },
	{ "exits 0 within its limit", "cat >/dev/null", 5, 100, 0, NULL },
	{ "exit status 3", "exit 3", 0, 0, -1, "exited with status 3" },
	{ "hangs: killed at the limit", "exec sleep 60", 1, 100, -1,
	    "did not finish within 1 s: killed" },
	{ "hangs without reading 1 MB of input: killed", "exec sleep 60", 1,
	    1 << 20, -1, "did not finish within 1 s: killed" },
	{ "killed by a signal of its own", "kill -9 $$", 5, 0, -1,
	    "killed by signal 9" },
};

int
main(void)
{
	size_t	i;

	plan(2 * (sizeof(cases) / sizeof(cases[0])));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	*argv[] = { "/bin/sh", "-c", (char *)cases[i].script,
		    NULL };
		char	*input = NULL, *err = NULL;
		double	t0 = now(), took;
		int	rc;

		if (cases[i].input > 0) {
			input = malloc(cases[i].input + 1);
			memset(input, 'x', cases[i].input);
			input[cases[i].input] = '\0';
		}
		rc = spawn_run_limited(argv, input, cases[i].limit, &err);
		took = now() - t0;
		is_int(rc, cases[i].want_rc, "%s: status", cases[i].name);
		if (cases[i].want_err == NULL)
			ok(err == NULL, "%s: no message (got %s)",
			    cases[i].name, err ? err : "none");
		else
			ok(err != NULL && strstr(err, cases[i].want_err) &&
			    (strstr(cases[i].want_err, "did not finish") == NULL ||
			    (took >= cases[i].limit &&
			    took < cases[i].limit + 20)),
			    "%s: \"%s\" after %.1f s", cases[i].name,
			    err ? err : "(none)", took);
		free(err);
		free(input);
	}
	return done_testing();
}

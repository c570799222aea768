/*
 * test_policy_churn - the key-churn memory (policy/key_churn.h) on a
 * fixed clock: the first update of a domain is quiet, a second within
 * the window alerts and names both, one after the window does not,
 * domains are apart and case-blind, and memory stays bounded.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/key_churn.h"
#include "t/tap.h"

#define H	3600
#define WINDOW	(48 * H)

struct step {
	const char	*domain, *address, *fp;
	int64_t		at;
	bool		alert;
};

static const struct {
	const char	*name;
	struct step	steps[4];
	size_t		nsteps;
} cases[] = {
	{ "one update: no alert",
	    { { "partner.test", "a@partner.test", "f1", 0, false } }, 1 },
	{ "second update within 48h: alert",
	    { { "partner.test", "a@partner.test", "f1", 0, false },
	      { "partner.test", "b@partner.test", "f2", 47 * H, true } }, 2 },
	{ "second update after 48h: no alert",
	    { { "partner.test", "a@partner.test", "f1", 0, false },
	      { "partner.test", "a@partner.test", "f2", 49 * H, false } }, 2 },
	{ "other domains do not count",
	    { { "partner.test", "a@partner.test", "f1", 0, false },
	      { "other.test", "a@other.test", "f2", H, false } }, 2 },
	{ "domains compare without case",
	    { { "Partner.TEST", "a@partner.test", "f1", 0, false },
	      { "partner.test", "a@partner.test", "f2", H, true } }, 2 },
	{ "third update alerts too",
	    { { "p.test", "a@p.test", "f1", 0, false },
	      { "p.test", "a@p.test", "f2", H, true },
	      { "p.test", "a@p.test", "f3", 2 * H, true } }, 3 },
};

int
main(void)
{
	char	report[1024];
	size_t	i, j;

	plan_lazy();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct key_churn *kc = key_churn_new(16);

		for (j = 0; j < cases[i].nsteps; j++) {
			const struct step *s = &cases[i].steps[j];
			bool	got = key_churn_note(kc, s->domain, s->address,
			    s->fp, 1000000 + s->at, WINDOW, report,
			    sizeof(report));

			is_int(got, s->alert, "%s: step %zu", cases[i].name,
			    j + 1);
		}
		key_churn_free(kc);
	}
	{
		struct key_churn *kc = key_churn_new(4);

		key_churn_note(kc, "p.test", "a@p.test", "fp-one", 10, WINDOW,
		    report, sizeof(report));
		key_churn_note(kc, "p.test", "b@p.test", "fp-two", 20, WINDOW,
		    report, sizeof(report));
		is_string(report, "a@p.test fp-one\nb@p.test fp-two\n",
		    "the report names both addresses and fingerprints");
		/* Four other domains push p.test out of four slots. */
		for (j = 0; j < 4; j++) {
			char	d[32];

			snprintf(d, sizeof(d), "d%zu.test", j);
			key_churn_note(kc, d, "x@d.test", "f", 30 + (int64_t)j,
			    WINDOW, report, sizeof(report));
		}
		ok(!key_churn_note(kc, "p.test", "c@p.test", "fp-three", 40,
		    WINDOW, report, sizeof(report)),
		    "bounded: a domain pushed out starts again from nothing");
		key_churn_free(kc);
	}
	ok(key_churn_new(0) == NULL, "no slots: no memory");
	key_churn_free(NULL);
	return done_testing();
}

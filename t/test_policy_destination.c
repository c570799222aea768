/*
 * test_policy_destination - the destination control chosen for a
 * recipient domain: exact entry, then the longest subdomain entry, then
 * the default.
 */
#include "config.h"

#include <string.h>

#include "policy/destination.h"
#include "t/tap.h"

int
main(void)
{
	static struct destination entries[] = {
		{ .domain = "bank.test", .subdomains = false, .dane = DANE_MANDATORY },
		{ .domain = "partner.test", .subdomains = true, .tls = DTLS_REQUIRED_VERIFY },
		{ .domain = "eu.partner.test", .subdomains = true, .tls = DTLS_REQUIRED },
		{ .domain = "partner.test", .subdomains = false, .tls = DTLS_PREFERRED_VERIFY },
	};
	static const struct {
		const char *domain;
		int	want;	/* index in entries, -1 for the default */
	} cases[] = {
		{ "bank.test", 0 },
		{ "BANK.Test", 0 },
		{ "bank.test.", 0 },
		{ "mx.bank.test", -1 },		/* exact entry: not subdomains */
		{ "evilbank.test", -1 },
		{ "partner.test", 3 },		/* exact beats the suffix entry */
		{ "mx.partner.test", 1 },
		{ "a.b.partner.test", 1 },
		{ "mx.eu.partner.test", 2 },	/* longest suffix wins */
		{ "eu.partner.test", 1 },	/* strict subdomains only */
		{ "notpartner.test", -1 },
		{ "", -1 },
		{ "test", -1 },
	};
	struct config cfg;
	size_t	i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.destinations.domains = entries;
	cfg.destinations.ndomains = sizeof(entries) / sizeof(entries[0]);
	plan(sizeof(cases) / sizeof(cases[0]));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct destination *got =
		    destination_for_domain(&cfg, cases[i].domain);
		long long got_index = got == &cfg.destinations.def ? -1 :
		    (long long)(got - entries);

		is_int(got_index, cases[i].want, "\"%s\" -> %s",
		    cases[i].domain, cases[i].want < 0 ? "default" :
		    entries[cases[i].want].domain);
	}
	return done_testing();
}

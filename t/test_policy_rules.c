/*
 * test_policy_rules - the S/MIME sending rule chosen for a message: first
 * match wins; every condition of a rule must hold, any item of a list will
 * do.
 */
#include "config.h"

#include <string.h>

#include "policy/sending_rule.h"
#include "t/tap.h"

static char *internal_groups[] = { "internal" };
static struct name_pattern partner_domains[] = {
	{ "partner.test", false }, { "partner.test", true },
};
static struct name_pattern example_domain[] = { { "example.com", false } };
static struct name_pattern ceo[] = { { "ceo@example.com", false } };
static struct header_condition confidential[] = {
	{ "Subject", "confidential" },
};
static struct header_condition sensitivity[] = {
	{ "Sensitivity", "Company-Confidential" }, { "X-Class", NULL },
};

static struct sending_rule rules[] = {
	{ .name = "partner-confidential", .sender_groups = internal_groups,
	  .nsender_groups = 1, .recipient_domains = partner_domains,
	  .nrecipient_domains = 2, .headers = confidential, .nheaders = 1,
	  .max_size = 1000, .profile = "p1" },
	{ .name = "ceo", .senders = ceo, .nsenders = 1, .profile = "p2" },
	{ .name = "sensitivity", .headers = sensitivity, .nheaders = 2,
	  .sender_domains = example_domain, .nsender_domains = 1,
	  .min_size = 10, .profile = "p3" },
};

int
main(void)
{
	static const char *to_partner[] = { "<x@gmail.test>", "<bob@mx.partner.test>" };
	static const char *to_gmail[] = { "<x@gmail.test>" };
	static const char *to_evil[] = { "<x@evilpartner.test>" };
	static const struct rule_header subj[] = { { "subject", "Re: CONFIDENTIAL plans" } };
	static const struct rule_header plain[] = { { "Subject", "lunch" } };
	static const struct rule_header sens[] = {
		{ "Sensitivity", "company-confidential" }, { "x-class", "" },
	};
	static const struct rule_header sens_half[] = {
		{ "Sensitivity", "company-confidential" },
	};
	static const struct {
		const char *name;
		struct rule_message m;
		const char *want;	/* rule name, NULL for none */
	} cases[] = {
		{ "internal, partner recipient, confidential subject",
		  { "internal", "<a@example.com>", to_partner, 2, subj, 1, 500 },
		  "partner-confidential" },
		{ "same but too large: falls through to no rule",
		  { "internal", "<a@example.com>", to_partner, 2, subj, 1, 1001 },
		  NULL },
		{ "same but another group",
		  { "internet", "<a@example.com>", to_partner, 2, subj, 1, 500 },
		  NULL },
		{ "no partner recipient",
		  { "internal", "<a@example.com>", to_gmail, 1, subj, 1, 500 },
		  NULL },
		{ "a domain that merely ends in partner.test",
		  { "internal", "<a@example.com>", to_evil, 1, subj, 1, 500 },
		  NULL },
		{ "subject without the word",
		  { "internal", "<a@example.com>", to_partner, 2, plain, 1, 500 },
		  NULL },
		{ "the CEO, any message (sender case-insensitive)",
		  { "internal", "<CEO@Example.COM>", to_gmail, 1, plain, 1, 5 },
		  "ceo" },
		{ "the CEO writing confidentially to a partner: first rule wins",
		  { "internal", "<ceo@example.com>", to_partner, 2, subj, 1, 5 },
		  "partner-confidential" },
		{ "both header conditions hold",
		  { "internal", "<a@example.com>", to_gmail, 1, sens, 2, 50 },
		  "sensitivity" },
		{ "only one of two header conditions",
		  { "internal", "<a@example.com>", to_gmail, 1, sens_half, 1, 50 },
		  NULL },
		{ "header conditions but below min_size",
		  { "internal", "<a@example.com>", to_gmail, 1, sens, 2, 9 },
		  NULL },
		{ "header conditions, sender from another domain",
		  { "internal", "<a@sub.example.com>", to_gmail, 1, sens, 2, 50 },
		  NULL },
		{ "null sender",
		  { "internal", "<>", to_gmail, 1, sens, 2, 50 }, NULL },
	};
	struct config cfg;
	size_t	i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.smime.rules = rules;
	cfg.smime.nrules = sizeof(rules) / sizeof(rules[0]);
	plan(sizeof(cases) / sizeof(cases[0]) + 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sending_rule *r = sending_rule_select(&cfg,
		    &cases[i].m);

		is_string(r ? r->name : NULL, cases[i].want, "%s", cases[i].name);
	}
	cfg.smime.nrules = 0;
	ok(sending_rule_select(&cfg, &cases[0].m) == NULL,
	    "no rules: nothing applies");
	return done_testing();
}

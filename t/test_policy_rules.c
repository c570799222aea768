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

static struct header_condition umlaut[] = { { "Subject", "\xc3\x84rger" } };
static struct header_condition phrase[] = { { "Subject", "top secret" } };

static struct sending_rule rules[] = {
	{ .name = "partner-confidential", .sender_groups = internal_groups,
	  .nsender_groups = 1, .recipient_domains = partner_domains,
	  .nrecipient_domains = 2, .headers = confidential, .nheaders = 1,
	  .max_size = 1000, .profile = "p1" },
	{ .name = "ceo", .senders = ceo, .nsenders = 1, .profile = "p2" },
	{ .name = "sensitivity", .headers = sensitivity, .nheaders = 2,
	  .sender_domains = example_domain, .nsender_domains = 1,
	  .min_size = 10, .profile = "p3" },
	{ .name = "umlaut", .headers = umlaut, .nheaders = 1, .profile = "p4" },
	{ .name = "phrase", .headers = phrase, .nheaders = 1, .profile = "p5" },
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
	/* What MUAs really send: RFC 2047 words, folded lines. */
	static const struct rule_header subj_q[] = {
		{ "Subject", "=?UTF-8?Q?Re:_=43ONFIDENTIAL_pl=C3=A4ne?=" } };
	static const struct rule_header subj_b[] = {
		{ "Subject", "=?utf-8?B?Q29uZmlkZW50aWFsOiBRMyBudW1iZXJz?=" } };
	static const struct rule_header subj_latin1[] = {
		{ "Subject", "=?ISO-8859-1?Q?=C4RGER_=C4rger?=" } };
	static const struct rule_header subj_split[] = {
		{ "Subject", "=?UTF-8?Q?Confi?=\n =?UTF-8?B?ZGVudGlhbA==?=" } };
	static const struct rule_header subj_folded[] = {
		{ "Subject", "Quarterly: Top\r\n\tSecret\r\n report" } };
	static const struct rule_header subj_mixed[] = {
		{ "Subject", "Fwd: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the =?UTF-8?B?VG9w?= secret team" } };
	static const struct rule_header subj_bad_word[] = {
		{ "Subject", "=?x-no-such-charset?Q?confidential?=" } };
	static const struct rule_header subj_bad[] = {
		{ "Subject", "=?UTF-8?B?not*base64?= lunch" } };
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
		{ "Q-encoded subject holds the word",
		  { "internal", "<a@example.com>", to_partner, 2, subj_q, 1, 500 },
		  "partner-confidential" },
		{ "B-encoded subject holds the word",
		  { "internal", "<a@example.com>", to_partner, 2, subj_b, 1, 500 },
		  "partner-confidential" },
		{ "ISO-8859-1 word, converted to UTF-8 (non-ASCII exact)",
		  { "internal", "<a@example.com>", to_partner, 2, subj_latin1, 1,
		    500 }, "umlaut" },
		{ "the word split over two encoded words and a fold",
		  { "internal", "<a@example.com>", to_partner, 2, subj_split, 1,
		    500 }, "partner-confidential" },
		{ "folded subject: the phrase across the fold, white space as one",
		  { "internal", "<a@example.com>", to_partner, 2, subj_folded, 1,
		    500 }, "phrase" },
		{ "encoded and plain words mixed: the phrase spans both",
		  { "internal", "<a@example.com>", to_partner, 2, subj_mixed, 1,
		    500 }, "phrase" },
		{ "a broken encoded word is kept raw, and its raw text counts",
		  { "internal", "<a@example.com>", to_partner, 2, subj_bad_word, 1,
		    500 }, "partner-confidential" },
		{ "a broken encoded word stays raw: no match, no crash",
		  { "internal", "<a@example.com>", to_partner, 2, subj_bad, 1, 500 },
		  NULL },
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

/*
 * test_policy_rules - the S/MIME sending rule chosen for a message: first
 * match wins; every condition of a rule must hold, any item of a list will
 * do; a rule that signs for a sender checks that the authenticated user
 * owns it (the sender login map).
 */
#include "config.h"

#include <stdio.h>
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

/* ---- who may have their mail signed: the sender login ------------------ */

static char *alice_bob[] = { "alice", "Bob" };
static char *postmaster[] = { "postmaster" };
static char *carol[] = { "carol" };
/* Sorted by address, as the loader leaves them. */
static struct sender_login logins[] = {
	{ "@example.org", postmaster, 1, 2 },
	{ "ceo@example.org", carol, 1, 3 },
	{ "legal@example.com", alice_bob, 2, 1 },
};

static void
test_sender_login(void)
{
	static const struct {
		const char *name;
		bool	map, auth;
		const char *sender, *login;
		enum sender_login_result want;
	} cases[] = {
		{ "map: a listed login owns the address", true, true,
		  "<legal@example.com>", "alice", LOGIN_OWNED },
		{ "map: logins compare without case", true, true,
		  "<legal@example.com>", "BOB", LOGIN_OWNED },
		{ "map: addresses compare without case", true, true,
		  "<Legal@Example.COM>", "alice", LOGIN_OWNED },
		{ "map: a trailing dot of the domain is ignored", true, true,
		  "<legal@example.com.>", "alice", LOGIN_OWNED },
		{ "map: another user does not", true, true,
		  "<legal@example.com>", "mallory", LOGIN_NOT_OWNER },
		{ "map: a login that merely starts like an owner", true, true,
		  "<legal@example.com>", "alice2", LOGIN_NOT_OWNER },
		{ "map: no SMTP AUTH (an internal server forwarding)", true,
		  false, "<legal@example.com>", NULL, LOGIN_NOT_AUTHENTICATED },
		{ "map: SMTP AUTH without a usable login", true, true,
		  "<legal@example.com>", "", LOGIN_NOT_AUTHENTICATED },
		{ "map: the @domain entry owns the rest of the domain", true,
		  true, "<anyone@example.org>", "postmaster", LOGIN_OWNED },
		{ "map: the exact entry wins over @domain", true, true,
		  "<ceo@example.org>", "postmaster", LOGIN_NOT_OWNER },
		{ "map: ... and its own login owns it", true, true,
		  "<ceo@example.org>", "carol", LOGIN_OWNED },
		{ "map: a subdomain is another domain", true, true,
		  "<a@sub.example.org>", "postmaster", LOGIN_NOT_OWNER },
		{ "map: an address the map does not list has no owner", true,
		  true, "<alice@example.net>", "alice@example.net",
		  LOGIN_NOT_OWNER },
		{ "map: a source route is not the address", true, true,
		  "<@relay.test:legal@example.com>", "alice", LOGIN_OWNED },
		{ "map: a quoted local part with @ in it", true, true,
		  "<\"legal@example.com\"@example.org>", "postmaster",
		  LOGIN_OWNED },
		{ "null sender: nobody's", true, true, "<>", "alice",
		  LOGIN_NO_SENDER },
		{ "no domain: nobody's", true, true, "<legal>", "legal",
		  LOGIN_NO_SENDER },
		{ "no map: the login spelled as the address owns it", false,
		  true, "<alice@example.com>", "alice@example.com",
		  LOGIN_OWNED },
		{ "no map: without case", false, true, "<Alice@example.COM>",
		  "alice@Example.com", LOGIN_OWNED },
		{ "no map: a bare user name owns nothing", false, true,
		  "<alice@example.com>", "alice", LOGIN_NOT_OWNER },
		{ "no map: no SMTP AUTH", false, false, "<alice@example.com>",
		  "alice@example.com", LOGIN_NOT_AUTHENTICATED },
	};
	struct smime_conf sc;
	const char *rcode, *xcode, *text;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sender_login_result got;

		memset(&sc, 0, sizeof(sc));
		if (cases[i].map) {
			sc.sender_login_map = "/etc/gatewarden/sender-logins";
			sc.sender_logins = logins;
			sc.nsender_logins = sizeof(logins) / sizeof(logins[0]);
		}
		got = sender_login_check(&sc, cases[i].sender, cases[i].auth,
		    cases[i].login);
		is_string(sender_login_result_name(got),
		    sender_login_result_name(cases[i].want), "%s",
		    cases[i].name);
	}
	sender_login_reply(LOGIN_NOT_OWNER, &rcode, &xcode, &text);
	ok(strcmp(rcode, "550") == 0 && strcmp(xcode, "5.7.1") == 0 &&
	    strcmp(text, "sender address not owned by authenticated user") == 0,
	    "not the owner: 550 5.7.1 sender address not owned by "
	    "authenticated user");
	sender_login_reply(LOGIN_NOT_AUTHENTICATED, &rcode, &xcode, &text);
	ok(strcmp(rcode, "550") == 0 &&
	    strcmp(text, "sender address needs SMTP AUTH by its owner") == 0,
	    "no SMTP AUTH: 550 5.7.1 sender address needs SMTP AUTH by its "
	    "owner");
}

static struct name_pattern legal[] = { { "legal@example.com", false } };

static struct sending_rule login_rules[] = {
	{ .name = "legal-signs", .senders = legal, .nsenders = 1,
	  .profile = "sign-only", .require_sender_login = true },
	{ .name = "to-partner", .sender_groups = internal_groups,
	  .nsender_groups = 1, .recipient_domains = partner_domains,
	  .nrecipient_domains = 2, .profile = "partner-secure" },
};

static struct sending_rule relay_rules[] = {
	{ .name = "legal-via-relay", .senders = legal, .nsenders = 1,
	  .profile = "sign-only", .require_sender_login = false },
};

static void
test_rule_login(void)
{
	static const char *to_partner[] = { "<bob@partner.test>" };
	static const char *to_gmail[] = { "<x@gmail.test>" };
	static const struct {
		const char *name;
		enum login_mismatch mismatch;
		bool	relay_rules;
		struct rule_message m;
		enum rule_verdict want;
		const char *rule, *skipped, *login;
	} cases[] = {
		{ "Legal's user sends as legal@: signed", LOGIN_MISMATCH_REJECT,
		  false, { "internal", "<legal@example.com>", to_gmail, 1, NULL,
		  0, 10, true, "alice" }, RULE_APPLY, "legal-signs", NULL,
		  "owned" },
		{ "another user claims legal@: refused", LOGIN_MISMATCH_REJECT,
		  false, { "internal", "<legal@example.com>", to_gmail, 1, NULL,
		  0, 10, true, "mallory" }, RULE_REFUSE, "legal-signs", NULL,
		  "not-owner" },
		{ "an internal server forwards mail from legal@, no AUTH: "
		  "refused", LOGIN_MISMATCH_REJECT, false, { "internal",
		  "<legal@example.com>", to_gmail, 1, NULL, 0, 10, false, NULL },
		  RULE_REFUSE, "legal-signs", NULL, "not-authenticated" },
		{ "skip: the forgery falls through to no rule",
		  LOGIN_MISMATCH_SKIP, false, { "internal", "<legal@example.com>",
		  to_gmail, 1, NULL, 0, 10, true, "mallory" }, RULE_NONE, NULL,
		  "legal-signs", "not-owner" },
		{ "skip: ... or to the next rule that holds",
		  LOGIN_MISMATCH_SKIP, false, { "internal", "<legal@example.com>",
		  to_partner, 1, NULL, 0, 10, false, NULL }, RULE_APPLY,
		  "to-partner", "legal-signs", "not-authenticated" },
		{ "a rule without the requirement needs no AUTH",
		  LOGIN_MISMATCH_REJECT, false, { "internal", "<a@example.com>",
		  to_partner, 1, NULL, 0, 10, false, NULL }, RULE_APPLY,
		  "to-partner", NULL, "owned" },
		{ "a rule that says so signs forwarded mail",
		  LOGIN_MISMATCH_REJECT, true, { "internal",
		  "<legal@example.com>", to_gmail, 1, NULL, 0, 10, false, NULL },
		  RULE_APPLY, "legal-via-relay", NULL, "owned" },
		{ "a rule that does not hold checks nothing",
		  LOGIN_MISMATCH_REJECT, false, { "internal", "<b@example.com>",
		  to_gmail, 1, NULL, 0, 10, true, "mallory" }, RULE_NONE, NULL,
		  NULL, "owned" },
	};
	static const char *verdicts[] = { "none", "apply", "refuse" };
	struct config cfg;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule_choice c;
		char	got[256], want[256];

		memset(&cfg, 0, sizeof(cfg));
		cfg.smime.sender_login_map = "/etc/gatewarden/sender-logins";
		cfg.smime.sender_logins = logins;
		cfg.smime.nsender_logins = sizeof(logins) / sizeof(logins[0]);
		cfg.smime.sender_login_mismatch = cases[i].mismatch;
		cfg.smime.rules = cases[i].relay_rules ? relay_rules :
		    login_rules;
		cfg.smime.nrules = cases[i].relay_rules ? 1 : 2;
		sending_rule_choose(&cfg, &cases[i].m, &c);
		snprintf(got, sizeof(got), "%s rule=%s skipped=%s login=%s",
		    verdicts[c.verdict], c.rule ? c.rule->name : "-",
		    c.skipped ? c.skipped->name : "-",
		    sender_login_result_name(c.login));
		snprintf(want, sizeof(want), "%s rule=%s skipped=%s login=%s",
		    verdicts[cases[i].want], cases[i].rule ? cases[i].rule : "-",
		    cases[i].skipped ? cases[i].skipped : "-", cases[i].login);
		is_string(got, want, "%s", cases[i].name);
	}
}

/* A message without SMTP AUTH. */
#define M(group, sender, rcpts, nrcpts, headers, nheaders, size) \
	{ group, sender, rcpts, nrcpts, headers, nheaders, size, false, NULL }

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
		  M("internal", "<a@example.com>", to_partner, 2, subj, 1, 500),
		  "partner-confidential" },
		{ "same but too large: falls through to no rule",
		  M("internal", "<a@example.com>", to_partner, 2, subj, 1, 1001),
		  NULL },
		{ "same but another group",
		  M("internet", "<a@example.com>", to_partner, 2, subj, 1, 500),
		  NULL },
		{ "no partner recipient",
		  M("internal", "<a@example.com>", to_gmail, 1, subj, 1, 500),
		  NULL },
		{ "a domain that merely ends in partner.test",
		  M("internal", "<a@example.com>", to_evil, 1, subj, 1, 500),
		  NULL },
		{ "subject without the word",
		  M("internal", "<a@example.com>", to_partner, 2, plain, 1, 500),
		  NULL },
		{ "the CEO, any message (sender case-insensitive)",
		  M("internal", "<CEO@Example.COM>", to_gmail, 1, plain, 1, 5),
		  "ceo" },
		{ "the CEO writing confidentially to a partner: first rule wins",
		  M("internal", "<ceo@example.com>", to_partner, 2, subj, 1, 5),
		  "partner-confidential" },
		{ "both header conditions hold",
		  M("internal", "<a@example.com>", to_gmail, 1, sens, 2, 50),
		  "sensitivity" },
		{ "only one of two header conditions",
		  M("internal", "<a@example.com>", to_gmail, 1, sens_half, 1, 50),
		  NULL },
		{ "header conditions but below min_size",
		  M("internal", "<a@example.com>", to_gmail, 1, sens, 2, 9),
		  NULL },
		{ "header conditions, sender from another domain",
		  M("internal", "<a@sub.example.com>", to_gmail, 1, sens, 2, 50),
		  NULL },
		{ "null sender",
		  M("internal", "<>", to_gmail, 1, sens, 2, 50), NULL },
		{ "Q-encoded subject holds the word",
		  M("internal", "<a@example.com>", to_partner, 2, subj_q, 1, 500),
		  "partner-confidential" },
		{ "B-encoded subject holds the word",
		  M("internal", "<a@example.com>", to_partner, 2, subj_b, 1, 500),
		  "partner-confidential" },
		{ "ISO-8859-1 word, converted to UTF-8 (non-ASCII exact)",
		  M("internal", "<a@example.com>", to_partner, 2, subj_latin1, 1,
		    500), "umlaut" },
		{ "the word split over two encoded words and a fold",
		  M("internal", "<a@example.com>", to_partner, 2, subj_split, 1,
		    500), "partner-confidential" },
		{ "folded subject: the phrase across the fold, white space as one",
		  M("internal", "<a@example.com>", to_partner, 2, subj_folded, 1,
		    500), "phrase" },
		{ "encoded and plain words mixed: the phrase spans both",
		  M("internal", "<a@example.com>", to_partner, 2, subj_mixed, 1,
		    500), "phrase" },
		{ "a broken encoded word is kept raw, and its raw text counts",
		  M("internal", "<a@example.com>", to_partner, 2, subj_bad_word, 1,
		    500), "partner-confidential" },
		{ "a broken encoded word stays raw: no match, no crash",
		  M("internal", "<a@example.com>", to_partner, 2, subj_bad, 1, 500),
		  NULL },
	};
	struct config cfg;
	size_t	i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.smime.rules = rules;
	cfg.smime.nrules = sizeof(rules) / sizeof(rules[0]);
	plan_lazy();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule_choice c;

		sending_rule_choose(&cfg, &cases[i].m, &c);
		is_string(c.verdict == RULE_APPLY ? c.rule->name : NULL,
		    cases[i].want, "%s", cases[i].name);
	}
	cfg.smime.nrules = 0;
	test_sender_login();
	test_rule_login();
	{
		struct rule_choice c;

		ok(sending_rule_choose(&cfg, &cases[0].m, &c) == RULE_NONE &&
		    c.rule == NULL, "no rules: nothing applies");
	}
	return done_testing();
}

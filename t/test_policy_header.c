/*
 * test_policy_header - header values as the sending rules compare them
 * (policy/header_text.h): unfolding, RFC 2047 B and Q words in several
 * charsets, adjacent and mixed words, and broken words, which must stay
 * raw and never crash; then the case-insensitive search.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy/header_text.h"
#include "t/tap.h"

static void
test_decode(void)
{
	static const struct {
		const char *name, *raw, *want;
	} cases[] = {
		{ "plain text stays", "lunch at noon", "lunch at noon" },
		{ "empty", "", "" },
		{ "folded with CRLF and a tab", "Quarterly\r\n\treport",
		  "Quarterly report" },
		{ "folded with a bare LF (the milter's spelling)",
		  "Quarterly\n report", "Quarterly report" },
		{ "runs of white space are one space", "a  \t b", "a b" },
		{ "a control character counts as white space", "a\001b", "a b" },
		{ "Q word, UTF-8", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
		  "Gr\xc3\xbc\xc3\x9f" "e" },
		{ "Q word: underscore is a space, hex in lower case",
		  "=?utf-8?q?a_b=3d=3Dc?=", "a b==c" },
		{ "B word, UTF-8", "=?UTF-8?B?Q29uZmlkZW50aWFs?=",
		  "Confidential" },
		{ "B word, lower-case b, padding", "=?utf-8?b?YWI=?=", "ab" },
		{ "B word without its padding (lenient)", "=?utf-8?B?YWI?=",
		  "ab" },
		{ "ISO-8859-1 converted", "=?ISO-8859-1?Q?=C4rger?=",
		  "\xc3\x84rger" },
		{ "Windows-1252 euro sign", "=?windows-1252?Q?=80_5?=",
		  "\xe2\x82\xac 5" },
		{ "ISO-2022-JP (stateful) in B",
		  "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
		  "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88" },
		{ "RFC 2231 language suffix", "=?UTF-8*en?Q?hello?=", "hello" },
		{ "two adjacent words: the space between goes",
		  "=?UTF-8?Q?Confi?= =?UTF-8?Q?dential?=", "Confidential" },
		{ "adjacent words across a fold",
		  "=?UTF-8?Q?Confi?=\r\n =?UTF-8?B?ZGVudGlhbA==?=",
		  "Confidential" },
		{ "word, plain, word: the spaces stay",
		  "=?UTF-8?Q?a?= b =?UTF-8?Q?c?=", "a b c" },
		{ "plain text before and after",
		  "Fwd: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from Bob",
		  "Fwd: Gr\xc3\xbc\xc3\x9f" "e from Bob" },
		{ "a word inside other text", "x=?UTF-8?Q?y?=z", "xyz" },
		{ "decoded line breaks become a space",
		  "=?UTF-8?Q?a=0D=0Ab=00c?=", "a b c" },
		{ "unknown charset: raw", "=?x-no-such?Q?abc?=",
		  "=?x-no-such?Q?abc?=" },
		{ "bad base64: raw", "=?UTF-8?B?not*base64?= lunch",
		  "=?UTF-8?B?not*base64?= lunch" },
		{ "base64 with one character too many: raw",
		  "=?UTF-8?B?QUJDR?=", "=?UTF-8?B?QUJDR?=" },
		{ "bad Q hex: raw", "=?UTF-8?Q?=ZZ?=", "=?UTF-8?Q?=ZZ?=" },
		{ "Q '=' at the end: raw", "=?UTF-8?Q?ab=?=", "=?UTF-8?Q?ab=?=" },
		{ "invalid UTF-8 in a UTF-8 word: raw", "=?UTF-8?Q?=FF?=",
		  "=?UTF-8?Q?=FF?=" },
		{ "8-bit in us-ascii: raw", "=?us-ascii?Q?=E4?=",
		  "=?us-ascii?Q?=E4?=" },
		{ "unknown encoding X: raw", "=?UTF-8?X?abc?=",
		  "=?UTF-8?X?abc?=" },
		{ "no closing ?=: raw", "=?UTF-8?Q?abc", "=?UTF-8?Q?abc" },
		{ "a space inside the word: raw", "=?UTF-8?Q?a b?=",
		  "=?UTF-8?Q?a b?=" },
		{ "empty charset: raw", "=??Q?abc?=", "=??Q?abc?=" },
		{ "odd charset characters: raw", "=?../../etc?Q?abc?=",
		  "=?../../etc?Q?abc?=" },
		{ "an overlong charset: raw",
		  "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?Q?a?=",
		  "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?Q?a?=" },
		{ "a broken word, then a good one",
		  "=?UTF-8?B?!!?= =?UTF-8?Q?ok?=", "=?UTF-8?B?!!?= ok" },
		{ "lone =? marks", "=?=?=?", "=?=?=?" },
		{ "empty encoded text", "=?UTF-8?Q?" "?=x", "x" },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	*got = header_text_decode(cases[i].raw);

		is_string(got, cases[i].want, "decode: %s", cases[i].name);
		free(got);
	}
}

static void
test_contains(void)
{
	static const struct {
		const char *name, *text, *needle;
		bool	want;
	} cases[] = {
		{ "ASCII case-insensitive", "Re: CONFIDENTIAL plans",
		  "confidential", true },
		{ "absent", "Re: lunch", "confidential", false },
		{ "empty needle", "x", "", true },
		{ "needle longer than text", "ab", "abc", false },
		{ "non-ASCII bytes compare exactly",
		  "Gr\xc3\xbc\xc3\x9f" "e", "gr\xc3\xbc\xc3\x9f" "e", true },
		{ "non-ASCII letters are not case-folded",
		  "GR\xc3\x9c\xc3\x9f" "E", "gr\xc3\xbc\xc3\x9f" "e", false },
		{ "white space runs in the needle count as one",
		  "top secret", "top  \tsecret", true },
		{ "at the very end", "abc", "bc", true },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(header_text_contains(cases[i].text, cases[i].needle) ==
		    cases[i].want, "contains: %s: want %s", cases[i].name,
		    cases[i].want ? "true" : "false");
}

/* Every split of a long value full of near-words, and random bytes:
 * the decoder must return a string, whatever it is fed. */
static void
test_hostile(void)
{
	static const char pieces[] = "=??QqBb_=3D ?=\r\n\tA/+";
	char	buf[512];
	unsigned seed = 12345;
	size_t	i, j, lens = 0;

	for (i = 0; i < 20000; i++) {
		size_t	n = (seed = seed * 1103515245u + 12345u) % sizeof(buf);
		char	*got;

		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (seed >> 16) % 4 ? pieces[(seed >> 8) %
			    (sizeof(pieces) - 1)] : (char)(seed >> 20);
			if (buf[j] == '\0')
				buf[j] = '=';
		}
		buf[n] = '\0';
		got = header_text_decode(buf);
		lens += strlen(got);
		free(got);
	}
	ok(lens > 0, "20000 hostile values decoded without a crash");
}

int
main(void)
{
	plan_lazy();
	test_decode();
	test_contains();
	test_hostile();
	return done_testing();
}

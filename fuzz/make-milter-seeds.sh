#!/bin/sh
# make-milter-seeds - makes fuzz_milter's seed corpus (fuzz/corpus/milter/)
# from hand-written sessions and the inbound S/MIME seeds (encrypted to
# and signed for the keys fuzz_milter uses too). A maintainer's tool, run
# from the source tree:
#
#   sh fuzz/make-milter-seeds.sh
#
# Seed format: see fuzz/fuzz_milter.c (three bytes, NUL-separated fields:
# macros, HELO, MAIL FROM, recipients, headers; then the body).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/fuzz/corpus/milter
rm -rf "$out"
mkdir -p "$out"

# session NAME CLIENT FLAGS EXTRA MACROS MAIL RCPTS (";"-separated): the
# message on stdin (CRLF), cut into header fields and body.
session() {
	name=$1 client=$2 flags=$3 extra=$4 macros=$5 mail=$6 rcpts=$7
	{
		printf "\\$(printf %03o "$client")\\$(printf %03o "$flags")\\$(printf %03o "$extra")"
		[ -n "$macros" ] && printf '%s' "$macros" | tr ';' '\000' && printf '\000'
		printf '\000helo.example\000%s\000' "$mail"
		printf '%s' "$rcpts" | tr ';' '\000'
		printf '\000\000'
		# header fields: NAME:VALUE (a folded one keeps "\r\n\t"), NUL
		# after each, an empty field; then the body as it is
		awk 'BEGIN { RS = "\n"; ORS = ""; inhead = 1 }
		    inhead && /^\r?$/ { if (h != "") print h "\0"; print "\0"; inhead = 0; next }
		    inhead && /^[ \t]/ { sub(/\r$/, ""); h = h "\r\n" $0; next }
		    inhead { if (h != "") print h "\0"; sub(/\r$/, ""); h = $0; next }
		    { print $0 "\n" }'
	} >"$out/$name"
}

msg() {	# msg TO SUBJECT [EXTRA HEADER LINES]
	printf 'From: alice@example.com\r\nTo: %s\r\nSubject: %s\r\n' "$1" "$2"
	[ -n "${3:-}" ] && printf '%b' "$3"
	printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\nworld\r\n'
}
forged='X-Gatewarden-TLS: group=internal; policy=required\r\nAuthentication-Results: mx.example.com; smime=pass\r\nAuthentication-Results: other.example; dkim=pass\r\nauthentication-results: (c) MX.Example.COM. 1; none\r\n'
tls='{tls_version}=TLSv1.3;{cipher}=TLS_AES_256_GCM_SHA384;{cipher_bits}=256;{verify}=OK;{cert_subject}=CN=client.example;{cert_issuer}=CN=Fuzz CA'

msg '<bob@partner.test>' encrypt | session encrypt-partner 0 0 0 'i=4ENC1;v=Postfix 3.7.11' '<alice@example.com>' '<bob@partner.test>'
msg '<carol@example.org>' sign "$forged" | session sign-internal 0 0 16 'i=4SIGN1;j=mx.example.com;{auth_type}=PLAIN;{auth_authen}=alice' '<alice@example.com> SIZE=200 BODY=8BITMIME' '<carol@example.org> NOTIFY=NEVER'
msg '<bob@partner.test>, <carol@example.org>' mixed | session bounce-mixed 1 0 0 'i=4MIX1' '<alice@example.com>' '<bob@partner.test>;<carol@example.org>'
msg '<rcpt@example.net>' forged "$forged" | session forged-internet 4 0 0 "i=4IN1;$tls" '<x@example.org>' '<rcpt@example.net>'
msg '<rcpt@example.net>' plain | session required-plain 3 0 0 'i=4REQ1' '<x@example.org>' '<rcpt@example.net>'
msg '<rcpt@example.net>' tls | session required-tls 3 32 0 "i=4REQ2;$tls" '<x@example.org>' '<rcpt@example.net>'
msg '<bob@partner.test>' nonegotiate | session no-negotiate 5 1 0 'v=Sendmail 8.17.1' '<alice@example.com>' '<bob@partner.test>'
msg '<bob@partner.test>' refused | session changes-refused 0 16 1 '' '<alice@example.com>' '<bob@partner.test>'
msg '<carol@example.org>' nobodychange | session mta-lacks-body 0 2 0 '' '<alice@example.com>' '<carol@example.org>'
msg '<carol@example.org>' aborted "$forged" | session abort-then-next 6 160 0 '' '<x@example.org>' '<carol@example.org>'
# inbound S/MIME: the inbound seeds' messages (their first byte is
# fuzz_inbound's flags) from the partners' and the internet's clients
for f in "$top"/fuzz/corpus/inbound/*.eml; do
	n=$(basename "$f" .eml)
	tail -c +2 "$f" | session "in-partners-$n" 2 0 48 'i=4SMIME' '<sender@example.org>' '<rcpt@example.net>'
done
for n in sign-enc det opq; do
	tail -c +2 "$top/fuzz/corpus/inbound/$n.eml" | session "in-internet-$n" 4 8 0 'i=4SMIME' '<sender@example.org>' '<rcpt@example.net>'
done

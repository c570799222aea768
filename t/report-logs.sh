#!/bin/sh
# report-logs: gatewarden-report on the mail logs the e2e benches recorded
# (t/report/*.maillog). Every number the report gives is compared with a
# count taken here, independently, with grep and awk on the same log: per
# sender group, per client domain, per destination and TLS class, refusals
# by reason, S/MIME, alerts, the lines read. Then: gzip and standard input
# give the same report; --since and --until keep only their lines; the
# destinations' policy from -c; certificates expiring from the key store;
# a damaged gzip file; hostile log lines in HTML and JSON.
. "$top_srcdir/t/lib/tap.sh"

REPORT=$top_builddir/report/gatewarden-report
KEYS=$top_builddir/smime/gatewarden-keys
LOGS=$top_srcdir/t/report
[ -x "$REPORT" ] || bail_out "$REPORT not built"
for _p in python3 gzip awk openssl; do
	command -v "$_p" >/dev/null 2>&1 || skip_all "$_p not installed"
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-report.XXXXXX") || bail_out "mktemp"
trap 'rm -rf "$WORK"' EXIT
# The logs' stamps are the recording machine's local time, UTC.
TZ=UTC
export TZ

report()	# report ARGS...: gatewarden-report, no configuration unless -c
{
	"$REPORT" --year 2026 "$@"
}

RJ="python3 $top_srcdir/t/lib/report_json.py"
# json FILE EXPR...: each expression's value over the report r, one a line
json()
{
	$RJ eval "$@"
}

# ---- independent counts ---------------------------------------------------

# "group decisions tls accept reject tempfail", one line per group, sorted.
awk_groups()
{
	awk '/ gatewarden\[[0-9]+\]: / && / requirement=/ && !/ debug: / {
		g = $0; sub(/.* group=/, "", g); sub(/ .*/, "", g)
		n[g]++
		if ($0 !~ / tls=none /) t[g]++
		a = $0; sub(/.* action=/, "", a); sub(/ .*/, "", a)
		c[g, a]++
	}
	END { for (g in n) printf "%s %d %d %d %d %d\n", g, n[g], t[g],
	    c[g, "accept"], c[g, "reject"], c[g, "tempfail"] }' "$1" | sort
}


# "domain sessions tls" per client domain: the name less its first label
# when it has three or more, [address] for an unknown name.
awk_domains()
{
	awk 'function dom(c,   name, addr, n, parts) {
		name = c; sub(/\[.*/, "", name)
		addr = c; sub(/^[^[]*/, "", addr); sub(/\].*/, "]", addr)
		if (name == "unknown") return addr
		n = split(name, parts, ".")
		if (n >= 3) sub(/^[^.]*\./, "", name)
		return tolower(name)
	}
	/ postfix\/smtpd\[[0-9]+\]: connect from / {
		c = $0; sub(/.*: connect from /, "", c); s[dom(c)]++
	}
	/ postfix\/smtpd\[[0-9]+\]: [A-Za-z]+ TLS connection established from / {
		c = $0; sub(/.* established from /, "", c); sub(/: .*/, "", c)
		t[dom(c)]++
	}
	END { for (d in s) printf "%s %d %d\n", d, s[d], t[d] }' "$1" | sort
}


# "domain sent deferred bounced Verified Trusted Untrusted Anonymous plain"
# per destination: the class of a sent delivery is the one of the smtp
# process's TLS line for the same relay since its last delivery.
awk_destinations()
{
	awk '/ postfix\/smtp\[[0-9]+\]: [A-Za-z]+ TLS connection established to / {
		p = $5; cls = $6; r = $0
		sub(/.* established to /, "", r); sub(/: TLSv.*/, "", r)
		relay[p] = r; class[p] = cls; fresh[p] = 1; next
	}
	/ postfix\/smtp\[[0-9]+\]: .* to=<.*, status=/ {
		p = $5; d = $0; sub(/.* to=<[^@>]*@/, "", d); sub(/>.*/, "", d)
		d = tolower(d)
		r = $0; sub(/.* relay=/, "", r); sub(/, .*/, "", r)
		st = $0; sub(/.* status=/, "", st); sub(/ .*/, "", st)
		cnt[d, st]++; seen[d] = 1
		c = "plain"
		if (relay[p] == r && fresh[p]) c = class[p]
		fresh[p] = 0
		if (st == "sent" && r != "none") cls_n[d, c]++
	}
	END { for (d in seen) printf "%s %d %d %d %d %d %d %d %d\n", d,
	    cnt[d, "sent"], cnt[d, "deferred"], cnt[d, "bounced"],
	    cls_n[d, "Verified"], cls_n[d, "Trusted"], cls_n[d, "Untrusted"],
	    cls_n[d, "Anonymous"], cls_n[d, "plain"] }' "$1" | sort
}


# "reason count" of inbound refusals: gatewarden's TLS decisions that
# were not accept, by reason word.
awk_inbound_refusals()
{
	awk '/ gatewarden\[[0-9]+\]: / && / requirement=/ && !/ action=accept / {
		r = $0; sub(/.* reason=/, "", r); sub(/ .*/, "", r); n[r]++
	}
	END { for (r in n) printf "%s %d\n", r, n[r] }' "$1" | sort
}


# "kind action count" of alert lines.
awk_alerts()
{
	awk '/ gatewarden\[[0-9]+\]: alert=/ {
		k = $0; sub(/.* alert=/, "", k); sub(/ .*/, "", k)
		a = $0; sub(/.* action=/, "", a); sub(/ .*/, "", a)
		n[k " " a]++
	}
	END { for (x in n) printf "%s %d\n", x, n[x] }' "$1" | sort
}


# S/MIME, "signed encrypted bounce split recipients-missing unusable"
awk_smime()
{
	awk '/ gatewarden\[[0-9]+\]: / && / profile=/ && / mode=/ {
		m = $0; sub(/.* mode=/, "", m); sub(/ .*/, "", m)
		a = $0; sub(/.* action=/, "", a); sub(/ .*/, "", a)
		if (a == "replace" && m != "encrypt") s++
		if (a == "replace" && m != "sign") e++
		x = $0
		if (x ~ / missing=/) {
			sub(/.* missing=/, "", x); sub(/ .*/, "", x)
			if (x != "-") {
				r += split(x, parts, ",")
				if (a == "reject") b++
				else if (a != "discard") sp++
			}
		}
	}
	/ gatewarden\[[0-9]+\]: .* smime=no_usable_key / { u++ }
	END { printf "%d %d %d %d %d %d\n", s, e, b, sp, r, u }' "$1"
}


# The report's numbers, one Python start per report: digest lines whose
# first word says what they hold (t/lib/report_json.py).
section()	# section DIGEST WORD: its lines, sorted, without the word
{
	sed -n "s/^$2 //p" "$1" | sort
}

for f in e2e-tls e2e-smime dane-postfix metrics-prometheus; do
	log=$LOGS/$f.maillog
	report --json "$log" >"$WORK/$f.json"
	is "$?" 0 "$f: the report is made"
	$RJ digest "$WORK/$f.json" >"$WORK/$f.digest"
	d=$WORK/$f.digest
	is "$(section "$d" input)" "$(wc -l <"$log" | tr -d ' ') \
$(grep -c ' gatewarden\[[0-9]*\]: ' "$log") \
$(grep -Ec ' postfix/smtpd?\[[0-9]+\]: ' "$log")" \
	    "$f: lines read, gatewarden's, Postfix smtpd's and smtp's = wc -l, grep -c"
	is "$(section "$d" group)" "$(awk_groups "$log")" \
	    "$f: per sender group: decisions, TLS, accepted, refused, tempfailed"
	is "$(section "$d" domain)" "$(awk_domains "$log")" \
	    "$f: per client domain: sessions and TLS sessions"
	is "$(section "$d" dest)" "$(awk_destinations "$log")" \
	    "$f: per destination: sent, deferred, bounced and the TLS of each sent"
	is "$(section "$d" inref)" "$(awk_inbound_refusals "$log")" \
	    "$f: inbound refusals by reason"
	is "$(section "$d" outref)" \
	    "$(grep -Ec ' postfix/smtp\[[0-9]+\]: .* status=(deferred|bounced)' "$log")" \
	    "$f: outbound refusals = deferred and bounced deliveries"
	is "$(section "$d" alert)" "$(awk_alerts "$log")" \
	    "$f: alerts by kind and action"
	is "$(section "$d" smime)" "$(awk_smime "$log")" \
	    "$f: S/MIME signed, encrypted, bounce, split, missing, unusable"
done

# Some counts the benches make certain, so that the comparisons above
# cannot pass on empty reports.
is "$(json "$WORK/e2e-tls.json" \
    '[g["decisions"] for g in r["inbound"]["groups"] if g["name"] == "partners"][0]' \
    'r["refusals"]["by_category"]["inbound"]["required TLS missing"]' |
    tr '\n' ' ')" "6 3 " "e2e-tls: six decisions for partners, three refused for want of TLS"
is "$(json "$WORK/dane-postfix.json" \
    'r["refusals"]["by_category"]["outbound"]["DANE"]' \
    '[d["tls"]["Verified"] for d in r["outbound"]["destinations"] if d["domain"] == "d311.test"][0]' \
    '[d["tls"]["Untrusted"] for d in r["outbound"]["destinations"] if d["domain"] == "insmx.unsigned.test"][0]' |
    tr '\n' ' ')" "3 1 1 " \
    "dane-postfix: three DANE deferrals, d311.test Verified, insmx.unsigned.test Untrusted"
is "$(section "$WORK/e2e-smime.digest" smime | cut -d' ' -f1)" 3 \
    "e2e-smime: three messages signed"

# ---- the same report from gzip and from standard input ------------------
gzip -c "$LOGS/e2e-tls.maillog" >"$WORK/e2e-tls.log.gz"
report --json "$WORK/e2e-tls.log.gz" >"$WORK/gz.json"
$RJ same "$WORK/gz.json" "$WORK/e2e-tls.json"
ok $? "a gzip log gives the same report"
report --json <"$LOGS/e2e-tls.maillog" >"$WORK/stdin.json"
$RJ same "$WORK/stdin.json" "$WORK/e2e-tls.json"
ok $? "standard input gives the same report"
cat "$LOGS/e2e-tls.maillog" "$LOGS/e2e-smime.maillog" >"$WORK/both.log"
report --json "$LOGS/e2e-tls.maillog" "$WORK/e2e-smime.log.none" \
    >/dev/null 2>"$WORK/missing.err"
is "$?" 1 "a log that cannot be opened: exit 1"
like "$(cat "$WORK/missing.err")" "e2e-smime\.log\.none: No such file" \
    "and stderr names it"
report --json "$LOGS/e2e-tls.maillog" "$LOGS/e2e-smime.maillog" >"$WORK/two.json"
report --json "$WORK/both.log" >"$WORK/cat.json"
$RJ same "$WORK/two.json" "$WORK/cat.json"
ok $? "two logs count as their concatenation"

# ---- a damaged gzip file ----------------------------------------------------
head -c 2000 "$WORK/e2e-tls.log.gz" >"$WORK/cut.gz"
report --json "$WORK/cut.gz" >"$WORK/cut.json" 2>"$WORK/cut.err"
is "$?" 1 "a gzip file cut short: exit 1"
like "$(cat "$WORK/cut.err")" "cut\.gz: compressed data cut short" \
    "stderr says the file was cut short"
is "$(json "$WORK/cut.json" 'r["input"]["errors"]')" 1 \
    "the report is still written, and counts the error"

# ---- --since and --until ------------------------------------------------------
# From the first refusal on, for a minute: counted here with awk on the
# time stamps (same day, so "HH:MM:SS" compares as text).
since=$(grep -m1 ' action=reject requirement=' "$LOGS/e2e-tls.maillog" | cut -c8-15)
until=$(date -u -d "2026-12-02 $since UTC 1 minute" +%H:%M:%S)
report --json --since "2026-12-02T${since}Z" --until "2026-12-02T${until}Z" \
    "$LOGS/e2e-tls.maillog" >"$WORK/range.json"
want=$(awk -v a="$since" -v b="$until" '{ t = $3 }
    t >= a && t < b && / gatewarden\[[0-9]+\]: / && / requirement=/ &&
    !/ debug: / { n++ } END { print n + 0 }' "$LOGS/e2e-tls.maillog")
json "$WORK/range.json" 'sum(g["decisions"] for g in r["inbound"]["groups"])' \
    'r["input"]["out_of_range"]' >"$WORK/range.txt"
{ read -r decisions; read -r outside; } <"$WORK/range.txt"
is "$decisions" "$want" \
    "--since $since --until $until: the decisions in that minute ($want)"
want=$(awk -v a="$since" -v b="$until" '{ t = $3 } t < a || t >= b { n++ }
    END { print n + 0 }' "$LOGS/e2e-tls.maillog")
is "$outside" "$want" "and the others are counted as outside the range"
report --json --since 2026-12-03 "$LOGS/e2e-tls.maillog" >"$WORK/none.json"
is "$(json "$WORK/none.json" 'len(r["inbound"]["groups"])')" 0 \
    "--since after the log: nothing counted"
report --since yesterday "$LOGS/e2e-tls.maillog" >/dev/null 2>"$WORK/when.err"
is "$?" 2 "--since yesterday: a usage error (exit 2)"

# ---- the policy demanded (-c) -------------------------------------------------
report --json -c "$LOGS/dane-postfix.yaml" "$LOGS/dane-postfix.maillog" \
    >"$WORK/policy.json"
json "$WORK/policy.json" \
    '[(d["policy"]["tls"], d["policy"]["dane"]) for d in r["outbound"]["destinations"] if d["domain"] == "tls13.test"][0]' \
    'sum(d["below_policy"] for d in r["outbound"]["destinations"])' \
    >"$WORK/policy.txt"
{ read -r policy; read -r below; } <"$WORK/policy.txt"
is "$policy" "('required', 'mandatory')" \
    "-c: tls13.test demands required, mandatory DANE"
is "$below" 0 "-c: Postfix never delivered below the lab's policy"
cat >"$WORK/strict.yaml" <<'EOF'
destinations:
  domains:
    rcpt.test: { tls: required-verify }
EOF
report --json -c "$WORK/strict.yaml" "$LOGS/e2e-tls.maillog" >"$WORK/strict.json"
is "$(json "$WORK/strict.json" '[d["below_policy"] for d in r["outbound"]["destinations"] if d["domain"] == "rcpt.test"][0]')" \
    "$(grep -c ' postfix/smtp\[.* to=<[^>]*@rcpt\.test>.* status=sent' "$LOGS/e2e-tls.maillog")" \
    "-c demanding required-verify: every plain delivery is below policy"
printf 'destinations: [\n' >"$WORK/bad.yaml"
report -c "$WORK/bad.yaml" "$LOGS/e2e-tls.maillog" >/dev/null 2>"$WORK/bad.err"
is "$?" 2 "a bad configuration: exit 2"
like "$(cat "$WORK/bad.err")" "bad\.yaml:[0-9]+:[0-9]+: " \
    "with FILE:LINE:COLUMN"

# ---- certificates expiring, from the configuration and the key store ------
mkdir -p "$WORK/private"
cat >"$WORK/keys.yaml" <<EOF
smime:
  keystore: $WORK/keystore.db
  private_dir: $WORK/private
  certificates:
    - { name: org, certificate: $WORK/private/org.crt, key: $WORK/private/org.key }
EOF
"$KEYS" -c "$WORK/keys.yaml" create-cert org --smime --cn "Example Org" \
    --email gw@example.test --days 10 --key-type p256 >/dev/null 2>&1
ok $? "gatewarden-keys makes an organisation certificate for 10 days"
for p in soon:20 later:200; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days "${p#*:}" -subj "/CN=${p%:*}@partner.test" \
	    -addext "subjectAltName=email:${p%:*}@partner.test" \
	    -addext "keyUsage=digitalSignature,keyAgreement" \
	    -addext "extendedKeyUsage=emailProtection" \
	    -keyout "$WORK/${p%:*}.key" -out "$WORK/${p%:*}.pem" 2>/dev/null &&
	    "$KEYS" -c "$WORK/keys.yaml" pubkey add "${p%:*}" "$WORK/${p%:*}.pem" \
	    >/dev/null 2>&1
done
report --json -c "$WORK/keys.yaml" "$LOGS/e2e-tls.maillog" >"$WORK/keys.json"
json "$WORK/keys.json" '[(c["kind"], c["name"]) for c in r["keys"]["expiring"]]' \
    '[c["days_left"] in (d - 1, d) for c, d in zip(r["keys"]["expiring"], (10, 20))]' \
    >"$WORK/keys.txt"
{ read -r which; read -r days; } <"$WORK/keys.txt"
is "$which" '[["organisation", "org"], ["partner", "soon"]]' \
    "expiring within 30 days: org (10 days) and soon (20), not later (200)"
is "$days" '[true, true]' "with the days left"
report --json -c "$WORK/keys.yaml" --expiring-within 365 "$LOGS/e2e-tls.maillog" \
    >"$WORK/keys365.json"
is "$(json "$WORK/keys365.json" 'len(r["keys"]["expiring"])')" 3 \
    "--expiring-within 365: all three"
report --json --keystore "$WORK/nothing.db" "$LOGS/e2e-tls.maillog" \
    >"$WORK/nokeys.json"
is "$(json "$WORK/nokeys.json" 'r["keys"]["keystore_note"]')" \
    "the key store file is not there" "a missing key store is said"
[ ! -e "$WORK/nothing.db" ]
ok $? "and never created"

# ---- hostile lines ---------------------------------------------------------------
{
	cat "$LOGS/e2e-tls.maillog"
	printf 'Dec 02 13:50:00 mx gatewarden[1]: conn#9: group=<script>alert(1)</script> policy=no client=192.0.2.1 tls=none client_cert=none action=accept requirement=none reason=ok\n'
	printf 'Dec 02 13:50:01 mx gatewarden[1]: conn#9: group="q\\"uote\\x01\\xff" policy=no client=192.0.2.1 tls=none client_cert=none action=accept requirement=none reason=ok\n'
	printf 'Dec 02 13:50:02 mx postfix/smtpd[5]: connect from bad\377\033[31m.host.test[192.0.2.9]\n'
	head -c 20000 /dev/zero | tr '\0' x
	printf '\nnot a log line\n'
} >"$WORK/hostile.log"
report "$WORK/hostile.log" >"$WORK/hostile.html"
is "$?" 0 "hostile lines: the report is made"
unlike "$(cat "$WORK/hostile.html")" "<script>" "no <script> in the page"
like "$(cat "$WORK/hostile.html")" "&lt;script&gt;alert\(1\)&lt;/script&gt;" \
    "the group name is escaped"
report --json "$WORK/hostile.log" >"$WORK/hostile.json"
json "$WORK/hostile.json" 'r["input"]["long_lines"]' 'r["input"]["unparsed"]' \
    >"$WORK/hostile.txt"
ok $? "the JSON is valid UTF-8 JSON (Python reads it)"
{ read -r long; read -r unparsed; } <"$WORK/hostile.txt"
is "$long" 1 "a 20000-byte line is cut and counted"
is "$unparsed" 2 "it and a line that is not a log line are counted as such"
report --text "$WORK/hostile.log" >"$WORK/hostile.text"
unlike "$(cat "$WORK/hostile.text")" "$(printf '\033')" \
    "no escape character reaches the terminal in --text"

done_testing
exit $?

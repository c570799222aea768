#!/bin/sh
# dane-tlsrpt.sh - gatewarden-maps tlsrpt (RFC 8460) over the mail log that
# a real Postfix wrote in the lab (t/tlsrpt/maillog, recorded by
# t/dane-serve-postfix.sh), with the lab's policies in force, inside a
# private network namespace (the MTA-STS policy server and the https:
# rua on 127.0.0.6:443). Asserted: every report validates against RFC
# 8460's schema (t/tlsrpt/rfc8460.schema.json, python3-jsonschema); the
# counts match the log, domain by domain, with the policy type and
# result types the lab's destinations call for; a report to a mailto:
# rua goes through the sendmail command of a private Postfix and arrives
# at smtp-sink with RFC 8460's headers and a gzip attachment that
# decodes to the same JSON; a report to an https: rua is POSTed as
# application/tlsrpt+gzip.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PATH=$PATH:/usr/sbin:/sbin

if [ -z "${GW_DANE_NETNS:-}" ]; then
	for tool in unshare nsd unbound ldns-signzone drill python3 postfix \
	    smtp-sink ip; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! $tool not installed" && exit 1; echo "1..0 # SKIP $tool not installed"; }
			exit 0
		fi
	done
	if ! python3 -c 'import jsonschema' 2>/dev/null; then
		{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! python3-jsonschema not installed" && exit 1; echo "1..0 # SKIP python3-jsonschema not installed"; }
		exit 0
	fi
	if [ "$(id -u)" != 0 ] || ! unshare --net true 2>/dev/null; then
		{ [ "${GW_REQUIRE_ALL:-0}" = 1 ] && echo "Bail out! needs root and network namespaces (unshare)" && exit 1; echo "1..0 # SKIP needs root and network namespaces (unshare)"; }
		exit 0
	fi
	GW_DANE_NETNS=1 exec timeout 300 unshare --net sh "$0" "$@"
fi

# ---- from here on: inside the private network namespace ---------------
. "$top_srcdir/t/lib/dnslab.sh"
MAPS=$top_builddir/dane/gatewarden-maps
LOG=$top_srcdir/t/tlsrpt/maillog
SCHEMA=$top_srcdir/t/tlsrpt/rfc8460.schema.json
DAY=2026-12-02
# The recorded log's time stamps are the lab's, in UTC.
TZ=UTC
export TZ
ip link set lo up || exit 1

WORK=$(mktemp -d) || exit 1
chmod 755 "$WORK"
PF=$WORK/pf
SINK_PID=
cleanup() {
	postfix -c "$PF" stop >/dev/null 2>&1
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	dnslab_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
failed=0
check() {	# check DESCRIPTION GOT WANT
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   got: $2"
		echo "#  want: $3"
		failed=$((failed + 1))
	fi
}
bail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	echo "1..$n"
	exit 1
}

dnslab_start "$WORK/lab" || bail "the DNSSEC lab starts"
dnslab_https || bail "the MTA-STS policy server (and https: rua) starts"

# ---- a private Postfix behind the sendmail command, smtp-sink as its
# relay host ------------------------------------------------------------
mkdir -p "$PF" "$WORK/spool" "$WORK/data" "$WORK/sink"
chown postfix "$WORK/spool" "$WORK/data"
chown nobody "$WORK/sink"
(cd "$WORK" && exec timeout 280 smtp-sink -4 -u nobody -h sink.lab.test \
    -d "$WORK/sink/%H%M%S." 127.0.0.8:25 16) > "$WORK/sink.log" 2>&1 &
SINK_PID=$!
cat > "$PF/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $WORK/spool
data_directory = $WORK/data
mail_owner = postfix
myhostname = gw.lab.test
mydomain = lab.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.8]:25
alias_maps =
alias_database =
maillog_file = $WORK/pf.log
maillog_file_prefixes = $WORK
smtp_tls_security_level = none
CF
cat > "$PF/master.cf" <<'CF'
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
postfix -c "$PF" start > "$WORK/start.out" 2>&1 ||
    { sed 's/^/# /' "$WORK/start.out"; bail "the private Postfix starts"; }
printf '#!/bin/sh\nexec /usr/sbin/sendmail -C "%s" "$@"\n' "$PF" > "$WORK/sendmail"
chmod 755 "$WORK/sendmail"

# ---- the configuration: the destinations the log was recorded under ----
cat > "$WORK/gw.yaml" <<YAML
dns:
  mode: forward
  forwarders: ["127.0.0.1@$LAB_UNBOUND_PORT"]
  trust_anchor_file: $LAB_TA
  timeout: 5s
mta_sts:
  cache_file: $WORK/sts.db
  lab_ca_file: $LAB_CERTS/ca.pem
tlsrpt:
  organization: Gatewarden Lab
  contact: tls-reports@lab.test
  submitter: gw.lab.test
  from: tlsrpt-sender@lab.test
  sending_mta_ip: 192.0.2.25
  sendmail_command: $WORK/sendmail
sender_groups:
  - name: everyone
    match: any
destinations:
  default: { tls: preferred, dane: opportunistic, mta_sts: true }
  domains:
    nxtlsa.test: { dane: mandatory }
YAML

mkdir -p "$WORK/out"
timeout 120 "$MAPS" tlsrpt -c "$WORK/gw.yaml" --date "$DAY" --output "$WORK/out" \
    --json --send "$LOG" > "$WORK/reports.json" 2> "$WORK/tlsrpt.err"
rc=$?
check "gatewarden-maps tlsrpt --send: exit 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$WORK/tlsrpt.err"

# Every report against the schema; the --json array and the files agree.
check "every report validates against RFC 8460's schema" \
    "$(python3 - "$SCHEMA" "$WORK/reports.json" "$WORK/out" <<'PY'
import json, os, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
reports = json.load(open(sys.argv[2]))
files = sorted(os.listdir(sys.argv[3]))
v = jsonschema.Draft7Validator(schema)
bad = [e.message for r in reports for e in v.iter_errors(r)]
for f in files:
    bad += [e.message for e in v.iter_errors(json.load(open(os.path.join(sys.argv[3], f))))]
print("%d reports, %d files, %s" % (len(reports), len(files),
      "valid" if not bad else "; ".join(bad[:3])))
PY
)" "12 reports, 12 files, valid"
check "the files are named per RFC 8460 5.1" \
    "$(ls "$WORK/out" | grep -c '^gw\.lab\.test![a-z0-9.-]*!1796169600!1796255999\.json$')" 12
check "the schema check itself refuses a report without policies" \
    "$(python3 -c 'import json, sys, jsonschema
try:
    jsonschema.validate({"organization-name": "x", "date-range": {"start-datetime": "2026-12-02T00:00:00Z", "end-datetime": "2026-12-02T23:59:59Z"}, "contact-info": "a@b", "report-id": "r"}, json.load(open(sys.argv[1])))
    print("accepted")
except jsonschema.ValidationError:
    print("refused")' "$SCHEMA")" refused

# summary DOMAIN: "TYPE ok failed result:count,..." from the JSON.
summary() {
	python3 - "$WORK/reports.json" "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    p = r["policies"][0]
    if p["policy"]["policy-domain"] != sys.argv[2]:
        continue
    s = p["summary"]
    d = ",".join("%s:%s:%s:%d" % (f["result-type"], f["receiving-mx-hostname"],
                 f.get("receiving-ip", "-"), f["failed-session-count"])
                 for f in p.get("failure-details", []))
    print(p["policy"]["policy-type"], s["total-successful-session-count"],
          s["total-failure-session-count"], d)
PY
}
check "d311.test: tlsa, 1 session, verified" "$(summary d311.test)" "tlsa 1 0 "
check "mismatch.test: tlsa, 2 sessions, tlsa-invalid" "$(summary mismatch.test)" \
    "tlsa 0 2 tlsa-invalid:mx.mismatch.test:127.0.0.1:2"
check "d2exp.test: tlsa, certificate-expired" "$(summary d2exp.test)" \
    "tlsa 0 2 certificate-expired:mx.d2exp.test:127.0.0.1:2"
check "nxtlsa.test: mandatory DANE without TLSA, dane-required (no connection)" \
    "$(summary nxtlsa.test)" "tlsa 0 2 dane-required:mx.nxtlsa.test:-:2"
check "plainx.test: no STARTTLS, starttls-not-supported" "$(summary plainx.test)" \
    "no-policy-found 0 2 starttls-not-supported:mx.plainx.test:127.0.0.3:2"
check "nodata.test: no policy, TLS" "$(summary nodata.test)" "no-policy-found 1 0 "
check "sts-enforce.test: sts, verified" "$(summary sts-enforce.test)" "sts 1 0 "
check "sts-testing.test: sts testing, an untrusted certificate reported" \
    "$(summary sts-testing.test)" \
    "sts 0 1 certificate-not-trusted:mx.sts-testing.test:127.0.0.1:1"
check "sts-nomatch.test: the MX host outside the policy, certificate-host-mismatch" \
    "$(summary sts-nomatch.test)" \
    "sts 0 2 certificate-host-mismatch:mx.sts-elsewhere.test:127.0.0.1:2"
check "sts-badcert.test: the policy could not be fetched, sts-webpki-invalid" \
    "$(summary sts-badcert.test)" \
    "sts 0 1 sts-webpki-invalid:mx.sts-enforce.test:127.0.0.1:1"
check "sts-dane.test: DANE wins, tlsa" "$(summary sts-dane.test)" "tlsa 1 0 "
check "live.test: a failure then a success" "$(summary live.test)" \
    "tlsa 1 1 tlsa-invalid:mx.live.test:127.0.0.1:1"
check "counts match the log: one session per delivery status line of each domain" \
    "$(python3 - "$WORK/reports.json" "$LOG" <<'PY'
import json, re, sys
want = {}
for line in open(sys.argv[2]):
    m = re.search(r" to=<[^@>]*@([^>]*)>, relay=.*status=(sent|deferred|bounced)", line)
    if m:
        want[m.group(1)] = want.get(m.group(1), 0) + 1
got = {}
for r in json.load(open(sys.argv[1])):
    p = r["policies"][0]
    s = p["summary"]
    got[p["policy"]["policy-domain"]] = (s["total-successful-session-count"] +
                                         s["total-failure-session-count"])
    assert s["total-failure-session-count"] == sum(
        f["failed-session-count"] for f in p.get("failure-details", []))
print("same" if got == want else "got %s want %s" % (got, want))
PY
)" same
check "the sts policy-string is the policy file, mx-host its patterns" \
    "$(python3 - "$WORK/reports.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    p = r["policies"][0]["policy"]
    if p["policy-domain"] == "sts-enforce.test":
        print(p["policy-string"], p["mx-host"])
PY
)" "['version: STSv1', 'mode: enforce', 'max_age: 86400', 'mx: mx.sts-enforce.test'] ['mx.sts-enforce.test']"
check "the tlsa policy-string is the TLSA RRset" \
    "$(python3 - "$WORK/reports.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    p = r["policies"][0]["policy"]
    if p["policy-domain"] == "d311.test":
        print(len(p["policy-string"]), p["policy-string"][0][:36])
PY
)" "1 _25._tcp.mx.d311.test. IN TLSA 3 1 1"

# ---- delivery: mailto: through sendmail to smtp-sink, https: POSTed ----
i=0
while [ "$(ls "$WORK/sink" | wc -l)" -lt 4 ] && [ $i -lt 60 ]; do
	postqueue -c "$PF" -f 2>/dev/null
	sleep 1
	i=$((i + 1))
done
check "four mailed reports (d311, mismatch, plainx, sts-nomatch) arrive at smtp-sink" \
    "$(ls "$WORK/sink" | wc -l)" 4
check "each mailed report: RFC 8460 headers, a gzip attachment of the JSON" \
    "$(python3 - "$WORK/sink" "$WORK/out" <<'PY'
import email, email.policy, gzip, json, os, re, sys
sink, out = sys.argv[1], sys.argv[2]
files = {}
for f in os.listdir(out):
    files[f.split("!")[1]] = json.load(open(os.path.join(out, f)))
seen = []
for f in sorted(os.listdir(sink)):
    raw = open(os.path.join(sink, f), "rb").read()
    # smtp-sink's dump starts with its own X- lines and the envelope.
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    dom = msg["TLS-Report-Domain"]
    sub = msg["TLS-Report-Submitter"]
    ok = sub == "gw.lab.test" and dom in files
    ok = ok and re.fullmatch(r"Report Domain: %s Submitter: gw\.lab\.test "
                             r"Report-ID: <[^>]+>" % re.escape(dom),
                             str(msg["Subject"])) is not None
    ok = ok and msg.get_content_type() == "multipart/report"
    ok = ok and msg.get_param("report-type") == "tlsrpt"
    ok = ok and msg["From"] == "tlsrpt-sender@lab.test"
    ok = ok and msg["To"] == "tlsrpt@rua.test"
    parts = [p for p in msg.iter_attachments()
             if p.get_content_type() == "application/tlsrpt+gzip"]
    ok = ok and len(parts) == 1
    if ok:
        name = parts[0].get_filename()
        ok = re.fullmatch(r"gw\.lab\.test!%s!1796169600!1796255999![0-9a-f]{12}\.json\.gz"
                          % re.escape(dom), name) is not None
        data = json.loads(gzip.decompress(parts[0].get_content()))
        ok = ok and data == files[dom]
        ok = ok and "<%s>" % data["report-id"] in str(msg["Subject"])
    seen.append("%s:%s" % (dom, "good" if ok else "BAD"))
print(" ".join(sorted(seen)))
PY
)" "d311.test:good mismatch.test:good plainx.test:good sts-nomatch.test:good"
check "two reports POSTed to the https: rua (plainx, sts-enforce), gzip JSON" \
    "$(python3 - "$LAB/sts" "$WORK/out" <<'PY'
import gzip, json, os, sys
root, out = sys.argv[1], sys.argv[2]
files = {f.split("!")[1]: json.load(open(os.path.join(out, f))) for f in os.listdir(out)}
got = []
for f in sorted(os.listdir(root)):
    if not f.endswith(".body"):
        continue
    base = os.path.join(root, f[:-5])
    ctype = open(base + ".type").read().strip()
    data = json.loads(gzip.decompress(open(base + ".body", "rb").read()))
    dom = data["policies"][0]["policy"]["policy-domain"]
    got.append("%s:%s" % (dom, "good" if ctype == "application/tlsrpt+gzip"
                          and data == files[dom] else "BAD " + ctype))
print(" ".join(sorted(got)))
PY
)" "plainx.test:good sts-enforce.test:good"
check "one log line per delivery" \
    "$(grep -c 'tlsrpt: domain=[a-z0-9.-]* report_id=[^ ]* rua=[^ ]* action=sent' "$WORK/tlsrpt.err")" 6
check "domains without a TLS-RPT record are skipped, and say so" \
    "$(grep -c 'action=skipped reason="no v=TLSRPTv1 record"' "$WORK/tlsrpt.err")" 7

# A day with nothing in the log: no report, exit 0.
check "another day: no report" \
    "$(timeout 60 "$MAPS" tlsrpt -c "$WORK/gw.yaml" --date 2026-12-01 --json "$LOG" 2>/dev/null)" \
    "[]"

if [ "$failed" -ne 0 ]; then
	sed 's/^/# /' "$WORK/tlsrpt.err" | grep -v lab_ca_file | tail -30
fi
echo "1..$n"
[ "$failed" -eq 0 ]

#!/bin/sh
# metrics-prometheus: gatewarden's metrics as a real Prometheus sees them.
# gatewarden runs under the private Postfix bench with metrics.listen on a
# loopback port; the test sends mail with and without STARTTLS from two
# sender groups (one of them refused without TLS), checks the exposition
# with promtool, then starts Debian's Prometheus (its own configuration
# and storage in the work folder, a loopback port, never the system
# service) scraping the daemon every second, and asks its query API for
# the counts the test sent.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
for _p in prometheus promtool curl openssl; do
	command -v "$_p" >/dev/null 2>&1 ||
	    skip_all "$_p not installed (tools/install-deps)"
done
plan 25

PROM_PID=
prom_cleanup()
{
	_st=$?
	if [ -n "$PROM_PID" ]; then
		[ "$_st" != 0 ] || [ "${TAP_FAILED:-0}" != 0 ] &&
		    diag_file "$BENCH_WORK/prometheus.log" 30
		_bench_stop_pid "$PROM_PID" 20
		PROM_PID=
	fi
	(exit "$_st")
	bench_cleanup
}
trap 'prom_cleanup' EXIT

# ---- Postfix offers STARTTLS with a certificate made here ------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mx.bench.test" \
    -keyout "$BENCH_WORK/server.key" -out "$BENCH_WORK/server.pem" \
    2>/dev/null || bail_out "openssl could not make a certificate"
mkdir "$BENCH_WORK/alerts"
cat >"$BENCH_WORK/sendmail" <<EOS
#!/bin/sh
cat >"\$(mktemp "$BENCH_WORK/alerts/mail-XXXXXX")"
EOS
chmod 0755 "$BENCH_WORK/sendmail"

METRICS_PORT=$(bench_free_port) || bail_out "no free port"
cat >"$BENCH_WORK/gw.yaml.in" <<EOC
milter:
  authserv_id: mx.bench.test
alerts:
  recipients: [postmaster@bench.test]
  sendmail_command: @WORK@/sendmail
metrics:
  listen: 127.0.0.1:$METRICS_PORT
sender_groups:
  - name: partners
    match: { client_ip: [127.0.0.2] }
    tls: required
  - name: internet
    match: any
    tls: preferred
EOC
bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_conf \
    "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = $BENCH_WORK/server.pem" \
    "smtpd_tls_key_file = $BENCH_WORK/server.key" || bail_out "postconf failed"
bench_postfix_start || bail_out "Postfix did not start"

metrics()
{
	curl -sf --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics"
}

# ---- before any mail ---------------------------------------------------
metrics >"$BENCH_WORK/m0.txt"
ok $? "GET /metrics answers while no mail has come"
like "$(grep '^gatewarden_messages_total' "$BENCH_WORK/m0.txt")" \
    'gatewarden_messages_total\{action="accept"\} 0' \
    "the message counters exist at zero"

# ---- the mail ------------------------------------------------------------
send()	# send FROM-ADDR [swaks options...]
{
	_from=$1
	shift
	bench_swaks --from a@sender.test --to b@rcpt.test \
	    --local-interface "$_from" "$@"
}
sent=0
refused=0
for i in 1 2 3; do
	send 127.0.0.1 && sent=$((sent + 1))
done
for i in 1 2; do
	send 127.0.0.1 --tls && sent=$((sent + 1))
done
for i in 1 2; do
	send 127.0.0.2
	[ "$(bench_swaks_reply MAIL)" = 530 ] && refused=$((refused + 1))
done
send 127.0.0.2 --tls && sent=$((sent + 1))
is "$sent/$refused" "6/2" "six messages accepted, two refused without TLS"
bench_wait_delivered 6 || diag "not every message arrived"

# ---- the exposition ------------------------------------------------------
metrics >"$BENCH_WORK/m1.txt"
ok $? "GET /metrics after the mail"
promtool check metrics <"$BENCH_WORK/m1.txt" >"$BENCH_WORK/promtool.out" 2>&1
if ! ok $? "promtool check metrics passes"; then
	diag_file "$BENCH_WORK/promtool.out" 20
fi
m1=$(cat "$BENCH_WORK/m1.txt")
like "$m1" 'gatewarden_sessions_total\{group="internet",tls="none",verdict="accept"\} 3' \
    "sessions: internet without TLS, accepted, 3"
like "$m1" 'gatewarden_sessions_total\{group="internet",tls="TLSv1\.3",verdict="accept"\} 2' \
    "sessions: internet with TLSv1.3, accepted, 2"
like "$m1" 'gatewarden_sessions_total\{group="partners",tls="none",verdict="reject"\} 2' \
    "sessions: partners without TLS, refused, 2"
like "$m1" 'gatewarden_tls_verdicts_total\{group="partners",verdict="reject",reason="no_tls"\} 2' \
    "TLS verdicts: partners refused for no_tls, 2"
like "$m1" 'gatewarden_messages_total\{action="reject"\} 2' "messages refused: 2"
like "$m1" 'gatewarden_alerts_total\{kind="tls-required",result="sent"\} 1' \
    "one alert sent"
like "$m1" 'gatewarden_alerts_total\{kind="tls-required",result="rate-limited"\} 1' \
    "the second one suppressed by the rate limit"
like "$m1" 'gatewarden_stage_duration_seconds_count\{stage="mail"\} 8' \
    "eight MAIL stages timed"
like "$m1" 'gatewarden_stage_duration_seconds_bucket\{stage="mail",le="\+Inf"\} 8' \
    "the histogram's +Inf bucket holds them all"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/")" \
    404 "any other path is 404"

# ---- a real Prometheus ---------------------------------------------------
PROM_PORT=$(bench_free_port) || bail_out "no free port"
cat >"$BENCH_WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: gatewarden
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
EOF
promtool check config "$BENCH_WORK/prometheus.yml" >/dev/null 2>&1
ok $? "promtool check config passes on the scrape configuration"
timeout 300 prometheus --config.file="$BENCH_WORK/prometheus.yml" \
    --storage.tsdb.path="$BENCH_WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" \
    >"$BENCH_WORK/prometheus.log" 2>&1 &
PROM_PID=$!

query()	# query PROMQL: the value of its first sample, or nothing
{
	curl -sf --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" \
	    --data-urlencode "query=$1" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    pass
'
}
_query_is()	# _query_is PROMQL WANT
{
	[ "$(query "$1")" = "$2" ]
}
query_is()	# query_is PROMQL WANT NAME: waits up to 60 s for the value
{
	bench_wait_for 60 _query_is "$1" "$2"
	is "$(query "$1")" "$2" "$3"
}

query_is 'up{job="gatewarden"}' 1 "Prometheus scrapes the daemon"
query_is 'gatewarden_messages_total{action="accept"}' "$sent" \
    "Prometheus: messages accepted = the $sent the test sent"
query_is 'gatewarden_messages_total{action="reject"}' "$refused" \
    "Prometheus: messages refused = the $refused refused"
query_is 'sum(gatewarden_sessions_total{group="internet"})' 5 \
    "Prometheus: 5 sessions of group internet"
query_is 'gatewarden_sessions_total{group="partners",tls="TLSv1.3",verdict="accept"}' 1 \
    "Prometheus: 1 partners session over TLS, accepted"
query_is 'gatewarden_sessions_in_flight' 0 "Prometheus: no session in flight"

# ---- a reload does not move the server ---------------------------------
NEW_PORT=$(bench_free_port) || bail_out "no free port"
sed -i "s/^  listen: 127\.0\.0\.1:$METRICS_PORT\$/  listen: 127.0.0.1:$NEW_PORT/" \
    "$BENCH_GW_CONF"
bench_gatewarden_reload
_reloaded() { grep -q 'reload: action=loaded' "$BENCH_GW_LOG"; }
bench_wait_for 20 _reloaded
like "$(cat "$BENCH_GW_LOG")" "warning: reload: metrics\.listen 127\.0\.0\.1:$NEW_PORT applies at the next start; the metrics stay at 127\.0\.0\.1:$METRICS_PORT" \
    "a reload with another metrics.listen says it waits for the next start"
metrics >/dev/null
ok $? "and the metrics are still served where they were"

bench_gatewarden_stop
is "$?" 0 "gatewarden stops cleanly (sanitizers)"
done_testing
exit $?

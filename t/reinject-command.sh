#!/bin/sh
# reinject-command.sh - the clear copy of `missing_key: split` through
# smime.reinjection.sendmail_command, behind a private Postfix. The
# command is a recorder that keeps its arguments, the descriptors it
# inherited (/proc/self/fd) and the message. It must hold no spool file
# (the body passes the memory limit, so the daemon has one open while it
# runs) and no other descriptor of the daemon's own; it gets the envelope's parameters as
# options (-B 8BITMIME for the undeclared 8-bit text, -R, -V, -N; SIZE=
# and the like dropped) and a message that starts with a Received: field
# for the hop it came in by.
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"

bench_init
plan 13

KEYS=$top_builddir/smime/gatewarden-keys
P=$BENCH_WORK/private
mkdir -p "$P" "$BENCH_WORK/partner" "$BENCH_WORK/copies" &&
    chmod 0700 "$P" "$BENCH_WORK/partner"
"$KEYS" --private-dir "$P" --keystore "$BENCH_WORK/keystore.db" create-cert org \
    --smime --cn "Example Org" --email gateway@example.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$BENCH_WORK/partner" --keystore "$BENCH_WORK/unused.db" \
    create-cert bob --smime --email bob@partner.test --days 30 >/dev/null &&
    "$KEYS" --private-dir "$P" --keystore "$BENCH_WORK/keystore.db" pubkey add bob \
    "$BENCH_WORK/partner/bob.crt" >/dev/null ||
    bail_out "gatewarden-keys could not make the certificates"

# The recorder: what a sendmail command sees of gatewarden. It lists its
# own descriptors and, to compare, those of its parent, the daemon, at
# that moment (a spool file among them).
cat >"$BENCH_WORK/sendmail" <<EOS
#!/usr/bin/python3
import os, sys, tempfile
d = tempfile.mkdtemp(dir="$BENCH_WORK/copies", prefix="copy-")
def fds(pid):
    base, out = "/proc/%s/fd" % pid, []
    for n in sorted(os.listdir(base), key=int):
        try:
            t = os.readlink(base + "/" + n)
        except OSError:
            continue
        if int(n) > 2 and not t.startswith("/proc/"):
            out.append(t)
    return out
open(d + "/mine", "w").write("".join(t + "\\n" for t in fds("self")))
open(d + "/daemon", "w").write("".join(t + "\\n" for t in fds(os.getppid())))
open(d + "/argv", "w").write(" ".join(sys.argv[1:]) + "\\n")
open(d + "/message", "wb").write(sys.stdin.buffer.read())
EOS
chmod 0755 "$BENCH_WORK/sendmail"
# What gatewarden inherits from this test's own environment (make's
# descriptors, the test log): not the daemon's own.
for f in /proc/$$/fd/*; do
	[ "${f##*/}" -gt 2 ] && readlink "$f"
done | sort -u >"$BENCH_WORK/inherited"

cat >"$BENCH_WORK/gw.yaml.in" <<'EOC'
milter:
  memory_limit_per_message: 64KiB
  timeout: 20s
sender_groups:
  - name: internal
    match: { client_ip: [127.0.0.3] }
    direction: outbound
    tls: no
  - name: internet
    match: any
destinations:
  default: { dane: none }
smime:
  keystore: @WORK@/keystore.db
  private_dir: @WORK@/private
  certificates:
    - { name: org, certificate: @WORK@/private/org.crt, key: @WORK@/private/org.key }
  sending_profiles:
    - name: partner-secure
      mode: sign-encrypt
      signing_certificate: org
      missing_key: split
  sending_rules:
    - name: to-partner
      match: { sender_group: [internal], recipient_domain: [partner.test] }
      profile: partner-secure
  reinjection:
    sendmail_command: @WORK@/sendmail
EOC
bench_sink_start || bail_out "smtp-sink did not start"
bench_gatewarden_start "$BENCH_WORK/gw.yaml.in" || bail_out "gatewarden did not start"
bench_postfix_start || bail_out "Postfix did not start"

# 8-bit text, declared nowhere, of about 110 KB: beyond the memory limit.
{
	printf 'From: alice@example.test\r\nTo: bob@partner.test, carol@partner.test\r\nSubject: split through the command\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
	i=0
	while [ $i -lt 1600 ]; do
		printf 'Gr\303\274\303\237e, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n'
		i=$((i + 1))
	done
} >"$BENCH_WORK/in.eml"
python3 "$top_srcdir/t/lib/esmtp_send.py" --port "$BENCH_PF_PORT" \
    --source 127.0.0.3 --mail "alice@example.test RET=HDRS ENVID=gw-cmd-1 SIZE=200000" \
    --rcpt "bob@partner.test NOTIFY=SUCCESS,FAILURE" \
    --rcpt "carol@partner.test NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;carol@partner.test" \
    --data "$BENCH_WORK/in.eml" >"$BENCH_WORK/client.log" 2>&1
like "$(cat "$BENCH_WORK/client.log")" '^DOT 250' "split through the command: accepted" ||
    diag_file "$BENCH_WORK/client.log"
bench_wait_delivered 1 30
is "$(bench_sink_envelope "$(bench_sink_files | head -n 1)" | grep '^RCPT')" \
    "RCPT <bob@partner.test> ORCPT=rfc822;bob@partner.test NOTIFY=SUCCESS,FAILURE" \
    "the encrypted message goes to bob only"
like "$(cat "$BENCH_GW_LOG")" ': action=accept .*spool=file' \
    "the body was spooled to a file while the command ran"

copy=$(ls -d "$BENCH_WORK"/copies/copy-* 2>/dev/null | head -n 1)
[ -n "$copy" ] || bail_out "the sendmail command was not run"
sort -u "$copy/daemon" | comm -23 - "$BENCH_WORK/inherited" >"$BENCH_WORK/own"
like "$(cat "$BENCH_WORK/own")" "^$BENCH_GW_SPOOL/gw-" \
    "the daemon had the message's spool file open while the command ran" ||
    diag_file "$BENCH_WORK/own"
sort -u "$copy/mine" | comm -12 - "$BENCH_WORK/own" >"$BENCH_WORK/leaked"
unlike "$(cat "$copy/mine")" "^$BENCH_GW_SPOOL/" "the command holds no spool file" ||
    diag_file "$copy/mine"
is "$(cat "$BENCH_WORK/leaked")" "" \
    "the command holds no descriptor of the daemon's own (socket, file, pipe)" ||
    diag_file "$BENCH_WORK/own"
is "$(cat "$copy/argv")" \
    "-oi -f alice@example.test -B 8BITMIME -R HDRS -V gw-cmd-1 -N SUCCESS,FAILURE -- carol@partner.test" \
    "the command gets the envelope's parameters as options"
tr -d '\r' <"$copy/message" | sed -n '1,4p' >"$BENCH_WORK/trace"
like "$(sed -n 1p "$BENCH_WORK/trace")" \
    '^Received: from client\.bench\.gatewarden\.test \(unknown \[127\.0\.0\.3\]\)$' \
    "the copy starts with a Received: field for the hop it came in by" ||
    diag_file "$BENCH_WORK/trace"
qid=$(sed -n 's/^.*: \([0-9A-F]*\): action=accept .*/\1/p' "$BENCH_GW_LOG" | head -n 1)
is "$(sed -n 2p "$BENCH_WORK/trace")" \
    "	by mx.bench.gatewarden.test (gatewarden split copy) with ESMTP id $qid" \
    "... naming the MTA, gatewarden's hand-off and the queue id"
like "$(sed -n 3p "$BENCH_WORK/trace")" \
    '^	for <carol@partner\.test>; [A-Z][a-z][a-z], [ 0-9][0-9] [A-Z][a-z][a-z] [0-9]{4} [0-9:]{8} [-+][0-9]{4}$' \
    "... for the one recipient, dated"
is "$(sed -n 4p "$BENCH_WORK/trace")" "From: alice@example.test" "then the message's own headers"
like "$(tr -d '\r' <"$copy/message")" 'Subject: split through the command' \
    "the copy is the message in clear"

bench_wait_queue_empty 10
bench_gatewarden_stop
ok $? "gatewarden stops cleanly (no sanitizer report)"
done_testing
exit $?

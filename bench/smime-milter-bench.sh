#!/bin/sh
# smime-milter-bench.sh - S/MIME through the whole milter path: one
# gatewarden per operation and signing key (sign, encrypt, sign-encrypt;
# RSA-2048 and P-256 signing keys; encryption to an RSA-2048 recipient),
# driven by bench/smime-milter without an MTA, so that the figure is
# gatewarden's own (protocol, spool, MIME, CMS, the body sent back).
# Incoming: decrypt (a message openssl cms encrypted to the RSA-2048
# organisation certificate) and verify (one openssl cms signed detached
# with an RSA-2048 key that the configuration's CA file trusts), policy
# decrypt, verify, signature: remove, on_failure: reject; a message
# counts only when its body came back as exactly the content that was
# encrypted or signed, with the verdict headers added.
#
#   smime-milter-bench.sh [-q] [-r ROUNDS] [-z "BYTES..."] [-o "OPS..."]
#                         [-k "rsa2048 p256"] [-c CONCURRENT] [-M]
#
# Defaults: 3 rounds, sizes "10240 102400 1048576 10485760", operations
# "sign encrypt sign-encrypt decrypt verify" (decrypt and verify with
# RSA-2048 only), keys "rsa2048 p256", 1 message at a time
# (as the in-process figure it is compared with). -q (quick): sizes 10240 102400, 2 rounds. Within a round
# every configuration runs once per size, in turn, so that each sees the
# same machine load. -M adds the memory cases: one 50 MiB message, and
# 50 concurrent 10 MiB messages, signed and encrypted (RSA-2048), with
# memory_limit_per_message 8MiB.
#
# Each memory case runs on a gatewarden of its own, started for it;
# base_rss_kb is its RSS after one 10 KB message.
#
# Prints, per size x operation x key:
#   smime-milter-case size=B op=O key=K rounds=N msgs_per_s=MED min=X
#     max=Y spread_pct=P mib_per_s=MED p50_ms=MED peak_rss_kb=MAX
#     openssl_msgs_per_s=MED ratio_openssl=MED
# (peak_rss_kb: gatewarden's VmHWM over the case's runs, reset before
# each; openssl_msgs_per_s: the same operation, key and size with
# OpenSSL's CMS API in one process (bench/smime-bench), run right after
# the milter in the same round; for decrypt and verify, SMIME_read_CMS +
# CMS_decrypt or CMS_verify on the same message in bench/smime-milter
# itself, right after its milter run; ratio_openssl: milter over OpenSSL
# msgs/s, the median of each round's ratio), per memory case:
#   smime-milter-memory case=C size=B concurrent=N limit_kb=L
#     base_rss_kb=R peak_rss_kb=P over_base_kb=P-R over_limit_kb=P-R-L
# and round lines ("smime-milter-round ...") first. Needs root (the
# private folder of keys is made as gatewarden-keys wants it).
. "$top_srcdir/t/lib/tap.sh"
. "$top_srcdir/t/lib/bench.sh"
. "$top_srcdir/bench/lib.sh"

ROUNDS=3 SIZES="10240 102400 1048576 10485760"
OPS="sign encrypt sign-encrypt decrypt verify"
KEYS="rsa2048 p256" CONC=1 MEMORY=
while getopts qr:z:o:k:c:M o; do
	case $o in
	q) ROUNDS=2 SIZES="10240 102400" ;;
	r) ROUNDS=$OPTARG ;;
	z) SIZES=$OPTARG ;;
	o) OPS=$OPTARG ;;
	k) KEYS=$OPTARG ;;
	c) CONC=$OPTARG ;;
	M) MEMORY=1 ;;
	*) echo "usage: smime-milter-bench.sh [-q] [-r N] [-z B] [-o O] [-k K] [-c N] [-M]" >&2
	   exit 2 ;;
	esac
done

bl_init
bl_machine
W=$BENCH_WORK
DRIVE=$BL_BIN/bench/smime-milter
INPROC=$BL_BIN/bench/smime-bench
GWKEYS=$BL_BIN/smime/gatewarden-keys

# ---- keys and configurations ----------------------------------------

mkdir -p "$W/private" && chmod 0700 "$W/private"
for k in $(printf '%s\n' rsa2048 $KEYS | sort -u); do
	"$GWKEYS" --private-dir "$W/private" --keystore "$W/keystore.db" \
	    create-cert "org-$k" --smime --key-type "$k" --cn "Bench Org" \
	    --email gateway@load.bench.gatewarden.test --days 30 >/dev/null ||
	    bail_out "gatewarden-keys create-cert org-$k failed"
done
"$GWKEYS" --private-dir "$W/private" --keystore "$W/keystore.db" \
    create-cert bob --smime --cn Bob --email bob@sink.bench.gatewarden.test \
    --days 30 >/dev/null || bail_out "gatewarden-keys create-cert bob failed"
"$GWKEYS" --private-dir "$W/private" --keystore "$W/keystore.db" \
    pubkey add bob "$W/private/bob.crt" >/dev/null ||
    bail_out "gatewarden-keys pubkey add failed"

# The signer of incoming mail and its CA (t/smime-certs.sh).
INCOMING=
case " $OPS " in *" decrypt "*|*" verify "*) INCOMING=1 ;; esac
certs=$(cd "$top_srcdir" && pwd)/t/smime-certs.sh
[ -z "$INCOMING" ] || { mkdir -p "$W/c" && (cd "$W/c" && . "$certs" &&
    make_test_certs >/dev/null 2>&1); } || bail_out "cannot make test certificates"

config_in() {	# config_in: the configuration of decrypt and verify
	cat <<EOF
milter:
  authserv_id: mx.bench.gatewarden.test
  memory_limit_per_message: 8MiB
log:
  level: info
trust:
  system_cas: false
  custom_ca_file: @WORK@/c/ca.pem
sender_groups:
  - name: internet
    match: any
    direction: inbound
    smime_inbound: in
destinations:
  default: { dane: none }
smime:
  keystore: @WORK@/keystore.db
  private_dir: @WORK@/private
  certificates:
    - { name: org, certificate: @WORK@/private/org-rsa2048.crt, key: @WORK@/private/org-rsa2048.key }
  inbound_policies:
    - { name: in, decrypt: true, verify: true, signature: remove, on_failure: reject }
EOF
}

config() {	# config OP KEY: a configuration template on stdout
	case $1 in decrypt|verify) config_in; return ;; esac
	cat <<EOF
milter:
  authserv_id: mx.bench.gatewarden.test
  memory_limit_per_message: 8MiB
log:
  level: info
sender_groups:
  - name: internal
    match:
      client_ip: [127.0.0.0/8]
    direction: outbound
  - name: internet
    match: any
    direction: inbound
destinations:
  default: { dane: none }
smime:
  keystore: @WORK@/keystore.db
  private_dir: @WORK@/private
  certificates:
    - { name: org, certificate: @WORK@/private/org-$2.crt, key: @WORK@/private/org-$2.key }
  sending_profiles:
    - name: p
      mode: $1
      signing_certificate: org
      sign_mode: detached
      missing_key: bounce
  sending_rules:
    - name: bench
      match:
        recipient_domain: [sink.bench.gatewarden.test]
      profile: p
EOF
}

# The cases: OP/KEY; encrypt does not sign, so it runs once.
CASES=
for op in $OPS; do
	for k in $KEYS; do
		case $op in
		decrypt|verify) CASES="$CASES $op/rsa2048"; break ;;
		esac
		CASES="$CASES $op/$k"
		[ "$op" = encrypt ] && break
	done
done

# The incoming messages per size: the entity smime-milter sends for the
# other cases, encrypted or signed; bytes_Z is its body's length, what
# gatewarden must send back.
hdrs="-from sender@example.org -to bob@sink.bench.gatewarden.test -subject bench"
for z in ${INCOMING:+$SIZES}; do
	"$DRIVE" -P -z "$z" >"$W/entity.$z" || bail_out "smime-milter -P"
	eval "bytes_$z=$(($(wc -c <"$W/entity.$z") - $(head -n 1 "$W/entity.$z" | wc -c) - 2))"
	# shellcheck disable=SC2086
	openssl cms -encrypt -aes256 -in "$W/entity.$z" $hdrs \
	    -out "$W/decrypt.$z.eml" "$W/private/org-rsa2048.crt" &&
	openssl cms -sign -md sha256 -signer "$W/c/signer.pem" \
	    -inkey "$W/c/signer.key" -in "$W/entity.$z" $hdrs \
	    -out "$W/verify.$z.eml" || bail_out "openssl cms at $z"
done
for c in $CASES; do
	n=$(echo "$c" | tr /- __)
	config "${c%/*}" "${c#*/}" >"$W/$n.in"
	bl_gatewarden "$n" "unix:$W/$n.sock" "$W/$n.in" || bail_out "gatewarden $c"
	eval "GPID_$n=$(pgrep -P "$BL_LAST_PID" | head -n 1)"
done

# Messages per run: enough for a second or so of work at each size.
count_for() {
	if [ "$1" -le 20480 ]; then echo 60
	elif [ "$1" -le 204800 ]; then echo 30
	elif [ "$1" -le 2097152 ]; then echo 8
	else echo 2; fi
}

# ---- the rounds -------------------------------------------------------

: >"$W/rounds"
for r in $(seq 1 "$ROUNDS"); do
	for z in $SIZES; do
		m=$(count_for "$z")
		[ "$m" -lt "$CONC" ] && m=$CONC
		for c in $CASES; do
			n=$(echo "$c" | tr /- __)
			pid=$(eval "echo \$GPID_$n")
			bl_hwm_reset "$pid"
			case $c in
			decrypt/*) inargs="-O decrypt -C $W/private/org-rsa2048.crt -K $W/private/org-rsa2048.key" ;;
			verify/*) inargs="-O verify -A $W/c/ca.pem" ;;
			*) inargs= ;;
			esac
			if [ -n "$inargs" ]; then
				# shellcheck disable=SC2086
				out=$("$DRIVE" -c "$CONC" -m "$m" -f "$W/${c%/*}.$z.eml" \
				    -x "$(eval "echo \$bytes_$z")" -a 2 $inargs \
				    "unix:$W/$n.sock" 2>"$W/drive.err")
			else
				out=$("$DRIVE" -e -c "$CONC" -m "$m" -z "$z" "unix:$W/$n.sock" 2>"$W/drive.err")
			fi
			st=$?
			if [ "$st" != 0 ]; then
				diag "smime-milter failed for $c at $z: $(cat "$W/drive.err")"
				diag_file "$W/$n.log" 10
				TAP_FAILED=1
				continue
			fi
			hwm=$(bl_hwm_kb "$pid")
			if [ -n "$inargs" ]; then
				ossl=${out##*openssl_msgs_per_s=}
				out=${out% openssl_msgs_per_s=*}
				eval "sent_$n=\$((\${sent_$n:-0} + m))"
			else
				ossl=$("$INPROC" -r 1 -o "${c%/*}" -z "$z" -k "${c#*/}" \
				    "$W/private/org-${c#*/}.crt" "$W/private/org-${c#*/}.key" \
				    "$W/private/bob.crt" 0.5 2>>"$W/drive.err" |
				    sed -n 's/.* openssl_msgs_per_s=\([0-9.]*\) .*/\1/p')
			fi
			line="smime-milter-round size=$z op=${c%/*} key=${c#*/} round=$r ${out#smime-milter } peak_rss_kb=$hwm openssl_msgs_per_s=${ossl:-0}"
			echo "$line"
			echo "$line" >>"$W/rounds"
		done
	done
done

# Each incoming message got its verdict: none (decrypted, nothing was
# signed) or pass, as the headers gatewarden added say.
for c in $CASES; do
	n=$(echo "$c" | tr /- __)
	case $c in
	decrypt/*) want="smime_in=none .* decrypted=yes" ;;
	verify/*) want="smime_in=pass .* signature=removed" ;;
	*) continue ;;
	esac
	got=$(grep -c "$want" "$W/$n.log")
	sent=$(eval "echo \${sent_$n:-0}")
	if [ "$got" != "$sent" ]; then
		diag "$c: $got messages logged $want, $sent sent"
		TAP_FAILED=1
	fi
done

awk '
{
	delete f
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	key = f["size"] "/" f["op"] "/" f["key"]
	print key "|rate", f["msgs_per_s"]
	print key "|mib", f["mib_per_s"]
	print key "|p50", f["p50_ms"]
	print key "|rss", f["peak_rss_kb"]
	print key "|ossl", f["openssl_msgs_per_s"]
	if (f["openssl_msgs_per_s"] > 0)
		print key "|ratio", f["msgs_per_s"] / f["openssl_msgs_per_s"]
}' "$W/rounds" >"$W/values"
bl_stats "$W/values" >"$W/stats"
awk '
{
	split($1, kp, "|"); key = kp[1]
	if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
	med[key, kp[2]] = $2; mn[key, kp[2]] = $3; mx[key, kp[2]] = $4
	sp[key, kp[2]] = $5; n[key] = $6
}
END {
	for (k = 1; k <= nk; k++) {
		key = order[k]; split(key, p, "/")
		printf "smime-milter-case size=%s op=%s key=%s rounds=%d", p[1], p[2], p[3], n[key]
		printf " msgs_per_s=%.2f min=%.2f max=%.2f spread_pct=%.1f", \
		    med[key, "rate"], mn[key, "rate"], mx[key, "rate"], sp[key, "rate"]
		printf " mib_per_s=%.2f p50_ms=%.2f peak_rss_kb=%d", \
		    med[key, "mib"], med[key, "p50"], mx[key, "rss"]
		printf " openssl_msgs_per_s=%.2f ratio_openssl=%s\n", med[key, "ossl"], \
		    ((key, "ratio") in med) ? sprintf("%.3f", med[key, "ratio"]) : "-"
	}
}' "$W/stats"

# ---- memory -------------------------------------------------------------

memory_case() {	# memory_case NAME SIZE CONCURRENT: on a fresh gatewarden
	n=mem_$1
	config sign-encrypt rsa2048 >"$W/$n.in"
	bl_gatewarden "$n" "unix:$W/$n.sock" "$W/$n.in" || bail_out "gatewarden $n"
	pid=$(pgrep -P "$BL_LAST_PID" | head -n 1)
	# The idle figure after one small message (libraries and pools in).
	"$DRIVE" -e -m 1 -z 10240 "unix:$W/$n.sock" >/dev/null 2>"$W/drive.err" ||
	    { diag "memory case $1: $(cat "$W/drive.err")"; TAP_FAILED=1; return; }
	base=$(bl_rss_kb "$pid")
	bl_hwm_reset "$pid"
	if ! "$DRIVE" -e -w 600 -c "$3" -m "$3" -z "$2" "unix:$W/$n.sock" \
	    >/dev/null 2>"$W/drive.err"; then
		diag "memory case $1 failed: $(cat "$W/drive.err")"
		TAP_FAILED=1
		return
	fi
	peak=$(bl_hwm_kb "$pid")
	echo "smime-milter-memory case=$1 size=$2 concurrent=$3 limit_kb=8192" \
	    "base_rss_kb=$base peak_rss_kb=$peak" \
	    "over_base_kb=$((peak - base)) over_limit_kb=$((peak - base - 8192))"
}
if [ -n "$MEMORY" ]; then
	memory_case one-50mib 52428800 1
	memory_case fifty-10mib 10485760 50
fi
[ "${TAP_FAILED:-0}" = 0 ]

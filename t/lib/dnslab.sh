# dnslab.sh - a DNSSEC lab on loopback for the DANE tests, sourced by them.
#
# dnslab_start DIR: in DIR (made by the caller with mktemp -d) makes the
# test certificates, signs the lab zones with ldns-keygen/ldns-signzone,
# starts nsd (authoritative) and a validating unbound, each on a free
# 127.0.0.1 port, and sets:
#   LAB_NSD_PORT LAB_UNBOUND_PORT  the ports
#   LAB_TA                         the trust anchor file (DS of "test.")
#   LAB_STUBS                      "zone addr" lines for libunbound stubs
#   LAB_CERTS                      the folder of certificates and keys
# dnslab_stop: stops both servers (the caller's trap calls it).
#
# Zones: "test." is the signed root of the lab (its DS is the trust
# anchor); unsigned.test is delegated without DS; bogus.test has a DS that
# matches no key; expired.test is signed with signatures that expired;
# _tcp.mx.sf.test is delegated to an nsd zone that failed to load
# (SERVFAIL). In test.: unusable, unknown and plainx have TLSA records
# that are all unusable (usages 0 and 1; an unknown usage, matching type
# and selector); unusablemix mixes such a host with one without TLSA;
# backup and backupbad have a primary without TLSA on 127.0.0.4, where
# nothing listens, and a backup with TLSA (matching, not matching); the
# MX hosts of plainx and tls13 are on 127.0.0.3 and 127.0.0.5, for the
# sinks of the namespace test; every other host is 127.0.0.1. The sink
# gives mx.catrust.test (no TLSA) the lab CA's chain for mx.d201.test.
# Every server listens on 127.0.0.1 only; every command is bounded by
# timeout(1).
#
# MTA-STS and TLS-RPT (RFC 8461, 8460): the sts-*.test domains publish
# _mta-sts and _smtp._tls TXT records; their policy host mta-sts.D is on
# $LAB_STS_ADDR (127.0.0.6; 127.0.0.7 for sts-nohttps.test, where nothing
# listens). dnslab_https starts t/sts_https.py there on port 443 (inside
# a private network namespace only), its policies in $LAB/sts (see
# dnslab_https). sts-enforce, sts-testing and sts-none publish those
# modes for their MX host; sts-pattern names its MX host with "*.";
# sts-nomatch's MX host (mx.sts-elsewhere.test) is not in its policy;
# sts-badcert's policy host has a certificate from a CA nobody trusts;
# sts-ctype serves text/html, sts-big 70 000 bytes, sts-redirect a 301;
# sts-dane's MX host is mx.d311.test (usable TLSA). The lab CA signs the
# policy hosts' certificate (sts-web) and that of the STS MX hosts
# (sts-mx). tlsrpt.rua.test (on $LAB_STS_ADDR too) takes https: reports.
# fast.test has an MX TTL of 3 seconds; *.wild.test are MX records to
# mx.d311.test (a new name for every look-up, for the benchmark).
# live.test is a signed child zone with TTLs of 2 seconds that a test
# changes while the lab runs (dnslab_live_update): live.test's MX host
# has a TLSA record, and sts-id.live.test an _mta-sts id.

LAB_PIDS=""

dnslab_free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The hex digests of certificate $1 (PEM) for TLSA: spki-sha256,
# cert-sha512, spki-full, cert-sha256.
dnslab_spki_sha256() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n'
}
dnslab_spki_full() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
	    od -An -v -tx1 | tr -d ' \n'
}
dnslab_cert_sha512() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha512 -binary |
	    od -An -v -tx1 | tr -d ' \n'
}
dnslab_cert_sha256() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary |
	    od -An -v -tx1 | tr -d ' \n'
}

# Certificates: a self-signed one per DANE-EE host, a lab CA with leaves
# for the DANE-TA hosts, an expired leaf of that CA.
dnslab_certs() {
	c=$1
	mkdir -p "$c"
	(
	cd "$c" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout ee.key -out ee.pem -days 30 -subj /CN=mx.lab.test \
	    2>/dev/null || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout other.key -out other.pem -days 30 -subj /CN=other.lab.test \
	    2>/dev/null || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout ca.key -out ca.pem -days 30 -subj "/CN=Lab CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
	for h in mx.d201.test mx.d2exp.test; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout $h.key -out $h.csr -subj /CN=$h 2>/dev/null || exit 1
	done
	printf 'subjectAltName=DNS:mx.d201.test\n' > d201.ext
	openssl x509 -req -in mx.d201.test.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 30 -extfile d201.ext -out mx.d201.test.pem \
	    2>/dev/null || exit 1
	# An expired leaf: valid from 40 to 30 days ago (openssl ca: x509
	# of OpenSSL 3.0 cannot set the start date).
	mkdir -p ca.db && : > ca.db/index && echo 01 > ca.db/serial
	cat > ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
database = ca.db/index
serial = ca.db/serial
new_certs_dir = ca.db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
subjectAltName = DNS:mx.d2exp.test
basicConstraints = CA:FALSE
CNF
	openssl ca -batch -config ca.cnf -in mx.d2exp.test.csr \
	    -startdate "$(date -u -d '40 days ago' +%Y%m%d%H%M%SZ)" \
	    -enddate "$(date -u -d '30 days ago' +%Y%m%d%H%M%SZ)" \
	    -out mx.d2exp.test.pem 2>/dev/null || exit 1
	# MTA-STS: the policy hosts (and the TLS-RPT endpoint), the STS
	# domains' MX hosts, both from the lab CA (chain files: leaf, CA);
	# a policy host with a certificate of a CA nobody trusts.
	san=DNS:tlsrpt.rua.test
	for h in $DNSLAB_STS_WEB; do
		san="$san,DNS:mta-sts.$h.test"
	done
	dnslab_leaf sts-web "$san" || exit 1
	san=
	for h in $DNSLAB_STS_MX; do
		san="$san${san:+,}DNS:$h"
	done
	dnslab_leaf sts-mx "$san" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout sts-bad.key -out sts-bad.pem -days 30 \
	    -subj /CN=mta-sts.sts-badcert.test \
	    -addext subjectAltName=DNS:mta-sts.sts-badcert.test \
	    2>/dev/null || exit 1
	)
}

# The STS domains with a policy host (mta-sts.D.test) and the STS MX hosts.
DNSLAB_STS_WEB="sts-enforce sts-testing sts-none sts-pattern sts-nomatch
    sts-badcert sts-ctype sts-big sts-redirect sts-dane sts-maxage
    sts-id.live"
DNSLAB_STS_MX="mx.sts-enforce.test mx.sts-testing.test mx.sts-none.test
    mx1.sts-pattern.test mx.sts-elsewhere.test mx.sts-maxage.test
    mx.sts-id.live.test mx.sts-nohttps.test"

# dnslab_leaf NAME SAN: NAME.pem (leaf and lab CA) and NAME.key, for the
# subjectAltName SAN, in the current folder (the certificates').
dnslab_leaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$1.lab.test" \
	    2>/dev/null || return 1
	printf 'subjectAltName=%s\n' "$2" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.leaf" \
	    2>/dev/null || return 1
	cat "$1.leaf" ca.pem > "$1.pem"
}

# Signs zone file $2 of zone $1 in the current folder with a new KSK and
# ZSK (or, with DNSLAB_KEEP_KEYS=1, those of the previous signing, kept
# in $1.keys); extra ldns-signzone options follow. Leaves $2.signed and
# the DS record in $1.ds (without the final dot).
dnslab_sign() {
	zone=$1 file=$2
	shift 2
	if [ "${DNSLAB_KEEP_KEYS:-0}" = 1 ] && [ -s "${zone%.}.keys" ]; then
		read -r ksk zsk < "${zone%.}.keys"
	else
		ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone") || return 1
		zsk=$(ldns-keygen -a ECDSAP256SHA256 "$zone") || return 1
		echo "$ksk $zsk" > "${zone%.}.keys"
	fi
	cat "$ksk.key" "$zsk.key" >> "$file"
	ldns-signzone "$@" -f "$file.signed" "$file" "$zsk" "$ksk" || return 1
	# The DS with SHA-256 (digest type 2).
	ldns-key2ds -n -2 "$ksk.key" > "${zone%.}.ds" || return 1
}

# The lab zones, in folder $1, certificates in $2.
dnslab_zones() {
	z=$1 c=$2
	ee311=$(dnslab_spki_sha256 "$c/ee.pem")
	ee302=$(dnslab_cert_sha512 "$c/ee.pem")
	ee310=$(dnslab_spki_full "$c/ee.pem")
	other311=$(dnslab_spki_sha256 "$c/other.pem")
	ca201=$(dnslab_cert_sha256 "$c/ca.pem")
	d2exp311=$(dnslab_spki_sha256 "$c/mx.d2exp.test.pem")
	soa='@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300'
	(
	cd "$z" || exit 1
	for child in unsigned bogus expired; do
		cat > $child.test.zone <<ZONE
\$ORIGIN $child.test.
\$TTL 300
$soa
@ NS ns.test.
d MX 10 mx.$child.test.
mx A 127.0.0.1
_25._tcp.mx TLSA 3 1 1 $ee311
insmx MX 10 mx.d311.test.
ZONE
	done
	dnslab_sign bogus.test. bogus.test.zone >/dev/null || exit 1
	dnslab_live_zone "$other311" 1 1 || exit 1
	dnslab_sign expired.test. expired.test.zone -i 20200101 -e 20200201 \
	    >/dev/null || exit 1
	# A DS that matches no key of bogus.test: one digest digit changed.
	# (Hex is case-insensitive: compare the digit upper-cased.)
	bogusds=$(awk '{ d = $NF; c = toupper(substr(d, 1, 1));
	    $NF = (c == "A" ? "B" : "A") substr(d, 2); print }' bogus.test.ds)
	cat > test.zone <<ZONE
\$ORIGIN test.
\$TTL 300
$soa
@ NS ns.test.
ns A 127.0.0.1
unsigned NS ns.test.
bogus NS ns.test.
$bogusds
expired NS ns.test.
$(cat expired.test.ds)
d311 MX 10 mx.d311
mx.d311 A 127.0.0.1
_25._tcp.mx.d311 TLSA 3 1 1 $ee311
d302 MX 10 mx.d302
mx.d302 A 127.0.0.1
_25._tcp.mx.d302 TLSA 3 0 2 $ee302
d310 MX 10 mx.d310
mx.d310 A 127.0.0.1
_25._tcp.mx.d310 TLSA 3 1 0 $ee310
d201 MX 10 mx.d201
mx.d201 A 127.0.0.1
_25._tcp.mx.d201 TLSA 2 0 1 $ca201
d2name MX 10 mx.d2name
mx.d2name A 127.0.0.1
_25._tcp.mx.d2name TLSA 2 0 1 $ca201
d2exp MX 10 mx.d2exp
mx.d2exp A 127.0.0.1
_25._tcp.mx.d2exp TLSA 2 0 1 $ca201
d3exp MX 10 mx.d3exp
mx.d3exp A 127.0.0.1
_25._tcp.mx.d3exp TLSA 3 1 1 $d2exp311
unusable MX 10 mx.unusable
mx.unusable A 127.0.0.1
_25._tcp.mx.unusable TLSA 0 0 1 $ca201
_25._tcp.mx.unusable TLSA 1 1 1 $ee311
mismatch MX 10 mx.mismatch
mx.mismatch A 127.0.0.1
_25._tcp.mx.mismatch TLSA 3 1 1 $other311
rollover MX 10 mx.rollover
mx.rollover A 127.0.0.1
_25._tcp.mx.rollover TLSA 3 1 1 $other311
_25._tcp.mx.rollover TLSA 3 1 1 $ee311
nodata MX 10 mx.nodata
mx.nodata A 127.0.0.1
_25._tcp.mx.nodata TXT "no TLSA here"
nxtlsa MX 10 mx.nxtlsa
mx.nxtlsa A 127.0.0.1
cname MX 10 alias.cname
alias.cname CNAME mx.real.cname
mx.real.cname A 127.0.0.1
_25._tcp.mx.real.cname TLSA 3 1 1 $ee311
implicit A 127.0.0.1
_25._tcp.implicit TLSA 3 1 1 $ee311
mixed MX 10 mx.d311
mixed MX 20 mx.nxtlsa
unknown MX 10 mx.unknown
mx.unknown A 127.0.0.1
_25._tcp.mx.unknown TLSA 4 1 1 $ee311
_25._tcp.mx.unknown TLSA 3 1 3 $ee311
_25._tcp.mx.unknown TLSA 3 2 1 $ee311
unusablemix MX 10 mx.unusable
unusablemix MX 20 mx.nxtlsa
plainx MX 10 mx.plainx
mx.plainx A 127.0.0.3
_25._tcp.mx.plainx TLSA 1 1 1 $ee311
backup MX 10 mx.down
backup MX 20 mx.d311
mx.down A 127.0.0.4
backupbad MX 10 mx.down
backupbad MX 20 mx.mismatch
catrust MX 10 mx.catrust
mx.catrust A 127.0.0.1
tls13 MX 10 mx.tls13
mx.tls13 A 127.0.0.5
_25._tcp.mx.tls13 TLSA 3 1 1 $ee311
unsmx MX 10 mx.unsigned.test.
bogusmx MX 10 mx.bogus.test.
sf MX 10 mx.sf
mx.sf A 127.0.0.1
_tcp.mx.sf NS ns.test.
fast 3 MX 10 mx.d311
*.wild MX 10 mx.d311
live NS ns.test.
$(cat live.test.ds)
$(dnslab_sts_records)
ZONE
	dnslab_sign test. test.zone >/dev/null || exit 1
	cp test.ds ta.key
	)
}

# The MTA-STS and TLS-RPT records of test. (see the header).
dnslab_sts_records() {
	rua='"v=TLSRPTv1; rua=mailto:tlsrpt@rua.test"'
	for d in sts-enforce sts-testing sts-none sts-maxage sts-nohttps; do
		echo "$d MX 10 mx.$d"
		echo "mx.$d A 127.0.0.1"
	done
	cat <<RR
sts-pattern MX 10 mx1.sts-pattern
mx1.sts-pattern A 127.0.0.1
sts-nomatch MX 10 mx.sts-elsewhere
mx.sts-elsewhere A 127.0.0.1
sts-badcert MX 10 mx.sts-enforce
sts-ctype MX 10 mx.sts-enforce
sts-big MX 10 mx.sts-enforce
sts-redirect MX 10 mx.sts-enforce
sts-dane MX 10 mx.d311
mta-sts.sts-nohttps A 127.0.0.7
_mta-sts.sts-nohttps TXT "v=STSv1; id=1"
tlsrpt.rua A $LAB_STS_ADDR
_smtp._tls.d311 TXT $rua
_smtp._tls.mismatch TXT $rua
_smtp._tls.plainx TXT "v=TLSRPTv1; rua=mailto:tlsrpt@rua.test,https://tlsrpt.rua.test/report"
_smtp._tls.sts-enforce TXT "v=TLSRPTv1; rua=https://tlsrpt.rua.test/report"
_smtp._tls.sts-nomatch TXT $rua
RR
	for d in $DNSLAB_STS_WEB; do
		case $d in *.live) continue ;; esac
		echo "_mta-sts.$d TXT \"v=STSv1; id=${d#sts-}1\""
		echo "mta-sts.$d A $LAB_STS_ADDR"
	done
}

# dnslab_live_zone TLSA-SPKI-SHA256 STS-ID SERIAL: writes and signs
# live.test (in the current folder, the zones'), with the keys of its
# first signing once there was one.
dnslab_live_zone() {
	cat > live.test.zone <<ZONE
\$ORIGIN live.test.
\$TTL 2
@ SOA ns.test. hostmaster.test. $3 3600 600 86400 2
@ NS ns.test.
@ MX 10 mx
mx A 127.0.0.1
_25._tcp.mx TLSA 3 1 1 $1
sts-id MX 10 mx.sts-id
mx.sts-id A 127.0.0.1
_mta-sts.sts-id TXT "v=STSv1; id=$2"
mta-sts.sts-id A $LAB_STS_ADDR
ZONE
	DNSLAB_KEEP_KEYS=1 dnslab_sign live.test. live.test.zone >/dev/null
}

# dnslab_live_update TLSA-SPKI-SHA256 STS-ID: live.test changed while the
# lab runs (nsd reloads it on SIGHUP); waits until nsd serves the new
# serial. Resolvers see it once their 2-second TTLs have run out.
DNSLAB_LIVE_SERIAL=1
dnslab_live_update() {
	DNSLAB_LIVE_SERIAL=$((DNSLAB_LIVE_SERIAL + 1))
	( cd "$LAB/zones" && dnslab_live_zone "$1" "$2" "$DNSLAB_LIVE_SERIAL" ) ||
	    return 1
	kill -HUP "$(cat "$LAB/nsd.pid")" || return 1
	i=0
	while [ $i -lt 50 ]; do
		if timeout 5 drill -p "$LAB_NSD_PORT" @127.0.0.1 live.test SOA \
		    2>/dev/null | grep -q "SOA.* $DNSLAB_LIVE_SERIAL 3600"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

dnslab_wait_port() {
	i=0
	while [ $i -lt 50 ]; do
		if timeout 5 drill -p "$2" @127.0.0.1 "$1" SOA 2>/dev/null |
		    grep -q 'rcode: NOERROR'; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

dnslab_start() {
	LAB=$1
	LAB_CERTS=$LAB/certs
	LAB_STS_ADDR=127.0.0.6
	mkdir -p "$LAB/zones" || return 1
	dnslab_certs "$LAB_CERTS" || { echo "# dnslab: certificates failed"; return 1; }
	dnslab_zones "$LAB/zones" "$LAB_CERTS" || { echo "# dnslab: signing failed"; return 1; }
	LAB_TA=$LAB/zones/ta.key
	LAB_NSD_PORT=$(dnslab_free_port)
	# Preset only inside a private network namespace (port 53 there).
	LAB_UNBOUND_PORT=${LAB_UNBOUND_PORT:-$(dnslab_free_port)}
	nsdaddr=127.0.0.1@$LAB_NSD_PORT
	LAB_STUBS="test. $nsdaddr
unsigned.test. $nsdaddr
live.test. $nsdaddr
bogus.test. $nsdaddr
expired.test. $nsdaddr
_tcp.mx.sf.test. $nsdaddr"
	cat > "$LAB/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$LAB_NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$LAB/zones"
	database: ""
	zonelistfile: "$LAB/nsd.zonelist"
	xfrdfile: "$LAB/nsd.xfrd"
	xfrdir: "$LAB"
	pidfile: "$LAB/nsd.pid"
	logfile: "$LAB/nsd.log"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: test.
	zonefile: test.zone.signed
zone:
	name: unsigned.test.
	zonefile: unsigned.test.zone
zone:
	name: live.test.
	zonefile: live.test.zone.signed
zone:
	name: bogus.test.
	zonefile: bogus.test.zone.signed
zone:
	name: expired.test.
	zonefile: expired.test.zone.signed
# Configured without a zone file: nsd answers SERVFAIL for it.
zone:
	name: _tcp.mx.sf.test.
	zonefile: missing.zone
CONF
	{
	cat <<CONF
server:
	interface: 127.0.0.1
	port: $LAB_UNBOUND_PORT
	username: ""
	chroot: ""
	directory: "$LAB"
	pidfile: "$LAB/unbound.pid"
	logfile: "$LAB/unbound.log"
	use-syslog: no
	num-threads: 1
	so-reuseport: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	trust-anchor-file: "$LAB_TA"
	local-zone: "test." nodefault
	val-log-level: 2
	verbosity: 1
remote-control:
	control-enable: no
CONF
	echo "$LAB_STUBS" | while read -r zone addr; do
		printf 'stub-zone:\n\tname: "%s"\n\tstub-addr: %s\n' "$zone" "$addr"
	done
	} > "$LAB/unbound.conf"
	timeout 600 nsd -d -c "$LAB/nsd.conf" >"$LAB/nsd.out" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	timeout 600 unbound -d -c "$LAB/unbound.conf" >"$LAB/unbound.out" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	dnslab_wait_port test. "$LAB_NSD_PORT" ||
	    { echo "# dnslab: nsd did not start"; cat "$LAB/nsd.log" "$LAB/nsd.out" | sed 's/^/# /'; return 1; }
	dnslab_wait_port test. "$LAB_UNBOUND_PORT" ||
	    { echo "# dnslab: unbound did not start"; sed 's/^/# /' "$LAB/unbound.log" "$LAB/unbound.out"; return 1; }
	export LAB LAB_CERTS LAB_TA LAB_NSD_PORT LAB_UNBOUND_PORT LAB_STUBS \
	    LAB_STS_ADDR
}

dnslab_stop() {
	for p in $LAB_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $LAB_PIDS; do
		wait "$p" 2>/dev/null
	done
	LAB_PIDS=""
}

# dnslab_sink_start NAME ARGS...: starts one t/dane_sink.py (the ee
# certificate by default), its port in $LAB/NAME.port, its output in
# $LAB/NAME.out; ARGS go to the sink (--address, --no-starttls, ...).
dnslab_sink_start() {
	name=$1
	shift
	rm -f "$LAB/$name.port"
	timeout 600 python3 "$top_srcdir/t/dane_sink.py" \
	    --port-file "$LAB/$name.port" --default "$LAB_CERTS/ee" "$@" \
	    >"$LAB/$name.out" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	i=0
	while [ ! -s "$LAB/$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$LAB/$name.port" ] || { sed "s/^/# $name: /" "$LAB/$name.out"; return 1; }
}

# dnslab_sink: starts t/dane_sink.py with the lab's certificates (the
# certificate each MX host name should present, by SNI); sets
# LAB_SINK_PORT. Extra arguments go to the sink (e.g. --maildir DIR).
dnslab_sink() {
	c=$LAB_CERTS
	cat "$c/mx.d201.test.pem" "$c/ca.pem" > "$c/d201-chain.pem"
	cp "$c/mx.d201.test.key" "$c/d201-chain.key"
	cat "$c/mx.d2exp.test.pem" "$c/ca.pem" > "$c/d2exp-chain.pem"
	cp "$c/mx.d2exp.test.key" "$c/d2exp-chain.key"
	stsmaps=
	for h in $DNSLAB_STS_MX; do
		stsmaps="$stsmaps --map $h=$c/sts-mx"
	done
	# shellcheck disable=SC2086
	dnslab_sink_start sink $stsmaps \
	    --map "mx.d201.test=$c/d201-chain" \
	    --map "mx.d2exp.test=$c/d2exp-chain" \
	    --map "mx.d3exp.test=$c/d2exp-chain" \
	    --map "mx.d2name.test=$c/d201-chain" \
	    --map "mx.catrust.test=$c/d201-chain" "$@" || return 1
	LAB_SINK_PORT=$(cat "$LAB/sink.port")
	export LAB_SINK_PORT
}

# dnslab_https: inside a private network namespace, starts t/sts_https.py
# on $LAB_STS_ADDR:443 with the policies of the sts-*.test domains in
# $LAB/sts (HOST.txt, HOST.type, HOST.redirect: t/sts_https.py), which a
# test may change while it runs. Policies: enforce, testing and none for
# the domains of those names and sts-maxage (enforce, max_age 8),
# "*.sts-pattern.test", sts-nomatch naming only its own domain's hosts,
# sts-dane mx.d311.test;
# sts-ctype as text/html, sts-big over 64 KiB, sts-redirect a redirect to
# sts-enforce's; sts-id.live.test starts in testing. Requests are logged
# in $LAB/https.out.
dnslab_https() {
	d=$LAB/sts
	mkdir -p "$d" || return 1
	pol() {	# pol DOMAIN MODE MAX_AGE MX...
		f=$d/mta-sts.$1.txt
		printf 'version: STSv1\r\nmode: %s\r\n' "$2" > "$f"
		printf 'max_age: %s\r\n' "$3" >> "$f"
		shift 3
		for m in "$@"; do
			printf 'mx: %s\r\n' "$m" >> "$f"
		done
	}
	for m in enforce testing none; do
		pol sts-$m.test $m 86400 mx.sts-$m.test
	done
	pol sts-maxage.test enforce 8 mx.sts-maxage.test
	pol sts-pattern.test enforce 86400 "*.sts-pattern.test"
	pol sts-nomatch.test enforce 86400 "*.sts-nomatch.test"
	pol sts-dane.test enforce 86400 mx.d311.test
	pol sts-id.live.test testing 86400 mx.sts-id.live.test
	for x in badcert ctype big; do
		pol sts-$x.test enforce 86400 mx.sts-enforce.test
	done
	echo text/html > "$d/mta-sts.sts-ctype.test.type"
	python3 -c 'import sys
sys.stdout.write("version: STSv1\r\nmode: enforce\r\nmx: mx.sts-enforce.test\r\nmax_age: 86400\r\n" + "pad: 0123456789abcdef\r\n" * 4000)' \
	    > "$d/mta-sts.sts-big.test.txt"
	echo https://mta-sts.sts-enforce.test/.well-known/mta-sts.txt \
	    > "$d/mta-sts.sts-redirect.test.redirect"
	rm -f "$LAB/https.port"
	timeout 600 python3 "$top_srcdir/t/sts_https.py" --address "$LAB_STS_ADDR" \
	    --port 443 --port-file "$LAB/https.port" --root "$d" \
	    --default "$LAB_CERTS/sts-web" \
	    --map "mta-sts.sts-badcert.test=$LAB_CERTS/sts-bad" \
	    >"$LAB/https.out" 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
	i=0
	while [ ! -s "$LAB/https.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$LAB/https.port" ] || { sed 's/^/# https: /' "$LAB/https.out"; return 1; }
}

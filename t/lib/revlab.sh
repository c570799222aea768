# revlab.sh - a test PKI with revocation services on 127.0.0.1: a root
# CA, an intermediate, certificates good and revoked, CRLs served over
# HTTP and OCSP responders (openssl ocsp), made fresh for each test.
#
# Source this file (it needs $top_srcdir, and prints its complaints as
# TAP comments, so it goes with t/lib/tap.sh or t/keys-lib.sh); call
# revlab_init DIR (an empty folder the caller removes) and revlab_stop at
# the end (the caller's EXIT trap should call it too).
#
#   revlab_init DIR      makes the PKI under DIR and starts the servers:
#     $RL/root.crt                 root CA (self-signed; the trust anchor)
#     $RL/int.crt                  intermediate "GW Test Int", by root
#     $RL/bad-int.crt              intermediate revoked by root
#     $RL/NAME.crt, NAME.key       leaves (chain file NAME.chain = NAME.crt
#                                  and its intermediate), e-mail NAME@rev.test:
#       alice   good, encryption and signing
#       bob     revoked (keyCompromise) by int
#       signer  signing only, revoked by int
#       dave    issued by int, then removed from int's OCSP index: the
#               responder says "unknown" (the CRL does not list it)
#       carol   issued by bad-int (whose issuer revoked it); its AIA
#               caIssuers names int.der, which did not issue it
#       erin    good, by int, no responder named (CRL only)
#     every leaf's AIA caIssuers names $RL_HTTP_PORT/int.der (int's DER)
#     $RL_OCSP_PORT   int's responder (delegated responder certificate with
#                     id-kp-OCSPSigning); $RL_ROOT_OCSP_PORT root's (signed
#                     by the root itself)
#     $RL_HTTP_PORT   http.server for $RL/www: int.crl, root.crl, int.der
#   revlab_ocsp_restart [ARGS]   int's responder again, with openssl ocsp
#                     ARGS replacing the signer (e.g. -rsigner rogue.crt
#                     -rkey rogue.key: a responder int never authorised)
#   revlab_ocsp_stop             int's responder down
#   revlab_stale_crl             int.crl replaced by one whose nextUpdate
#                                passed an hour ago
#   revlab_fresh_crl             int.crl as at the start
#   revlab_proxy_start replay|tamper PORT_VAR  a proxy in front of int's
#                     responder: replay answers every request with the
#                     first answer (the first request's nonce), tamper
#                     changes a signed byte of each; its port in the
#                     variable named
#   revlab_stop                  every server down
#   _rl_issue int NAME CN v3_leaf EMAIL   one more certificate by int
#                     (see the function for the profiles and options)
RL=
RL_OCSP_PORT=
RL_ROOT_OCSP_PORT=
RL_HTTP_PORT=
RL_PIDS=
RL_OCSP_PID=
RL_FREEPORT="$top_srcdir/t/lib/freeport.py"

_rl_cnf()	# _rl_cnf CA_DIR: an openssl ca configuration
{
	cat <<EOF
[ ca ]
default_ca = this
[ this ]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 60
default_crl_days = 7
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
emailAddress = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = x
[ v3_root ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_int ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$RL_ROOT_OCSP_PORT/
crlDistributionPoints = URI:http://127.0.0.1:$RL_HTTP_PORT/root.crl
[ v3_leaf ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = email:\${ENV::RL_EMAIL}
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$RL_OCSP_PORT/, caIssuers;URI:http://127.0.0.1:$RL_HTTP_PORT/int.der
crlDistributionPoints = URI:http://127.0.0.1:$RL_HTTP_PORT/int.crl
[ v3_signer ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectAltName = email:\${ENV::RL_EMAIL}
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$RL_OCSP_PORT/, caIssuers;URI:http://127.0.0.1:$RL_HTTP_PORT/int.der
crlDistributionPoints = URI:http://127.0.0.1:$RL_HTTP_PORT/int.crl
[ v3_noaia ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectAltName = email:\${ENV::RL_EMAIL}
authorityInfoAccess = caIssuers;URI:http://127.0.0.1:$RL_HTTP_PORT/int.der
crlDistributionPoints = URI:http://127.0.0.1:$RL_HTTP_PORT/int.crl
[ v3_ocsp ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
[ v3_rogue ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
EOF
}

_rl_ca_dir()	# _rl_ca_dir NAME
{
	mkdir -p "$RL/$1/new"
	: >"$RL/$1/index.txt"
	echo 1000 >"$RL/$1/serial"
	echo 1000 >"$RL/$1/crlnumber"
	_rl_cnf "$RL/$1" >"$RL/$1/ca.cnf"
}

# _rl_key NAME rsa|ec: NAME.key. Key generation is what takes time: the
# leaves share one RSA key (encryption to them works as with any RSA
# certificate), the CAs and responders get quick EC keys.
_rl_key()
{
	if [ "$2" = rsa ]; then
		cp "$RL/leaf.key" "$RL/$1.key"
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$RL/$1.key" 2>/dev/null
	fi
}

# _rl_issue CA NAME CN EXT [EMAIL]: NAME.key, NAME.crt signed by CA; the
# key is RSA for the v3_leaf, v3_signer and v3_noaia extensions; more
# options of openssl ca in $RL_CA_ARGS (e.g. -startdate 20260101000000Z)
_rl_issue()
{
	case $4 in
	v3_leaf|v3_signer|v3_noaia) _rl_key "$2" rsa ;;
	*) _rl_key "$2" ec ;;
	esac || return 1
	openssl req -new -key "$RL/$2.key" \
	    -subj "/CN=$3" -out "$RL/$2.csr" 2>/dev/null &&
	RL_EMAIL=${5:-$2@rev.test} openssl ca -batch -config "$RL/$1/ca.cnf" \
	    -cert "$RL/$1.crt" -keyfile "$RL/$1.key" -extensions "$4" \
	    ${RL_CA_ARGS:-} -in "$RL/$2.csr" -out "$RL/$2.crt" -notext \
	    >"$RL/$2.err" 2>&1 &&
	chmod 0600 "$RL/$2.key"
}

_rl_revoke()	# _rl_revoke CA NAME REASON
{
	RL_EMAIL=x openssl ca -batch -config "$RL/$1/ca.cnf" -cert "$RL/$1.crt" \
	    -keyfile "$RL/$1.key" -revoke "$RL/$2.crt" -crl_reason "$3" \
	    >>"$RL/$2.err" 2>&1
}

_rl_crl()	# _rl_crl CA OUT [openssl ca options]
{
	_ca=$1 _out=$2
	shift 2
	RL_EMAIL=x openssl ca -batch -config "$RL/$_ca/ca.cnf" -cert "$RL/$_ca.crt" \
	    -keyfile "$RL/$_ca.key" -gencrl "$@" -out "$RL/crl.pem" 2>"$RL/crl.err" &&
	openssl crl -in "$RL/crl.pem" -outform DER -out "$_out"
}

_rl_listen()	# _rl_listen PORT: waits until it accepts
{
	_i=0
	while [ $_i -lt 100 ]; do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 1)" \
		    2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# nothing listens on 127.0.0.1:$1"
	return 1
}

# _rl_ready LOG: waits until openssl ocsp says it waits for clients. It
# is never probed with a bare connection: it serves one client at a time
# and would wait on that one (for -timeout seconds).
_rl_ready()
{
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q "waiting for OCSP client" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# openssl ocsp did not start:"
	sed 's/^/#   /' "$1" | tail -20
	return 1
}

_rl_responder()	# _rl_responder CA PORT [signer args]: prints its pid; log
{			# in $RL/ocsp-CA.log, afresh at each start
	_ca=$1 _port=$2
	shift 2
	# OpenSSL 3.0 takes a port number only (it listens on every address;
	# the lab's clients use 127.0.0.1)
	openssl ocsp -index "$RL/$_ca/index.txt" -port "$_port" \
	    -CA "$RL/$_ca.crt" "$@" -ignore_err -nmin 60 -timeout 5 \
	    >"$RL/ocsp-$_ca.log" 2>&1 &
	echo $!
}

revlab_init()
{
	RL=$1
	RL_OCSP_PORT=$(python3 "$RL_FREEPORT") &&
	RL_ROOT_OCSP_PORT=$(python3 "$RL_FREEPORT") &&
	RL_HTTP_PORT=$(python3 "$RL_FREEPORT") || return 1
	mkdir -p "$RL/www"
	_rl_ca_dir root && _rl_ca_dir int || return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$RL/leaf.key" 2>/dev/null && _rl_key root ec &&
	RL_EMAIL=x openssl req -x509 -new -key "$RL/root.key" \
	    -subj "/CN=GW Test Root" -days 90 -config "$RL/root/ca.cnf" \
	    -extensions v3_root -out "$RL/root.crt" 2>/dev/null || return 1
	_rl_issue root int "GW Test Int" v3_int &&
	_rl_issue root bad-int "GW Revoked Int" v3_int &&
	_rl_issue root root-ocsp "GW Root OCSP" v3_ocsp || return 1
	# bad-int signs with its own folder
	_rl_ca_dir bad-int
	for n in alice bob dave; do
		_rl_issue int $n "$n" v3_leaf || return 1
	done
	_rl_issue int signer "signer" v3_signer &&
	_rl_issue int erin "erin" v3_noaia &&
	_rl_issue bad-int carol "carol" v3_leaf &&
	_rl_issue int int-ocsp "GW Int OCSP" v3_ocsp &&
	_rl_issue int rogue "GW Rogue Responder" v3_rogue || return 1
	_rl_revoke int bob keyCompromise &&
	_rl_revoke int signer keyCompromise &&
	_rl_revoke root bad-int cACompromise || return 1
	# dave: out of the responder's index (unknown), not in the CRL
	grep -v "/CN=dave" "$RL/int/index.txt" >"$RL/int/index.tmp" &&
	    mv "$RL/int/index.tmp" "$RL/int/index.txt"
	for n in alice bob dave signer erin; do
		cat "$RL/$n.crt" "$RL/int.crt" >"$RL/$n.chain"
	done
	cat "$RL/carol.crt" "$RL/bad-int.crt" >"$RL/carol.chain"
	openssl x509 -in "$RL/int.crt" -outform DER -out "$RL/www/int.der" &&
	_rl_crl int "$RL/www/int.crl" && _rl_crl root "$RL/www/root.crl" &&
	    cp "$RL/www/int.crl" "$RL/int-fresh.crl" || return 1
	_rl_crl int "$RL/int-stale.crl" -crl_lastupdate 20000101000000Z \
	    -crl_nextupdate 20000102000000Z || return 1
	python3 -m http.server --bind 127.0.0.1 --directory "$RL/www" \
	    "$RL_HTTP_PORT" >"$RL/http.log" 2>&1 &
	RL_PIDS="$RL_PIDS $!"
	RL_OCSP_PID=$(_rl_responder int "$RL_OCSP_PORT" -rsigner "$RL/int-ocsp.crt" \
	    -rkey "$RL/int-ocsp.key")
	RL_PIDS="$RL_PIDS $(_rl_responder root "$RL_ROOT_OCSP_PORT" \
	    -rsigner "$RL/root.crt" -rkey "$RL/root.key")"
	_rl_listen "$RL_HTTP_PORT" && _rl_ready "$RL/ocsp-int.log" &&
	    _rl_ready "$RL/ocsp-root.log"
}

# _rl_kill PID: stops it and waits until it is gone (the responders are
# started in a command substitution: not children that wait can reap)
_rl_kill()
{
	kill "$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$1" 2>/dev/null
	return 0
}

revlab_ocsp_stop()
{
	[ -n "$RL_OCSP_PID" ] || return 0
	_rl_kill "$RL_OCSP_PID"
	RL_OCSP_PID=
}

revlab_ocsp_restart()
{
	revlab_ocsp_stop
	if [ $# -eq 0 ]; then
		set -- -rsigner "$RL/int-ocsp.crt" -rkey "$RL/int-ocsp.key"
	fi
	RL_OCSP_PID=$(_rl_responder int "$RL_OCSP_PORT" "$@")
	_rl_ready "$RL/ocsp-int.log"
}

revlab_stale_crl()
{
	cp "$RL/int-stale.crl" "$RL/www/int.crl"
}

revlab_fresh_crl()
{
	cp "$RL/int-fresh.crl" "$RL/www/int.crl"
}

# revlab_proxy_start MODE PORT_VAR: a proxy in front of int's responder
# on a port of its own (put in the variable named). MODE replay: every
# request gets the first answer it got (so the first request's nonce);
# tamper: each answer with one digit of its producedAt changed (the
# signature no longer covers what it says).
revlab_proxy_start()
{
	_p=$(python3 "$RL_FREEPORT") || return 1
	python3 - "$1" "$_p" "$RL_OCSP_PORT" >"$RL/proxy-$1.log" 2>&1 <<'EOF' &
import http.server, re, sys, urllib.request
mode, listen, upstream = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
first = []
def ask(body):
    req = urllib.request.Request('http://127.0.0.1:%d/' % upstream,
        data=body, headers={'Content-Type': 'application/ocsp-request'})
    return urllib.request.urlopen(req, timeout=10).read()
def tamper(der):
    # producedAt: the first GeneralizedTime (tag 0x18, 15 bytes)
    m = re.search(rb'\x18\x0f[0-9]{14}Z', der)
    i = m.start() + 15
    d = b'1' if der[i:i + 1] != b'1' else b'2'
    return der[:i] + d + der[i + 1:]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        if mode == 'replay':
            if not first:
                first.append(ask(body))
            out = first[0]
        else:
            out = tamper(ask(body))
        self.send_response(200)
        self.send_header('Content-Type', 'application/ocsp-response')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
http.server.HTTPServer(('127.0.0.1', listen), H).serve_forever()
EOF
	RL_PIDS="$RL_PIDS $!"
	eval "$2=$_p"
	_rl_listen "$_p"
}

revlab_stop()
{
	revlab_ocsp_stop
	for _p in $RL_PIDS; do
		_rl_kill "$_p"
	done
	RL_PIDS=
}

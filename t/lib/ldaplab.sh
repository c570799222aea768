# ldaplab.sh - a private OpenLDAP slapd (Debian's slapd, never the system
# one's configuration) on 127.0.0.1 and on an ldapi socket, loaded with
# the caller's entries, for the LDAP recipient look-up tests.
#
# The tree: dc=rev,dc=test with ou=people (anyone may read it) and
# ou=private (only cn=reader, password "reader-secret", or this user as
# a SASL EXTERNAL peer on the ldapi socket may read it). The schema is core,
# cosine and inetOrgPerson (userCertificate, userSMIMECertificate).
#
#   ldaplab_init DIR LDIF    slapd.conf and the database under DIR (an
#                            empty folder the caller removes), the
#                            entries of LDIF (after the tree's own)
#                            loaded with slapadd, slapd started; sets
#     $LL_URI     ldap://127.0.0.1:PORT
#     $LL_LDAPI   ldapi://... (the socket's path, URL-encoded)
#     $LL_BASE    dc=rev,dc=test
#   ldaplab_pause / ldaplab_resume   SIGSTOP / SIGCONT slapd: a directory
#                            that accepts connections and never answers
#   ldaplab_stop             slapd down (the caller's EXIT trap too)
#   ldif_person DN MAIL ATTR FILE...  an entry (inetOrgPerson) whose ATTR
#                            (userCertificate;binary: each FILE a PEM
#                            certificate; userSMIMECertificate: one PKCS#7
#                            bundle of them) to standard output
LL_URI=
LL_LDAPI=
LL_BASE=dc=rev,dc=test
LL_PID=
LL_DIR=

ldif_person()
{
	_dn=$1 _mail=$2 _attr=$3
	shift 3
	printf 'dn: %s\nobjectClass: inetOrgPerson\ncn: %s\nsn: %s\nmail: %s\n' \
	    "$_dn" "$_mail" "$_mail" "$_mail"
	if [ "$_attr" = userSMIMECertificate ]; then
		_args=
		for _f in "$@"; do
			_args="$_args -certfile $_f"
		done
		# shellcheck disable=SC2086
		printf 'userSMIMECertificate:: %s\n' "$(openssl crl2pkcs7 -nocrl \
		    $_args -outform DER | base64 -w0)"
	else
		for _f in "$@"; do
			printf '%s:: %s\n' "$_attr" "$(openssl x509 -in "$_f" \
			    -outform DER | base64 -w0)"
		done
	fi
	echo
}

_ll_conf()
{
	cat <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $LL_DIR/slapd.pid
argsfile $LL_DIR/slapd.args
sizelimit 50
database mdb
maxsize 10485760
suffix "$LL_BASE"
rootdn "cn=admin,$LL_BASE"
rootpw admin-secret
directory $LL_DIR/db
access to attrs=userPassword
	by self write
	by anonymous auth
	by * none
access to dn.subtree="ou=private,$LL_BASE"
	by dn.exact="cn=reader,$LL_BASE" read
	by dn.exact="gidNumber=$(id -g)+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth" read
	by * none
access to *
	by * read
EOF
}

_ll_tree()
{
	cat <<EOF
dn: $LL_BASE
objectClass: dcObject
objectClass: organization
dc: rev
o: gatewarden tests

dn: ou=people,$LL_BASE
objectClass: organizationalUnit
ou: people

dn: ou=private,$LL_BASE
objectClass: organizationalUnit
ou: private

dn: cn=reader,$LL_BASE
objectClass: person
cn: reader
sn: reader
userPassword: reader-secret

EOF
}

ldaplab_init()
{
	LL_DIR=$1
	_port=$(python3 "$top_srcdir/t/lib/freeport.py") || return 1
	mkdir -p "$LL_DIR/db" || return 1
	_ll_conf >"$LL_DIR/slapd.conf"
	{ _ll_tree; cat "$2"; } >"$LL_DIR/all.ldif"
	if ! slapadd -f "$LL_DIR/slapd.conf" -l "$LL_DIR/all.ldif" \
	    >"$LL_DIR/slapadd.log" 2>&1; then
		echo "# slapadd failed:"
		sed 's/^/#   /' "$LL_DIR/slapadd.log" | tail -20
		return 1
	fi
	LL_URI="ldap://127.0.0.1:$_port"
	LL_LDAPI="ldapi://$(printf '%s' "$LL_DIR/ldapi" | sed 's|/|%2F|g')"
	# -d 0: in the foreground (its pid is ours), logging nothing
	slapd -f "$LL_DIR/slapd.conf" -h "$LL_URI/ $LL_LDAPI" -d 0 \
	    >"$LL_DIR/slapd.log" 2>&1 &
	LL_PID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		ldapsearch -x -H "$LL_URI" -b "$LL_BASE" -s base -l 2 \
		    >/dev/null 2>&1 && return 0
		kill -0 "$LL_PID" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# slapd did not start:"
	sed 's/^/#   /' "$LL_DIR/slapd.log" | tail -20
	return 1
}

ldaplab_pause()
{
	[ -n "$LL_PID" ] && kill -STOP "$LL_PID"
}

ldaplab_resume()
{
	[ -n "$LL_PID" ] && kill -CONT "$LL_PID"
}

ldaplab_stop()
{
	[ -n "$LL_PID" ] || return 0
	kill -CONT "$LL_PID" 2>/dev/null
	kill "$LL_PID" 2>/dev/null
	_i=0
	while kill -0 "$LL_PID" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -9 "$LL_PID" 2>/dev/null
	wait "$LL_PID" 2>/dev/null
	LL_PID=
}

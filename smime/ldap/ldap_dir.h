/*
 * ldap_dir - one LDAP directory asked for the certificates of one e-mail
 * address, through OpenLDAP's libldap: the wire half of the LDAP look-up
 * (ldap_lookup.h judges what comes back).
 *
 * ldap_dir_search() connects to d->uri (ldap://, ldaps://, ldapi://),
 * with STARTTLS when d->starttls, the server's certificate checked
 * against d->ca_file (else the system's CAs) and its name; binds
 * (anonymous, simple with the first line of d->password_file, or SASL
 * EXTERNAL: the identity of the ldapi:// peer or of the TLS client
 * certificate that ldap.conf names); searches the subtree under d->base
 * with d->filter, where each %s is the address escaped as RFC 4515 says
 * (ldap_bv2escaped_filter_value: a '*', '(' or ')' in it is a character,
 * never filter syntax); and returns the values of d->attributes. The
 * whole exchange has d->timeout (connection, TLS, bind, search, each
 * given what is left); no referral is followed.
 *
 * Bounds: at most LDAP_DIR_MAX_ENTRIES entries (a size limit asked of the
 * server, and enforced here), LDAP_DIR_MAX_VALUES values per entry, each
 * at most CERT_MAX_DER bytes (longer ones are skipped and counted).
 *
 * Answers: LDAP_DIR_OK (entries may be empty: nothing found); or
 * LDAP_DIR_FAIL with why (server down, slow, TLS refused, bind refused,
 * search error): for the caller a temporary failure, never "no key".
 * Thread-safe (one connection per call). ldap_dir_result_clear() frees
 * what a search returned and is safe on a zeroed struct.
 */
#ifndef GW_LDAP_DIR_H
#define GW_LDAP_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"

#define LDAP_DIR_MAX_ENTRIES	16
#define LDAP_DIR_MAX_VALUES	16
#define LDAP_DIR_MAX_ADDRESS	320

enum ldap_dir_status { LDAP_DIR_OK, LDAP_DIR_FAIL };

struct ldap_dir_value {
	unsigned char	*data;
	size_t		len;
	bool		pkcs7;		/* from userSMIMECertificate */
};

struct ldap_dir_entry {
	char		*dn;
	struct ldap_dir_value *values;
	size_t		nvalues;
};

struct ldap_dir_result {
	struct ldap_dir_entry *entries;
	size_t		nentries;
	unsigned	skipped;	/* values over the bounds */
	char		filter[1024];	/* as sent, for people */
};

enum ldap_dir_status ldap_dir_search(const struct ldap_directory *,
	    const char *address, struct ldap_dir_result *, char *why,
	    size_t whysz);
void	ldap_dir_result_clear(struct ldap_dir_result *);

#endif

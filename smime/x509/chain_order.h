/*
 * chain_order - a certificate's issuers in chain order, picked from the
 * unordered certificates a CA sends back with it.
 *
 * chain_order() starts at the end-entity certificate and takes from pool
 * the certificate that issued it (X509_check_issued: names, key
 * identifiers, keyCertSign), then that one's issuer, and so on, until no
 * issuer is left in pool or a self-signed root is reached. The root is
 * kept last only when with_root (TLS peers and S/MIME readers have their
 * own copy of a root; sending it is useless). The answer counts what was
 * left out: the root, and certificates that issue nothing in the chain.
 *
 * Memory: co->issuers holds new references (leaf's issuer first); pool
 * and leaf stay the caller's. chain_order_clear() releases them and is
 * safe on a zeroed or cleared struct. Errors: false only when out of
 * memory.
 */
#ifndef GW_CHAIN_ORDER_H
#define GW_CHAIN_ORDER_H

#include <stdbool.h>

#include <openssl/x509.h>

struct chain_order {
	STACK_OF(X509)	*issuers;	/* chain order, root last when kept */
	int		intermediates;	/* issuers that are not a root */
	bool		root_kept;
	bool		root_left_out;	/* a root was found, not kept */
	int		unrelated;	/* pool certificates not in the chain */
};

bool	chain_order(X509 *leaf, STACK_OF(X509) *pool, bool with_root,
	    struct chain_order *);
void	chain_order_clear(struct chain_order *);

#endif

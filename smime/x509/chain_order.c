/*
 * chain_order - see chain_order.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "smime/x509/chain_order.h"

void
chain_order_clear(struct chain_order *co)
{
	if (co == NULL)
		return;
	sk_X509_pop_free(co->issuers, X509_free);
	memset(co, 0, sizeof(*co));
}

static bool
self_signed(X509 *x)
{
	return X509_check_issued(x, x) == X509_V_OK;
}

bool
chain_order(X509 *leaf, STACK_OF(X509) *pool, bool with_root,
    struct chain_order *co)
{
	int	n = sk_X509_num(pool), used = 0, i;
	bool	*taken;
	X509	*cur = leaf, *c = NULL;

	memset(co, 0, sizeof(*co));
	if ((co->issuers = sk_X509_new_null()) == NULL ||
	    (taken = calloc((size_t)(n > 0 ? n : 1), sizeof(*taken))) == NULL) {
		chain_order_clear(co);
		return false;
	}
	/* each round takes one more certificate of pool: at most n rounds */
	while (used < n && !self_signed(cur)) {
		for (i = 0; i < n; i++) {
			c = sk_X509_value(pool, i);
			if (!taken[i] && c != cur &&
			    X509_check_issued(c, cur) == X509_V_OK)
				break;
		}
		if (i == n)
			break;
		taken[i] = true;
		used++;
		if (self_signed(c) && !with_root) {
			co->root_left_out = true;
			break;
		}
		if (!sk_X509_push(co->issuers, c)) {
			free(taken);
			chain_order_clear(co);
			return false;
		}
		X509_up_ref(c);
		if (self_signed(c))
			co->root_kept = true;
		else
			co->intermediates++;
		cur = c;
	}
	co->unrelated = n - used;
	free(taken);
	ERR_clear_error();
	return true;
}

/*
 * revoke_io - how the revocation module reaches the world: HTTP through
 * libcurl, and the key store as its persistent cache.
 *
 * revocation_http_fetch() is a struct rev_io fetch (revoke.h): GET, or
 * POST with Content-Type application/ocsp-request; http:// only, no
 * redirects followed, the whole transfer within timeout_ms (connection
 * included), at most max bytes (a longer answer is a failure), HTTP 200
 * only. No signals (libcurl's NOSIGNAL), so any thread may call it.
 *
 * revocation_io_init() fills a struct rev_io with that fetcher and, when
 * ks is not NULL, the key store's revocation_answers table as the
 * persistent cache (keystore_revocation_get/put; a failure there is not
 * an error: the answer simply is not kept). It initialises libcurl once
 * per process; call it before threads are started or from any thread
 * (it is guarded). ks is borrowed and must outlive the users of io.
 */
#ifndef GW_REVOKE_IO_H
#define GW_REVOKE_IO_H

#include "smime/keystore/keystore.h"
#include "smime/revoke/revoke.h"

bool	revocation_http_fetch(void *arg, const char *url,
	    const unsigned char *post, size_t postlen, unsigned timeout_ms,
	    size_t max, unsigned char **out, size_t *outlen, char *why,
	    size_t whysz);
void	revocation_io_init(struct rev_io *, struct keystore *ks);

#endif

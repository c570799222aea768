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
 * revocation_status_save() keeps the outcome of a check for people.
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

/* Records a as the last revocation status of the certificate whose
 * fingerprint is given (keystore_revocation_status_set), for
 * gatewarden-keys list and show: checked_at is when its answer was
 * fetched (now when none was). Best effort: false when the store
 * refused; ks may be NULL (nothing done). */
bool	revocation_status_save(struct keystore *ks, const char *fingerprint,
	    const struct rev_answer *a, int64_t now);

#endif

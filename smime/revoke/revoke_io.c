/*
 * revoke_io - see revoke_io.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/xalloc.h"
#include "smime/revoke/revoke_io.h"

struct sink {
	unsigned char	*buf;
	size_t		len, cap, max;
	bool		too_big;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t	add = size * n;

	if (add > s->max - s->len) {
		s->too_big = true;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	if (s->len + add > s->cap) {
		s->cap = s->len + add > 2 * s->cap ? s->len + add : 2 * s->cap;
		s->buf = x_realloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, data, add);
	s->len += add;
	return add;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_start(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool
revocation_http_fetch(void *arg, const char *url, const unsigned char *post,
    size_t postlen, unsigned timeout_ms, size_t max, unsigned char **out,
    size_t *outlen, char *why, size_t whysz)
{
	struct curl_slist *hdrs = NULL;
	struct sink s = { NULL, 0, 0, max, false };
	char	errbuf[CURL_ERROR_SIZE] = "";
	long	code = 0;
	CURLcode rc;
	CURL	*c;

	(void)arg;
	*out = NULL;
	*outlen = 0;
	pthread_once(&curl_once, curl_start);
	if ((c = curl_easy_init()) == NULL) {
		snprintf(why, whysz, "cannot start libcurl");
		return false;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	if (post != NULL) {
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/ocsp-request");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)postlen);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || code != 200) {
		if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(why, whysz, "the answer is larger than %zu "
			    "bytes", max);
		else if (rc != CURLE_OK)
			snprintf(why, whysz, "%s", errbuf[0] ? errbuf :
			    curl_easy_strerror(rc));
		else
			snprintf(why, whysz, "HTTP status %ld", code);
		free(s.buf);
		return false;
	}
	if (s.len == 0) {
		free(s.buf);
		snprintf(why, whysz, "an empty answer");
		return false;
	}
	*out = s.buf;
	*outlen = s.len;
	return true;
}

static bool
ks_load(void *arg, const char *key, int64_t now, unsigned char **der,
    size_t *len, int64_t *fetched_at)
{
	int64_t	expires;

	return keystore_revocation_get(arg, key, now, der, len, fetched_at,
	    &expires) == KS_OK;
}

static void
ks_save(void *arg, const char *key, const unsigned char *der, size_t len,
    int64_t fetched_at, int64_t expires_at, int64_t now)
{
	(void)keystore_revocation_put(arg, key, der, len, fetched_at,
	    expires_at, now);
}

void
revocation_io_init(struct rev_io *io, struct keystore *ks)
{
	memset(io, 0, sizeof(*io));
	pthread_once(&curl_once, curl_start);
	io->fetch = revocation_http_fetch;
	if (ks != NULL) {
		io->load = ks_load;
		io->save = ks_save;
		io->arg = ks;
	}
}

bool
revocation_status_save(struct keystore *ks, const char *fingerprint,
    const struct rev_answer *a, int64_t now)
{
	struct ks_revocation_status rs;

	if (ks == NULL)
		return false;
	memset(&rs, 0, sizeof(rs));
	snprintf(rs.status, sizeof(rs.status), "%s", rev_status_name(a->status));
	snprintf(rs.source, sizeof(rs.source), "%s", rev_source_name(a->source));
	rs.checked_at = a->checked_at != 0 ? a->checked_at : now;
	rs.next_update = a->next_update;
	snprintf(rs.reason, sizeof(rs.reason), "%s", a->reason);
	return keystore_revocation_status_set(ks, fingerprint, &rs) == KS_OK;
}

/*
 * sts_fetch - see sts_fetch.h.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dane/curl_resolve.h"
#include "dane/sts.h"
#include "dane/sts_fetch.h"
#include "lib/xalloc.h"

struct body {
	char	*buf;
	size_t	len;
	bool	too_big;
};

void
sts_fetch_global_init(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
sts_fetch_global_done(void)
{
	curl_global_cleanup();
}

const char *
sts_fetch_result_type(enum sts_fetch_result r)
{
	switch (r) {
	case STS_FETCH_OK:	return NULL;
	case STS_FETCH_FAILED:	return "sts-policy-fetch-error";
	case STS_FETCH_WEBPKI:	return "sts-webpki-invalid";
	case STS_FETCH_INVALID:	return "sts-policy-invalid";
	}
	return NULL;
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t	n = size * nmemb;

	if (n > STS_MAX_POLICY - b->len) {
		b->too_big = true;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	b->buf = x_realloc(b->buf, b->len + n + 1);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static bool
plain_text(const char *type)
{
	size_t	n = strlen("text/plain");

	return type && strncasecmp(type, "text/plain", n) == 0 &&
	    (type[n] == '\0' || type[n] == ';' || type[n] == ' ' ||
	    type[n] == '\t');
}

static enum sts_fetch_result
curl_failure(CURLcode rc, const struct body *b, const char *errbuf,
    char **why)
{
	const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		*why = x_strdup("the policy is larger than 64 KiB");
		return STS_FETCH_INVALID;
	}
	*why = x_strdup(msg);
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return STS_FETCH_WEBPKI;
	return STS_FETCH_FAILED;
}

enum sts_fetch_result
sts_fetch(const struct dns_source *src, const char *domain,
    const struct sts_fetch_opts *o, char **body, size_t *len, char **why)
{
	struct body b = { NULL, 0, false };
	struct curl_slist *resolve = NULL;
	char	errbuf[CURL_ERROR_SIZE] = "";
	char	*host = x_asprintf("mta-sts.%s", domain);
	char	*url = x_asprintf("https://%s/.well-known/mta-sts.txt", host);
	char	*entry;
	const char *ctype = NULL;
	enum sts_fetch_result r = STS_FETCH_FAILED;
	long	status = 0;
	CURL	*c;
	CURLcode rc;

	*body = NULL;
	*len = 0;
	*why = NULL;
	if ((entry = curl_resolve_entry(src, host, 443, why)) == NULL)
		goto out;
	resolve = curl_slist_append(NULL, entry);
	free(entry);
	if ((c = curl_easy_init()) == NULL) {
		*why = x_strdup("libcurl: cannot make a handle");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(o->timeout ? o->timeout :
	    10));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)STS_MAX_POLICY);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gatewarden/" PACKAGE_VERSION);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		r = curl_failure(rc, &b, errbuf, why);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
		if (status >= 300 && status < 400) {
			*why = x_asprintf("HTTP %ld: a redirect, which RFC "
			    "8461 forbids following", status);
		} else if (status != 200) {
			*why = x_asprintf("HTTP %ld", status);
		} else if (!plain_text(ctype)) {
			*why = x_asprintf("media type %s, not text/plain",
			    ctype ? ctype : "(none)");
			r = STS_FETCH_INVALID;
		} else {
			*body = b.buf ? b.buf : x_strdup("");
			*len = b.len;
			b.buf = NULL;
			r = STS_FETCH_OK;
		}
	}
	curl_easy_cleanup(c);
out:
	if (*why) {
		char	*w = x_asprintf("%s: %s", url, *why);

		free(*why);
		*why = w;
	}
	curl_slist_free_all(resolve);
	free(b.buf);
	free(url);
	free(host);
	return r;
}

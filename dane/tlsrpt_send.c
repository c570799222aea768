/*
 * tlsrpt_send - see tlsrpt_send.h.
 */
#include "config.h"

#include <arpa/inet.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dane/curl_resolve.h"
#include "dane/spawn.h"
#include "dane/tlsrpt_send.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define B64_LINE	57	/* bytes per line: 76 characters */

unsigned char *
tlsrpt_gzip(const char *data, size_t len, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	uLong	bound;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		log_panic("zlib: deflateInit2 failed");
	bound = deflateBound(&z, (uLong)len) + 32;
	out = x_malloc(bound);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		log_panic("zlib: deflate did not finish");
	*outlen = (size_t)z.total_out;
	deflateEnd(&z);
	return out;
}

char *
tlsrpt_filename(const char *submitter, const char *domain, time_t begin,
    time_t end, const char *unique)
{
	return x_asprintf("%s!%s!%lld!%lld!%s.json.gz", submitter, domain,
	    (long long)begin, (long long)end, unique);
}

/* The base64 of data in lines of 76 characters, each ended by LF. */
static char *
base64_lines(const unsigned char *data, size_t len)
{
	size_t	lines = len / B64_LINE + 1, o = 0, i;
	char	*out = x_malloc(lines * 78 + 1);

	for (i = 0; i < len; i += B64_LINE) {
		size_t	n = len - i < B64_LINE ? len - i : B64_LINE;

		o += (size_t)EVP_EncodeBlock((unsigned char *)out + o,
		    data + i, (int)n);
		out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

char *
tlsrpt_message(const struct tlsrpt_envelope *e, const char *rcpt,
    const unsigned char *gz, size_t gzlen)
{
	unsigned char rnd[8];
	char	date[64], boundary[40], *b64, *msg;
	struct tm tm;
	size_t	i;

	gmtime_r(&e->date, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		log_panic("RAND_bytes failed");
	strcpy(boundary, "tlsrpt-");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(boundary + 7 + 2 * i, 3, "%02x", rnd[i]);
	b64 = base64_lines(gz, gzlen);
	msg = x_asprintf(
	    "From: %s\n"
	    "To: %s\n"
	    "Date: %s\n"
	    "Message-ID: <%s>\n"
	    "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\n"
	    "TLS-Report-Domain: %s\n"
	    "TLS-Report-Submitter: %s\n"
	    "Auto-Submitted: auto-generated\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=\"tlsrpt\";\n"
	    "\tboundary=\"%s\"\n"
	    "\n"
	    "This is a MIME-formatted message.\n"
	    "\n"
	    "--%s\n"
	    "Content-Type: text/plain; charset=\"us-ascii\"\n"
	    "\n"
	    "This is an aggregate TLS report (RFC 8460) from %s\n"
	    "for the policy domain %s.\n"
	    "\n"
	    "--%s\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-Disposition: attachment;\n"
	    "\tfilename=\"%s\"\n"
	    "\n"
	    "%s"
	    "\n"
	    "--%s--\n",
	    e->from, rcpt, date, e->report_id, e->domain, e->submitter,
	    e->report_id, e->domain, e->submitter, boundary, boundary,
	    e->submitter, e->domain, boundary, e->filename, b64, boundary);
	free(b64);
	return msg;
}

int
tlsrpt_mail(const char *sendmail, const struct tlsrpt_envelope *e,
    const char *rcpt, const unsigned char *gz, size_t gzlen, char **err)
{
	char	*argv[] = { (char *)sendmail, "-oi", "-f", (char *)e->from,
	    "--", (char *)rcpt, NULL };
	char	*msg = tlsrpt_message(e, rcpt, gz, gzlen);
	int	rc = spawn_run_limited(argv, msg, SPAWN_SENDMAIL_SECONDS,
	    err);

	free(msg);
	return rc;
}

/* Host and port of an https: URI; false with *err when it is none. */
static bool
uri_host_port(const char *uri, char **host, unsigned *port, char **err)
{
	CURLU	*u = curl_url();
	char	*h = NULL, *p = NULL, *scheme = NULL;
	bool	ok = false;

	if (u == NULL)
		log_panic("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, uri, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcmp(scheme, "https") != 0 ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		*err = x_asprintf("%s: not an https: URI", uri);
	} else {
		*host = x_strdup(h);
		*port = (unsigned)strtoul(p, NULL, 10);
		ok = true;
	}
	curl_free(h);
	curl_free(p);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

static bool
ip_literal(const char *host)
{
	unsigned char buf[16];

	return host[0] == '[' || inet_pton(AF_INET, host, buf) == 1;
}

static size_t
discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data, (void)arg;
	return size * nmemb;
}

int
tlsrpt_post(const struct dns_source *src, const char *uri,
    const char *ca_file, unsigned timeout, const unsigned char *gz,
    size_t gzlen, char **err)
{
	struct curl_slist *resolve = NULL, *headers = NULL;
	char	errbuf[CURL_ERROR_SIZE] = "", *host = NULL, *entry, *why = NULL;
	unsigned port = 443;
	long	status = 0;
	int	rc = -1;
	CURL	*c;
	CURLcode cc;

	*err = NULL;
	if (!uri_host_port(uri, &host, &port, err))
		return -1;
	if (!ip_literal(host)) {
		if ((entry = curl_resolve_entry(src, host, port, &why)) ==
		    NULL) {
			*err = x_asprintf("%s: %s", uri, why);
			free(why);
			free(host);
			return -1;
		}
		resolve = curl_slist_append(NULL, entry);
		free(entry);
	}
	free(host);
	headers = curl_slist_append(NULL,
	    "Content-Type: application/tlsrpt+gzip");
	if ((c = curl_easy_init()) == NULL)
		log_panic("libcurl: cannot make a handle");
	curl_easy_setopt(c, CURLOPT_URL, uri);
	if (resolve)
		curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(timeout ? timeout : 30));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, gz);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)gzlen);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gatewarden/" PACKAGE_VERSION);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		*err = x_asprintf("%s: %s", uri, errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			rc = 0;
		else
			*err = x_asprintf("%s: HTTP %ld", uri, status);
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	curl_slist_free_all(resolve);
	return rc;
}

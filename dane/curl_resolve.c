/*
 * curl_resolve - see curl_resolve.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dane/curl_resolve.h"
#include "lib/xalloc.h"

char *
curl_resolve_entry(const struct dns_source *src, const char *host,
    unsigned port, char **why)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA };
	char	*entry = x_asprintf("%s:%u:", host, port);
	size_t	t, i, n = 0;

	for (t = 0; t < 2; t++) {
		struct dns_answer a;

		memset(&a, 0, sizeof(a));
		src->query(src->arg, host, types[t], &a);
		if (a.sec == DNS_SEC_BOGUS || a.sec == DNS_SEC_FAILED) {
			*why = x_asprintf("address of %s %s%s%s", host,
			    dns_sec_name(a.sec), a.why ? ": " : "",
			    a.why ? a.why : "");
			dns_answer_clear(&a);
			free(entry);
			return NULL;
		}
		for (i = 0; i < a.naddr && n < CURL_RESOLVE_MAX; i++, n++) {
			char	*e = x_asprintf(types[t] == DNS_T_AAAA ?
			    "%s%s[%s]" : "%s%s%s", entry, n ? "," : "",
			    a.addr[i]);

			free(entry);
			entry = e;
		}
		dns_answer_clear(&a);
	}
	if (n == 0) {
		*why = x_asprintf("%s has no address", host);
		free(entry);
		return NULL;
	}
	return entry;
}

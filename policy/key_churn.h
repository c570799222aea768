/*
 * key_churn - "more than one updated key for a domain within the churn
 * window": the key-churn alert's memory, thread-safe.
 *
 * An updated key is one harvested for an address that had another key
 * for encryption (smime/harvest.h). key_churn_note(kc, domain, address,
 * fingerprint, now, window, report, size) records one and returns true
 * when the domain now has more than one update within window seconds
 * before now (this one included): report (size bytes) then lists those
 * updates, one "address fingerprint" per line, oldest first, for the
 * alert's text. The first update of a domain never alerts; the second
 * within the window does, and so does every later one (the alert module
 * rate-limits the mail).
 *
 * Memory is fixed at creation: at most max_domains domains, each with the
 * last KEY_CHURN_KEEP updates; when every slot is taken, the domain
 * updated longest ago gives its slot up. Domains are compared without
 * regard to case; longer than 253 bytes are cut. key_churn_new() returns
 * NULL when max_domains is 0; key_churn_free(NULL) is fine.
 */
#ifndef GW_KEY_CHURN_H
#define GW_KEY_CHURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_CHURN_KEEP	8

struct key_churn;

struct key_churn *key_churn_new(size_t max_domains);
bool	key_churn_note(struct key_churn *, const char *domain,
	    const char *address, const char *fingerprint, int64_t now,
	    uint64_t window, char *report, size_t reportsz);
void	key_churn_free(struct key_churn *);

#endif

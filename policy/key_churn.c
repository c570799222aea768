/*
 * key_churn - see key_churn.h.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/key_churn.h"

#define DOMAIN_MAX	254
#define ADDRESS_MAX	320

struct update {
	int64_t		at;
	char		address[ADDRESS_MAX];
	char		fingerprint[65];
};

struct slot {
	char		domain[DOMAIN_MAX];	/* "" when free */
	struct update	u[KEY_CHURN_KEEP];	/* oldest first */
	size_t		n;
	int64_t		last;
};

struct key_churn {
	pthread_mutex_t	lock;
	struct slot	*slots;
	size_t		nslots;
};

struct key_churn *
key_churn_new(size_t max_domains)
{
	struct key_churn *kc;

	if (max_domains == 0)
		return NULL;
	kc = x_calloc(1, sizeof(*kc));
	kc->slots = x_calloc(max_domains, sizeof(*kc->slots));
	kc->nslots = max_domains;
	pthread_mutex_init(&kc->lock, NULL);
	return kc;
}

static struct slot *
slot_for(struct key_churn *kc, const char *domain)
{
	struct slot *s, *oldest = &kc->slots[0];
	size_t	i;

	for (i = 0; i < kc->nslots; i++) {
		s = &kc->slots[i];
		if (strcmp(s->domain, domain) == 0)
			return s;
		if (s->domain[0] == '\0' || (oldest->domain[0] != '\0' &&
		    s->last < oldest->last))
			oldest = s;
	}
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->domain, sizeof(oldest->domain), "%s", domain);
	return oldest;
}

/* Drops the updates older than the window. */
static void
expire(struct slot *s, int64_t now, uint64_t window)
{
	size_t	i = 0;

	while (i < s->n && now - s->u[i].at > (int64_t)window)
		i++;
	memmove(s->u, s->u + i, (s->n - i) * sizeof(s->u[0]));
	s->n -= i;
}

bool
key_churn_note(struct key_churn *kc, const char *domain, const char *address,
    const char *fingerprint, int64_t now, uint64_t window, char *report,
    size_t reportsz)
{
	char	dom[DOMAIN_MAX];
	struct slot *s;
	struct update *u;
	size_t	i, len = 0;
	bool	alert;

	for (i = 0; domain[i] != '\0' && i + 1 < sizeof(dom); i++)
		dom[i] = (char)tolower((unsigned char)domain[i]);
	dom[i] = '\0';
	pthread_mutex_lock(&kc->lock);
	s = slot_for(kc, dom);
	expire(s, now, window);
	if (s->n == KEY_CHURN_KEEP) {
		memmove(s->u, s->u + 1, (s->n - 1) * sizeof(s->u[0]));
		s->n--;
	}
	u = &s->u[s->n++];
	u->at = now;
	snprintf(u->address, sizeof(u->address), "%s", address);
	snprintf(u->fingerprint, sizeof(u->fingerprint), "%s", fingerprint);
	s->last = now;
	alert = s->n > 1;
	if (reportsz > 0)
		report[0] = '\0';
	for (i = 0; alert && i < s->n && len < reportsz; i++)
		len += (size_t)snprintf(report + len, reportsz - len, "%s %s\n",
		    s->u[i].address, s->u[i].fingerprint);
	pthread_mutex_unlock(&kc->lock);
	return alert;
}

void
key_churn_free(struct key_churn *kc)
{
	if (kc == NULL)
		return;
	pthread_mutex_destroy(&kc->lock);
	free(kc->slots);
	free(kc);
}

/*
 * certs_check - see certs_check.h.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "milter/certs_check.h"
#include "milter/trust_ctx.h"
#include "smime/revoke/revoke_io.h"
#include "smime/x509/orgcert.h"

static void
report(void *arg, bool error, const char *msg)
{
	const char *name = arg;

	if (error)
		log_error("smime.certificates %s: %s", name, msg);
	else
		log_warn("smime.certificates %s: %s", name, msg);
}

bool
certs_check(const struct config *cfg, X509_STORE *trust, struct keystore *ks)
{
	int64_t	now = (int64_t)time(NULL);
	struct orgcert_rev rev;
	unsigned errors = 0;
	size_t	i;

	for (i = 0; i < cfg->smime.ncertificates; i++) {
		const struct smime_certificate *c = &cfg->smime.certificates[i];

		memset(&rev, 0, sizeof(rev));
		rev.rev = trust_ctx_revocation();
		rev.trust = trust;
		if (c->pkcs12 != NULL)
			errors += orgcert_check_pkcs12(c->pkcs12,
			    c->passphrase_file, now, &rev, report, c->name);
		else
			errors += orgcert_check(c->certificate, c->key, now,
			    &rev, report, c->name);
		if (rev.checked && !rev.answer.cached &&
		    rev.answer.status != REV_NONE)
			(void)revocation_status_save(ks, rev.fingerprint,
			    &rev.answer, now);
	}
	return errors == 0;
}

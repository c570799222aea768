/*
 * certs_check - see certs_check.h.
 */
#include "config.h"

#include <time.h>

#include "lib/log.h"
#include "milter/certs_check.h"
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
certs_check(const struct config *cfg)
{
	int64_t	now = (int64_t)time(NULL);
	unsigned errors = 0;
	size_t	i;

	for (i = 0; i < cfg->smime.ncertificates; i++) {
		const struct smime_certificate *c = &cfg->smime.certificates[i];

		if (c->pkcs12 != NULL)
			errors += orgcert_check_pkcs12(c->pkcs12,
			    c->passphrase_file, now, report, c->name);
		else
			errors += orgcert_check(c->certificate, c->key, now,
			    report, c->name);
	}
	return errors == 0;
}

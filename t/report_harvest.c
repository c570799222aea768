/*
 * report_harvest - puts certificates into a key store as harvested at a
 * given time, as the milter's harvesting of incoming signed mail does
 * (keystore_harvest()), so that gatewarden-report's tests have keys
 * harvested on days of their choosing.
 *
 *   report_harvest STORE TIME CERT.pem...   TIME: seconds since the epoch
 *
 * Exit 0 when every certificate was stored, 1 otherwise (the reason on
 * stderr).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "smime/keystore/keystore.h"

int
main(int argc, char **argv)
{
	struct keystore *ks;
	int	i, rc = 0;
	int64_t	when;

	if (argc < 4) {
		fprintf(stderr, "usage: report_harvest STORE TIME CERT.pem...\n");
		return 1;
	}
	when = strtoll(argv[2], NULL, 10);
	if (keystore_open(argv[1], 0, &ks) != KS_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], keystore_strerror());
		return 1;
	}
	for (i = 3; i < argc; i++) {
		FILE	*fp = fopen(argv[i], "r");
		X509	*x = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
		unsigned char *der = NULL;
		int	len;

		if (fp != NULL)
			fclose(fp);
		if (x == NULL || (len = i2d_X509(x, &der)) <= 0 ||
		    keystore_harvest(ks, der, (size_t)len, false, when, NULL) !=
		    KS_OK) {
			fprintf(stderr, "%s: not harvested: %s\n", argv[i],
			    keystore_strerror());
			rc = 1;
		}
		OPENSSL_free(der);
		X509_free(x);
	}
	keystore_close(ks);
	return rc;
}

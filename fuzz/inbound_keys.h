/*
 * inbound_keys - fuzz_inbound's test keys, PEM text (inbound_keys.c is
 * made by fuzz/make-inbound-seeds.sh with the seeds that use them).
 * fuzz_keys_made: when they were made (seconds since the epoch); the
 * target's clock is a day later.
 */
#ifndef GW_FUZZ_INBOUND_KEYS_H
#define GW_FUZZ_INBOUND_KEYS_H

extern const long long fuzz_keys_made;
extern const char fuzz_ca_pem[], fuzz_orgrsa_pem[], fuzz_orgrsa_key[],
    fuzz_orgec_pem[], fuzz_orgec_key[];

#endif

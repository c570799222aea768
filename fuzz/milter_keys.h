/*
 * milter_keys - fuzz_milter's test keys, PEM text (milter_keys.c is made
 * by fuzz/make-milter-keys.sh): the domain certificate of partner.test
 * and its key, the gateway's signing certificate and its key.
 */
#ifndef GW_FUZZ_MILTER_KEYS_H
#define GW_FUZZ_MILTER_KEYS_H

extern const char fuzz_domain_pem[], fuzz_domain_key[], fuzz_sign_pem[],
    fuzz_sign_key[];

#endif

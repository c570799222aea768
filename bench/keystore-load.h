/*
 * keystore-load - fills a key store fast for keystore-bench: n harvested
 * keys, each a row of its own (distinct address and fingerprint) whose
 * body is one of 4,096 real P-256 certificates built for the load (all
 * signed by one key; see keystore-load.c for why), written straight
 * into the back end's tables in one
 * transaction per KS_LOAD_BATCH rows (SQLite: prepared INSERTs;
 * PostgreSQL: COPY), as `gatewarden-keys` or a harvest would have left
 * them, the size cap's running total included (the schema's triggers).
 *
 * ks_load(store, key, first, n, now, address) writes the rows of
 * address(first) .. address(first + n - 1); the store must exist with its
 * schema (keystore_migrate). Returns 0, or -1 with the reason on stderr.
 * ks_load_sizes(store, buf, size) describes what the store takes on disk
 * (file sizes, or relation sizes on the server).
 */
#ifndef GW_BENCH_KEYSTORE_LOAD_H
#define GW_BENCH_KEYSTORE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define KS_LOAD_BATCH	10000

int	ks_load(const char *store, EVP_PKEY *key, unsigned long first,
	    unsigned long n, int64_t now,
	    void (*address)(unsigned long, char *, size_t));
int	ks_load_sizes(const char *store, char *buf, size_t size);

#endif

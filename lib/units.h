/*
 * units - sizes and durations the way people write them.
 *
 * Sizes: a whole number with an optional unit: B, KiB, MiB, GiB, TiB
 * (powers of 1024) or kB, KB, MB, GB, TB (powers of 1000); "512MiB",
 * "20 MB", "4096". Durations: a whole number with s, m, h, d or w, or a
 * sum of them: "30s", "48h", "1h30m"; a bare number is seconds.
 * Both refuse negative numbers, overflow and unknown units with a static
 * reason in *why. No allocation.
 */
#ifndef GW_UNITS_H
#define GW_UNITS_H

#include <stdbool.h>
#include <stdint.h>

bool	units_parse_size(const char *, uint64_t *bytes, const char **why);
bool	units_parse_duration(const char *, uint64_t *seconds, const char **why);

#endif

/*
 * units - see units.h.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lib/units.h"

/* Reads a decimal number at *sp into *out; false on no digits or overflow. */
static bool
read_number(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return true;
}

bool
units_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
		{ "kB", 1000ULL }, { "KB", 1000ULL }, { "MB", 1000000ULL },
		{ "GB", 1000000000ULL }, { "TB", 1000000000000ULL },
	};
	uint64_t n;
	size_t	i;

	while (isspace((unsigned char)*s))
		s++;
	if (!read_number(&s, &n)) {
		*why = (*s == '-') ? "a size cannot be negative"
		    : "not a size (write e.g. 512MiB, 20MB or 4096)";
		return false;
	}
	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].name) != 0)
			continue;
		if (n > UINT64_MAX / units[i].mult) {
			*why = "size is too large";
			return false;
		}
		*bytes = n * units[i].mult;
		return true;
	}
	*why = "unknown size unit (use B, KiB, MiB, GiB, TiB, kB, MB, GB or TB)";
	return false;
}

bool
units_parse_duration(const char *s, uint64_t *seconds, const char **why)
{
	uint64_t total = 0, n, mult;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*why = "empty duration";
		return false;
	}
	while (*s) {
		if (!read_number(&s, &n)) {
			*why = (*s == '-') ? "a duration cannot be negative"
			    : "not a duration (write e.g. 30s, 5m, 48h, 7d)";
			return false;
		}
		switch (*s) {
		case '\0':	mult = 1; break;
		case 's':	mult = 1; s++; break;
		case 'm':	mult = 60; s++; break;
		case 'h':	mult = 3600; s++; break;
		case 'd':	mult = 86400; s++; break;
		case 'w':	mult = 604800; s++; break;
		default:
			*why = "unknown duration unit (use s, m, h, d or w)";
			return false;
		}
		if (n > (UINT64_MAX - total) / mult) {
			*why = "duration is too large";
			return false;
		}
		total += n * mult;
	}
	*seconds = total;
	return true;
}

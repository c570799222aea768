/*
 * destination - which destination control applies to a recipient domain.
 *
 * destination_for_domain() returns the entry of destinations.domains that
 * names the domain exactly (written "example.com"), else the entry with
 * the longest suffix that the domain is a strict subdomain of (written
 * ".example.com": "mx.example.com" and "a.b.example.com", never
 * "example.com" itself), else destinations.default. Comparison is ASCII
 * case-insensitive; a trailing dot on domain is ignored. Never NULL; the
 * result points into the config, valid while the caller holds it. Pure.
 */
#ifndef GW_DESTINATION_H
#define GW_DESTINATION_H

#include "conf/config.h"

const struct destination *destination_for_domain(const struct config *,
	    const char *domain);

#endif

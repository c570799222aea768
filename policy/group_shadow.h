/*
 * group_shadow - sender groups that can never be chosen.
 *
 * For `gatewarden -n` and the loader's warnings: sender groups are tried
 * in order and the first match wins, so a group each of whose conditions is
 * already matched by earlier groups can never be chosen. group_shadowed()
 * answers that for group i of an array, soundly but not completely: it
 * says "shadowed" only when it is sure, comparing like with like -
 *  - client_ip: a block inside an earlier group's block (cidr_covers);
 *  - client_hostname / sender_domain: an exact name equal to, or a strict
 *    subdomain of, an earlier pattern; a ".suffix" inside an earlier
 *    ".suffix" of the same or a parent domain;
 *  - authenticated: an earlier authenticated condition;
 *  - any: an earlier `any` covers everything; `any` itself is covered only
 *    by an earlier `any`.
 * Conditions of different kinds never cover each other (a host name may
 * live at any address). The conditions of i may be covered by different
 * earlier groups. *by is the earliest group that alone covers i, else the
 * latest of the groups that were needed.
 *
 * group_is_catch_all(): the group matches every session (`any`).
 * group_is_empty(): the group has no condition at all (matches nothing).
 * Nothing is allocated.
 */
#ifndef GW_GROUP_SHADOW_H
#define GW_GROUP_SHADOW_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"

bool	group_shadowed(const struct sender_group *, size_t n, size_t i,
	    size_t *by);
bool	group_is_catch_all(const struct sender_group *);
bool	group_is_empty(const struct sender_group *);

/* Does pattern outer match every name that pattern inner matches? */
bool	name_pattern_covers(const struct name_pattern *outer,
	    const struct name_pattern *inner);

#endif

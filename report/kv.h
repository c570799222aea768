/*
 * kv - the key=value fields of a gatewarden log line, as lib/log.h's
 * log_value() writes them: a bare value up to the next space, or a
 * double-quoted one; inside either, \" \\ and \xHH escapes.
 *
 * kv_parse() splits a message once (at most KV_MAX fields; words without
 * '=' such as the queue id are skipped); the look-ups then find a key in
 * the fields. Fields point into the message, which must outlive the
 * struct kv. kv_value() unescapes into the caller's buffer (always
 * terminated, cut when longer). No allocation.
 */
#ifndef GW_REPORT_KV_H
#define GW_REPORT_KV_H

#include <stdbool.h>
#include <stddef.h>

#define KV_MAX	40

struct kv_field {
	const char	*key, *val;
	size_t		keylen, vallen;	/* val without its quotes */
};

struct kv {
	struct kv_field	f[KV_MAX];
	size_t		n;
};

void	kv_parse(struct kv *, const char *msg, size_t len);
const struct kv_field *kv_find(const struct kv *, const char *key);
/* false when key is absent; out holds "" then. */
bool	kv_value(const struct kv *, const char *key, char *out, size_t outsz);
/* true when key's raw value is exactly want. */
bool	kv_is(const struct kv *, const char *key, const char *want);

#endif

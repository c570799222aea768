/*
 * load - the loader's own tools, shared by the files that read one
 * section each (load_*.c); not part of the configuration contract.
 *
 * struct ld carries the file name, the diagnostics and the config being
 * filled. ld_error()/ld_warn() add a diagnostic at a node. ld_walk() reads
 * a mapping through a table of known keys (struct field): it refuses
 * unknown keys (suggesting the closest), duplicate keys and wrong types,
 * converts each value into the object and hands odd ones to a function.
 * Conversions report their own errors and return false; the loader goes
 * on, so one run finds every problem. Names referenced before they can be
 * known (profiles, certificates, groups) are queued with ld_ref() and
 * checked at the end.
 */
#ifndef GW_LOAD_H
#define GW_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "conf/words.h"
#include "conf/ytree.h"

enum ref_kind { REF_CERTIFICATE, REF_PROFILE, REF_GROUP, REF_INBOUND_POLICY };
#define REF_KINDS	4

struct ref {
	enum ref_kind	kind;
	const char	*name;		/* owned by the config */
	const char	*what;		/* the key that holds it */
	unsigned	line, col;
};

struct ld {
	const char	*file;
	struct diags	*d;
	struct config	*c;
	struct ref	*refs;
	size_t		nrefs, caprefs;
};

void	ld_error(struct ld *, const struct ynode *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	ld_warn(struct ld *, const struct ynode *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	ld_ref(struct ld *, enum ref_kind, const char *name, const char *what,
	    const struct ynode *);

/* ---- keys of a mapping ---- */

enum ftype { F_STR, F_PATH, F_BOOL, F_UINT, F_SIZE, F_DUR, F_WORD, F_FN };

typedef void field_fn(struct ld *, const struct ynode *val, void *obj);

struct field {
	const char	*key;
	enum ftype	type;
	size_t		off;		/* of the member in obj */
	const struct word *words;	/* F_WORD */
	uint64_t	min, max;	/* F_UINT, F_SIZE, F_DUR; 0 = none */
	field_fn	*fn;		/* F_FN */
};

#define FLD(k, t, T, m)	{ k, t, offsetof(T, m), NULL, 0, 0, NULL }
#define FLD_WORD(k, T, m, w) { k, F_WORD, offsetof(T, m), w, 0, 0, NULL }
#define FLD_NUM(k, t, T, m, lo, hi) { k, t, offsetof(T, m), NULL, lo, hi, NULL }
#define FLD_FN(k, f)	{ k, F_FN, 0, NULL, 0, 0, f }
#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))
#define LD_MAX_FIELDS	32

/* Reads map (a mapping, or null for an empty section) through fields into
 * obj. what names the mapping in messages ("unknown key "x" in what").
 * When vals is not NULL it receives, per field, the value node found (NULL
 * when the key was absent). false when map was not a mapping. */
bool	ld_walk(struct ld *, const struct ynode *map, const char *what,
	    const struct field *, size_t nfields, void *obj,
	    const struct ynode **vals);

/* The same for an item of a list, where nothing written is an error. */
bool	ld_walk_item(struct ld *, const struct ynode *item, const char *what,
	    const struct field *, size_t nfields, void *obj,
	    const struct ynode **vals);

/* The value at key in a mapping node, NULL when absent (no checks). */
const struct ynode *ld_get(const struct ynode *map, const char *key);

/* ---- values ---- */

/* The text of a scalar; NULL (and an error naming key) when v is not a
 * scalar or is null. Silent NULL for a node refused earlier (YN_BAD). */
const char *ld_scalar(struct ld *, const struct ynode *v, const char *key);
bool	ld_bool(struct ld *, const struct ynode *, const char *key, bool *);
bool	ld_uint(struct ld *, const struct ynode *, const char *key,
	    uint64_t min, uint64_t max, uint64_t *);
bool	ld_size(struct ld *, const struct ynode *, const char *key,
	    uint64_t min, uint64_t *);
bool	ld_duration(struct ld *, const struct ynode *, const char *key,
	    uint64_t min, uint64_t *);
bool	ld_word(struct ld *, const struct ynode *, const char *key,
	    const struct word *, int *);
/* Octal permissions as chmod takes them: "0660" (a string, or YAML's
 * int 0660, which arrives as the same text) or "660". */
bool	ld_octal_mode(struct ld *, const struct ynode *, const char *key,
	    unsigned *);
/* Replaces *out (freed) by a copy of the value; path: must be absolute. */
bool	ld_string(struct ld *, const struct ynode *, const char *key,
	    char **out);
bool	ld_path(struct ld *, const struct ynode *, const char *key,
	    char **out);

/* A list written as a sequence of scalars or as one scalar. Returns the
 * number of items and points *items at them (one: storage for the single
 * scalar case). Errors: a mapping, or items that are not scalars. */
size_t	ld_list(struct ld *, const struct ynode *, const char *key,
	    struct ynode *const **items, struct ynode **one);
/* A list of strings, each checked by check (NULL: none); bad items are
 * reported as "bad what "item": why" and left out. */
typedef bool check_fn(const char *, const char **why);
void	ld_strlist(struct ld *, const struct ynode *, const char *key,
	    const char *what, check_fn *, char ***out, size_t *n);
/* Domain patterns (".x" = subdomains), lower-cased; for senders (local@
 * domain) only the domain is lower-cased and no leading dot is allowed. */
void	ld_names(struct ld *, const struct ynode *, const char *key,
	    bool addresses, struct name_pattern **out, size_t *n);
/* One domain pattern into *out; false (error reported) when bad. */
bool	ld_name(struct ld *, const struct ynode *, const char *key,
	    const char *text, struct name_pattern *out);

/* " \"name\"" for messages like "group "x" has no match", or "" when the
 * item has no name (an error already said so). buf holds the result. */
const char *ld_named(const char *name, char *buf, size_t sz);

/* The closest of names (NULL-terminated list, or fields) to s when it is
 * a likely typo; NULL otherwise. */
const char *ld_suggest(const char *s, const char *const *names, size_t n);

/* ---- sections (load_*.c) ---- */

void	load_milter(struct ld *, const struct ynode *);
void	load_log(struct ld *, const struct ynode *);
void	load_alerts(struct ld *, const struct ynode *);
void	load_trust(struct ld *, const struct ynode *);
void	load_dns(struct ld *, const struct ynode *);
void	load_groups(struct ld *, const struct ynode *key,
	    const struct ynode *);
void	load_groups_finish(struct ld *);
/* A sender group's match: (load_match.c), the field function of "match",
 * obj being the group; the number of its conditions; the check that an
 * outbound group does not match on what a client claims, after the group
 * was read (match and allow: the nodes written, NULL when absent). */
void	load_group_match(struct ld *, const struct ynode *, void *obj);
size_t	group_match_conditions(const struct group_match *);
void	load_check_outbound(struct ld *, const struct sender_group *,
	    const struct ynode *match, const struct ynode *allow);
/* Warns that a certificate pattern written as a DN cannot match under
 * Postfix (which sends only the common name). */
void	ld_warn_dn(struct ld *, const struct ynode *, const char *key,
	    const char *pattern);
void	load_destinations(struct ld *, const struct ynode *);
void	load_smime(struct ld *, const struct ynode *);
void	load_smime_finish(struct ld *);
void	load_ldap(struct ld *, const struct ynode *, struct smime_conf *);
void	ldap_directories_free(struct ldap_directory *, size_t);
void	load_rule(struct ld *, const struct ynode *, struct sending_rule *);
/* A sequence of mappings read by one() into an array of *n elements of
 * size sz (NULL for an empty or null sequence); errors for anything else. */
void	*ld_items(struct ld *, const struct ynode *, const char *key, size_t sz,
	    size_t *n, void (*one)(struct ld *, const struct ynode *, void *));
/* An error for every item whose name(arr, i) repeats an earlier one; the
 * items were written at v->kids[i]. what names the kind of item. */
void	ld_unique_names(struct ld *, const struct ynode *v, const char *what,
	    const char *(*name)(const void *, size_t), const void *arr,
	    size_t n);
/* smime.inbound_policies (load_inbound.c). */
void	load_inbound_policies(struct ld *, const struct ynode *,
	    struct smime_conf *);
void	load_check_refs(struct ld *);
/* gatewarden-maps: socketmap, mta_sts, tlsrpt (load_maps.c). */
void	load_socketmap(struct ld *, const struct ynode *);
void	load_mta_sts(struct ld *, const struct ynode *);
void	load_tlsrpt(struct ld *, const struct ynode *);
void	maps_conf_defaults(struct config *);
void	maps_conf_free(struct config *);
void	load_metrics(struct ld *, const struct ynode *);

/* Defaults for every section; frees of everything (config_free.c). */
void	config_defaults(struct config *);
void	config_free(struct config *);
void	name_patterns_free(struct name_pattern *, size_t);
void	strings_free(char **, size_t);
void	listeners_free(struct listener_pattern *, size_t);
void	sender_logins_free(struct sender_login *, size_t);

/* smime.sender_login_map (load_logins.c): reads the map file named at v
 * into the config; problems in it are reported at its own FILE:LINE:COL,
 * a file that cannot be read at v. */
void	load_sender_logins(struct ld *, const struct ynode *v);

#endif

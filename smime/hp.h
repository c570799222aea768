/*
 * hp - header protection (RFC 9788): the header fields of a message
 * carried inside its cryptographic payload, both ways. It only plans:
 * outbound.c writes the payload (mime_canon_write_hp) and inbound
 * applies the header edits; nothing here reads a body or does CMS.
 *
 * SENDING. hp_plan_make() takes the sending profile's header_protection,
 * protected_fields and obscured_fields (conf/config.h) and the message's
 * header fields, and gives:
 *   inner[]  the fields for the top of the payload, before its Content-*
 *            fields: every field of the message whose name is protected,
 *            in the message's order; then, when the payload is encrypted
 *            (param "cipher"), one "HP-Outer: Name: value" per protected
 *            field that the outer header keeps, as it will be outside
 *            (after obscuring), which is what a receiver compares with.
 *   param    the Content-Type parameter value: "clear" (signed only) or
 *            "cipher" (encrypted: the payload is confidential).
 *   edits    header_protection encrypt: the outer copies obscured (each
 *            obscured field present in the message deleted, from the
 *            highest index down, and re-added with its replacement value
 *            once, unless it is removed); nothing otherwise.
 *   legacy   header_protection encrypt with legacy_display, when a
 *            user-facing field (hp_user_facing) is obscured: the text of
 *            the Legacy Display Element (RFC 9788 section 5.2.2), one
 *            "Name: value" line per such field (its real value, unfolded
 *            as written) and an empty line, LF line ends; NULL when none
 *            is hidden or a line would not be printable ASCII or would
 *            pass 900 bytes. The writer puts it at the top of the text
 *            (mime_canon_write_hp).
 * Nothing is planned (inner empty, param NULL) when the profile says off.
 *
 * RECEIVING. hp_param() reads the hp parameter of a Content-Type value.
 * hp_restore_plan() compares the outer header (as received) with the
 * payload's fields (a mime_entity's) and gives:
 *   kind       HP_CLEAR, HP_CIPHER, HP_V1 (no hp parameter, but the
 *              protected-headers="v1" of the draft RFC 9788 grew out of,
 *              draft-autocrypt-lamps-protected-headers, which Thunderbird,
 *              Enigmail, mutt and NeoMutt write: the same injected fields,
 *              no HP-Outer record, so nothing is a mismatch nor counted
 *              obscured; the fields that differ are restored), or
 *              HP_NONE (neither parameter: nothing
 *              else is filled).
 *   edits      for each protected field name (the payload's fields but the
 *              structural ones, HP-Outer, the trace and the hops' verdicts:
 *              Received, Return-Path, Authentication-Results, ARC-*,
 *              DKIM-Signature, Received-SPF, Delivered-To, X-Original-To,
 *              X-Gatewarden-*; names of letters, digits and '-' only; the
 *              first HP_MAX_NAMES names) whose outer values differ from
 *              the protected ones: all outer fields of that name deleted,
 *              the protected values added in their order.
 *   restored   those names, comma-separated ("" when none).
 *   mismatch   the names whose outer values are not what the sender
 *              meant: for "clear" the protected values; for "cipher" the
 *              HP-Outer record (names in the record or protected). With
 *              no HP-Outer field at all in a "cipher" payload there is no
 *              record and nothing is a mismatch.
 *   obscured   "cipher": the names whose HP-Outer record differs from the
 *              protected value (the sender hid them on purpose).
 * Values are compared with folding and runs of white space made one space
 * and white space trimmed at both ends. Lists are bounded (HP_NAMES_MAX
 * bytes; a name that does not fit is left out, and "..." ends the list).
 *
 * hp_plan_clear() and hp_restore_clear() free what the plans hold (a
 * zeroed struct is empty; both may be called twice).
 */
#ifndef GW_SMIME_HP_H
#define GW_SMIME_HP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "smime/header_edit.h"
#include "smime/mime/mime_parse.h"

#define HP_NAMES_MAX	256
#define HP_MAX_NAMES	64	/* distinct protected names looked at */

struct hp_plan {
	struct mime_header *inner;	/* strings owned */
	size_t		ninner;
	const char	*param;		/* "clear", "cipher" or NULL */
	struct header_edits edits;
	char		*legacy;	/* the legacy display text, or NULL */
};

void	hp_plan_make(const struct sending_profile *, bool encrypted,
	    const struct mime_header *, size_t, struct hp_plan *);
void	hp_plan_clear(struct hp_plan *);

enum hp_kind { HP_NONE, HP_CLEAR, HP_CIPHER, HP_V1 };

struct hp_restore {
	enum hp_kind	kind;
	struct header_edits edits;
	char		restored[HP_NAMES_MAX];
	char		mismatch[HP_NAMES_MAX];
	char		obscured[HP_NAMES_MAX];
	bool		legacy_removed;	/* set by the incoming engine */
};

/* The hp parameter of a Content-Type value: HP_NONE when absent or
 * neither "clear" nor "cipher" (case-insensitive, quoted or not); with
 * no hp, HP_V1 for protected-headers="v1". hp wins when both are there. */
enum hp_kind hp_param(const char *content_type);
void	hp_restore_plan(const struct mime_header *outer, size_t nouter,
	    const struct mime_header *inner, size_t ninner,
	    struct hp_restore *);
void	hp_restore_clear(struct hp_restore *);
/* Subject, From, To, Cc, Date, Reply-To, Followup-To, Sender: the
 * fields a reader sees, the only ones a legacy display shows. */
bool	hp_user_facing(const char *name);
/* "clear", "cipher", "v1", "none". */
const char *hp_kind_name(enum hp_kind);

#endif

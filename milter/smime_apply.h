/*
 * smime_apply - what the outbound and the inbound S/MIME paths of the
 * milter both do with an engine's result: header edits
 * (smime/header_edit.h: deletions with smfi_chgheader, additions with
 * smfi_addheader, in list order) and the new body (smfi_replacebody from
 * a file, in 64 KiB pieces, from its start).
 *
 * smime_apply_edits() returns false when the MTA refused a change (the
 * caller tempfails); body may be NULL for header edits only.
 */
#ifndef GW_SMIME_APPLY_H
#define GW_SMIME_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include <libmilter/mfapi.h>

#include "smime/header_edit.h"

bool	smime_apply_edits(SMFICTX *, const struct header_edits *, FILE *body);

#endif

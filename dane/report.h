/*
 * report - what gatewarden-maps found and decided, for people (text) and
 * for programs (--json): per destination entry its MX hosts, the DNSSEC
 * status of each answer, the TLSA records and whether each is usable, the
 * policy written and why.
 *
 * written: whether the files were replaced; when they were not, no entry
 * has a "policy" (the JSON null) and its planned value is shown as not
 * written. note: one line saying why not (NULL when nothing to say). Both return 0, or -1 on a FILE error.
 */
#ifndef GW_DANE_REPORT_H
#define GW_DANE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "dane/plan.h"

int	report_text(FILE *, const struct plan *, bool written, const char *note);
int	report_json(FILE *, const struct plan *, bool written, const char *note,
	    int exit_code);
/* One entry, under name (the entry's key, or the domain looked up for it);
 * the MTA-STS look-up too when one was made. */
void	report_text_entry(FILE *, const struct plan_entry *, const char *name,
	    bool written);
void	report_json_entry(FILE *, const struct plan_entry *, const char *name,
	    bool written);

/* Writes s as a JSON string (quoted, escaped); NULL as null. */
void	report_json_string(FILE *, const char *s);

#endif

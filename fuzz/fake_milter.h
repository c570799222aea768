/*
 * fake_milter - a stand-in for libmilter, for fuzz_milter only: the
 * smfi_* functions milter/callbacks.c and the modules it calls use,
 * without an MTA. smfi_register() keeps the smfiDesc (fake_milter_desc);
 * a test makes an SMFICTX with fake_milter_ctx_new(), sets the macros
 * the MTA would send and the actions it negotiated, calls the callbacks
 * itself, and reads back every action recorded.
 *
 * Like libmilter, the message changes (headers, body, recipients,
 * quarantine) succeed only in the end-of-message callback and only when
 * their action was negotiated; unlike it, each such misuse is counted
 * (misuse, with the first one described) so that the test can fail on
 * it. smfi_setreply() checks what libmilter checks (a 4xx or 5xx code,
 * an extended code of the same class, no CR or LF) and records every
 * call, good or not. fail_change, when not 0, makes that change (1 the
 * first) and every later one fail, as an MTA refusing it would.
 */
#ifndef GW_FUZZ_FAKE_MILTER_H
#define GW_FUZZ_FAKE_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <libmilter/mfapi.h>

enum fm_kind {
	FM_ADDHEADER,		/* name, value */
	FM_INSHEADER,		/* index, name, value */
	FM_CHGHEADER,		/* name, index, value (NULL: delete) */
	FM_DELRCPT,		/* name: the recipient */
	FM_ADDRCPT,		/* name: the recipient */
	FM_QUARANTINE,		/* name: the reason */
};

struct fm_action {
	enum fm_kind	kind;
	char		*name, *value;
	int		index;
};

struct fm_reply {
	char		*rcode, *xcode, *text;	/* as given, NULL kept */
	bool		accepted;		/* libmilter would take it */
};

struct smfi_str {
	void		*priv;
	char		**macro;	/* name, value, name, value ... */
	size_t		nmacro;
	unsigned long	actions;	/* SMFIF_* negotiated */
	bool		in_eom;
	size_t		fail_change;	/* 0: never */
	size_t		nchanges;	/* changes asked for */
	struct fm_action *action;
	size_t		naction;
	unsigned char	*body;		/* the replaced body, when replaced */
	size_t		bodylen;
	bool		body_replaced;
	struct fm_reply	*reply;
	size_t		nreply;
	unsigned	misuse;
	char		misuse_what[160];
};

extern struct smfiDesc fake_milter_desc;
extern bool fake_milter_registered;

SMFICTX	*fake_milter_ctx_new(void);
void	fake_milter_ctx_free(SMFICTX *);
/* Sets (or replaces) a macro; the name as the MTA sends it. */
void	fake_milter_set_macro(SMFICTX *, const char *name, const char *value);
/* Forgets the actions, body and replies recorded (a new message). */
void	fake_milter_clear(SMFICTX *);
void	fake_milter_clear_replies(SMFICTX *);

#endif

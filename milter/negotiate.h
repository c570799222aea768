/*
 * negotiate - what a configuration needs of the milter protocol, and
 * whether what a connection negotiated can serve it.
 *
 * negotiate_actions() is the SMFIF_* actions to ask for: hygiene removes
 * headers; the TLS header adds one; sending rules replace the MIME
 * headers and the body and may remove recipients. negotiate_steps() is
 * the SMFIP_* steps: no reply wherever gatewarden never refuses, the
 * RCPT reply only for the RCPT-time DANE check, the body only for
 * sending rules and inbound policies, with a reply to body chunks only
 * when every group reads its body (the others are skipped), recipients
 * only for the RCPT-time DANE check and sending rules, and, when the MTA
 * lets the milter choose its macros (macros_at_mail: SMFIF_SETSYMLIST),
 * no connect stage and no HELO stage unless a split copy's trace needs
 * the HELO name: the connection's facts are then asked for at MAIL FROM
 * instead, which saves the MTA a packet per
 * stage and gatewarden a read per stage. The caller masks the steps with
 * what the MTA offers. negotiate_group_reads_body() tells whether a
 * message of group g (NULL: none yet) needs its body read.
 *
 * A connection keeps what it negotiated, so a reloaded configuration can
 * apply to it only when negotiate_fits(): its actions were agreed, it
 * gets a reply at RCPT when it refuses there, the recipients, the HELO
 * name and the body when it reads them. Pure functions of the
 * configuration.
 */
#ifndef GW_NEGOTIATE_H
#define GW_NEGOTIATE_H

#include <stdbool.h>

#include "conf/config.h"

unsigned long negotiate_actions(const struct config *);
unsigned long negotiate_steps(const struct config *, bool macros_at_mail);
bool	negotiate_group_reads_body(const struct config *,
	    const struct sender_group *);
bool	negotiate_fits(unsigned long actions, unsigned long steps,
	    const struct config *);

#endif

/*
 * negotiate - what a configuration needs of the milter protocol, and
 * whether what a connection negotiated can serve it.
 *
 * negotiate_actions() is the SMFIF_* actions to ask for: hygiene removes
 * headers; the TLS header adds one; sending rules replace the MIME
 * headers and the body and may remove recipients. negotiate_steps() is
 * the SMFIP_* steps: no reply wherever gatewarden never refuses, the
 * RCPT reply only for the RCPT-time DANE check, the body only for
 * sending rules; the caller masks them with what the MTA offers.
 *
 * A connection keeps what it negotiated, so a reloaded configuration can
 * apply to it only when negotiate_fits(): its actions were agreed, it
 * gets a reply at RCPT when it refuses there, and the body when it reads
 * it. Pure functions of the configuration.
 */
#ifndef GW_NEGOTIATE_H
#define GW_NEGOTIATE_H

#include <stdbool.h>

#include "conf/config.h"

unsigned long negotiate_actions(const struct config *);
unsigned long negotiate_steps(const struct config *);
bool	negotiate_fits(unsigned long actions, unsigned long steps,
	    const struct config *);

#endif

/*
 * callbacks - the libmilter callbacks of gatewarden and their registration.
 *
 * The callbacks gather facts (macros, envelope, headers, body) into a
 * struct session, ask the policy parts for decisions, and apply them. They
 * negotiate only the actions, stages and macros the configuration in force
 * needs (milter/negotiate.h). callbacks_register() fills and registers the
 * smfiDesc; returns false (logged) when libmilter refuses it.
 *
 * Headers are recorded whatever else failed, so hygiene (milter/hygiene.h)
 * always sees them all. At end of message, one whose headers passed a
 * limit of milter/session.h is refused with 552 5.3.4, and one with more
 * forged headers than hygiene removes with 554 5.7.1, whatever
 * milter.on_internal_error says; any other is cleaned of forged headers,
 * also when on_internal_error accepts it unprocessed.
 *
 * A reload applies from the next message of a connection whose
 * negotiation fits it; when a new configuration with sending rules needs
 * what the connection did not negotiate, a message its rules could cover
 * (its sender group under the new configuration is outbound) is
 * tempfailed at MAIL FROM with a warning instead of leaving in clear.
 */
#ifndef GW_CALLBACKS_H
#define GW_CALLBACKS_H

#include <stdbool.h>

bool	callbacks_register(void);

#endif

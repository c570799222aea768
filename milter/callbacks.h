/*
 * callbacks - the libmilter callbacks of gatewarden and their registration.
 *
 * The callbacks gather facts (macros, envelope, headers, body) into a
 * struct session, ask the policy parts for decisions, and apply them. They
 * negotiate only the actions, stages and macros the configuration in force
 * needs. callbacks_register() fills and registers the smfiDesc; returns
 * false (logged) when libmilter refuses it.
 */
#ifndef GW_CALLBACKS_H
#define GW_CALLBACKS_H

#include <stdbool.h>

bool	callbacks_register(void);

#endif

/*
 * session - what the milter knows of one SMTP connection and of the
 * message in it.
 *
 * A session is made at connect and freed at close; it pins the
 * configuration snapshot it was started under (config_ref) and takes the
 * newest snapshot again at the start of each message, so a reload applies
 * to the next message and never to one in flight. A message is made at
 * MAIL FROM and freed when it ends, whichever way it ends (accepted,
 * rejected, aborted, connection lost): message_free() also removes its
 * spool file.
 *
 * Every string from the MTA is copied and bounded: macros to MACRO_MAX
 * bytes, addresses to ADDR_MAX; headers are kept up to HEADERS_MAX bytes
 * in all (beyond that the message gets the configured failure action).
 * Nothing here talks to libmilter; callbacks.c fills these structs.
 */
#ifndef GW_SESSION_H
#define GW_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "milter/spool.h"

#define MACRO_MAX	1024
#define ADDR_MAX	1024
#define HEADERS_MAX	(4u << 20)
#define QUEUE_ID_MAX	64

/* The macros gatewarden asks the MTA for; see macro_names[] in session.c. */
enum macro_id {
	M_MTA_VERSION,		/* v */
	M_DAEMON_NAME,		/* {daemon_name} */
	M_CLIENT_ADDR,		/* {client_addr} */
	M_CLIENT_NAME,		/* {client_name} */
	M_CLIENT_RESOLVE,	/* {client_resolve}, Sendmail */
	M_TLS_VERSION,		/* {tls_version} */
	M_CIPHER,		/* {cipher} */
	M_CIPHER_BITS,		/* {cipher_bits} */
	M_CERT_SUBJECT,		/* {cert_subject} */
	M_CERT_ISSUER,		/* {cert_issuer} */
	M_VERIFY,		/* {verify}, Sendmail */
	M_CN_SUBJECT,		/* {cn_subject}, Sendmail */
	M_CN_ISSUER,		/* {cn_issuer}, Sendmail */
	M_AUTH_TYPE,		/* {auth_type} */
	M_AUTH_AUTHEN,		/* {auth_authen} */
	M_QUEUE_ID,		/* i */
	M_COUNT
};

/* The macro's name as the MTA spells it ("{client_addr}", "i"). */
const char *macro_name(enum macro_id);

struct header {
	char		*name;
	char		*value;
};

struct message {
	char		queue_id[QUEUE_ID_MAX];
	char		*sender;		/* as given at MAIL FROM */
	char		**rcpts;
	size_t		nrcpts;
	struct header	*headers;
	size_t		nheaders, headers_cap;
	size_t		header_bytes;
	struct spool	body;
	bool		failed;		/* an internal error happened; see failure */
	const char	*failure;	/* static text for the log */
};

struct session {
	struct config	*cfg;		/* pinned snapshot */
	unsigned long	id;		/* for logs before a queue id exists */
	char		macros[M_COUNT][MACRO_MAX];
	bool		have[M_COUNT];
	char		helo[256];
	struct message	*msg;		/* NULL between messages */
	unsigned long	nmessages;
};

struct session *session_new(struct config *cfg, unsigned long id);
void	session_free(struct session *);

/* Stores a macro value (copied, truncated to MACRO_MAX - 1). NULL value:
 * the MTA did not send it; an earlier value is kept, as the TLS macros of
 * a HELO stay valid for the rest of the session. */
void	session_set_macro(struct session *, enum macro_id, const char *);
const char *session_macro(const struct session *, enum macro_id);

/* Starts a message, discarding any earlier one. */
struct message *session_begin_message(struct session *, const char *sender);
void	session_end_message(struct session *);

/* The id to start log lines with: the queue id when known, else "conn#N". */
const char *session_log_id(const struct session *, char *buf, size_t bufsz);

/* false when the headers would pass HEADERS_MAX. */
bool	message_add_header(struct message *, const char *name, const char *value);
void	message_add_rcpt(struct message *, const char *rcpt);
void	message_free(struct message *);

#endif

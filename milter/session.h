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
 * Every string from the MTA is copied and bounded: the macros into
 * struct session_facts (policy/session_facts.h), addresses to ADDR_MAX; headers are kept up to HEADERS_MAX bytes
 * in all (beyond that the message gets the configured failure action).
 * Nothing here talks to libmilter; callbacks.c fills these structs.
 */
#ifndef GW_SESSION_H
#define GW_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "milter/esmtp_params.h"
#include "milter/spool.h"
#include "policy/session_facts.h"

#define ADDR_MAX	1024
#define HEADERS_MAX	(4u << 20)
#define QUEUE_ID_MAX	64
#define RCPTS_MAX	100000

struct header {
	char		*name;
	char		*value;
};

struct message {
	char		queue_id[QUEUE_ID_MAX];	/* "" until the MTA sends "i" */
	const struct sender_group *group;	/* decided at MAIL FROM */
	char		*sender;		/* as given at MAIL FROM */
	struct mail_params mail;		/* its ESMTP parameters kept */
	char		**rcpts;
	struct rcpt_params *rcpt_params;	/* one per rcpt */
	size_t		nrcpts;
	struct header	*headers;
	size_t		nheaders, headers_cap;
	size_t		header_bytes;
	struct spool	body;
	bool		failed;		/* an internal error happened; see failure */
	const char	*failure;	/* static text for the log */
	bool		headers_incomplete;	/* some headers were not kept */
};

struct session {
	struct config	*cfg;		/* pinned snapshot */
	unsigned long	id;		/* for logs before a queue id exists */
	struct session_facts facts;	/* what the MTA's macros said */
	char		helo[256];
	struct message	*msg;		/* NULL between messages */
	unsigned long	nmessages;
};

struct session *session_new(struct config *cfg, unsigned long id);
void	session_free(struct session *);

/* Starts a message, discarding any earlier one; args are the ESMTP
 * parameters after the sender (NULL-terminated, may be NULL). */
struct message *session_begin_message(struct session *, const char *sender,
	    char *const *args);
void	session_end_message(struct session *);

/* Records the MTA's queue id ("i" macro) when it sent one. */
void	message_set_queue_id(struct message *, const char *);

/* The id to start log lines with: the queue id when known, else "conn#N". */
const char *session_log_id(const struct session *, char *buf, size_t bufsz);

/* false when the headers would pass HEADERS_MAX. */
bool	message_add_header(struct message *, const char *name, const char *value);
/* args: the recipient's ESMTP parameters, as for the sender. */
void	message_add_rcpt(struct message *, const char *rcpt, char *const *args);
void	message_free(struct message *);

#endif

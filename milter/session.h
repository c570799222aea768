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
 * struct session_facts (policy/session_facts.h), addresses to ADDR_MAX.
 * Headers are kept while they number at most milter.max_header_fields
 * and the memory they hold stays within HEADERS_MAX bytes, counted as
 * malloc holds it: the name and value (one allocation, rounded up as
 * the allocator does, plus its chunk header) and the header array's
 * slots as allocated. Past either limit no further header is kept and
 * header_limit says which one was passed; the caller refuses such a
 * message (a message whose headers were not all seen is never let
 * through, since their hygiene could not be done). Recipients are kept
 * up to RCPTS_MAX; beyond that the message is marked failed. Both arrays
 * grow geometrically, so a message costs time linear in what it sends.
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
	char		*name;		/* one allocation: name, NUL, value, NUL */
	char		*value;		/* points into name's allocation */
};

enum header_limit {
	HLIMIT_NONE,		/* every header was kept */
	HLIMIT_FIELDS,		/* more than max_header_fields */
	HLIMIT_BYTES,		/* more than HEADERS_MAX bytes held */
};

struct message {
	char		queue_id[QUEUE_ID_MAX];	/* "" until the MTA sends "i" */
	const struct sender_group *group;	/* decided at MAIL FROM */
	char		*sender;		/* as given at MAIL FROM */
	struct mail_params mail;		/* its ESMTP parameters kept */
	char		**rcpts;
	struct rcpt_params *rcpt_params;	/* one per rcpt */
	size_t		nrcpts, rcpts_cap;
	struct header	*headers;
	size_t		nheaders, headers_cap;
	size_t		header_bytes;	/* memory held by the headers */
	size_t		header_text_bytes;	/* name + value + 2 each */
	size_t		max_header_fields;	/* milter.max_header_fields */
	enum header_limit header_limit;	/* a limit passed: headers were lost */
	struct spool	body;
	bool		failed;		/* an internal error happened; see failure */
	const char	*failure;	/* static text for the log */
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

/* Keeps one header; false (and header_limit set) when it would pass
 * max_header_fields or HEADERS_MAX, or when an earlier one did. */
bool	message_add_header(struct message *, const char *name, const char *value);
/* The bytes message_add_header() counts for a header's name and value
 * (the array slot aside): its allocation as malloc rounds it, plus the
 * chunk header. */
size_t	header_alloc_cost(size_t namelen, size_t valuelen);
/* args: the recipient's ESMTP parameters, as for the sender. */
void	message_add_rcpt(struct message *, const char *rcpt, char *const *args);
void	message_free(struct message *);

#endif

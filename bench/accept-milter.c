/*
 * accept-milter - the benchmark's reference milters: they accept every
 * message and do nothing else, so that what they cost is the milter
 * protocol alone.
 *
 *   accept-milter every|lean SOCKET
 *
 * every: takes every stage (connect, HELO, MAIL, RCPT, DATA, unknown,
 *   each header, end of headers, each body chunk, end of message) and
 *   answers each with continue, accepting at the end: what a naive milter
 *   costs.
 * lean: negotiates every stage away that it can (SMFIP_NO*), asks for no
 *   reply where one must still come (SMFIP_NR_*), and accepts at end of
 *   message, the one stage the protocol always sends: the floor of any
 *   milter.
 *
 * SOCKET is libmilter's form (unix:/path, inet:port@127.0.0.1). The
 * program runs until SIGTERM or SIGINT (libmilter's own signal handling).
 * It keeps no state and allocates nothing per message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int lean;

static sfsistat
am_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
	    SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN | SMFIP_NR_HELO |
	    SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN |
	    SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_HDR;

	(void)ctx, (void)f0, (void)f2, (void)f3;
	*pf0 = 0;
	*pf1 = lean ? (want & f1) : 0;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
am_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx, (void)host, (void)sa;
	return SMFIS_CONTINUE;
}

static sfsistat
am_one(SMFICTX *ctx, char *arg)
{
	(void)ctx, (void)arg;
	return SMFIS_CONTINUE;
}

static sfsistat
am_argv(SMFICTX *ctx, char **argv)
{
	(void)ctx, (void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
am_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx, (void)cmd;
	return SMFIS_CONTINUE;
}

static sfsistat
am_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx, (void)name, (void)value;
	return SMFIS_CONTINUE;
}

static sfsistat
am_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx, (void)chunk, (void)len;
	return SMFIS_CONTINUE;
}

static sfsistat
am_none(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
am_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {
		.xxfi_name = "accept-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = 0,
		.xxfi_connect = am_connect,
		.xxfi_helo = am_one,
		.xxfi_envfrom = am_argv,
		.xxfi_envrcpt = am_argv,
		.xxfi_header = am_header,
		.xxfi_eoh = am_none,
		.xxfi_body = am_body,
		.xxfi_eom = am_eom,
		.xxfi_abort = am_none,
		.xxfi_close = am_none,
		.xxfi_unknown = am_unknown,
		.xxfi_data = am_none,
		.xxfi_negotiate = am_negotiate,
	};
	const char *spec;

	if (argc != 3 || (strcmp(argv[1], "every") != 0 &&
	    strcmp(argv[1], "lean") != 0)) {
		fprintf(stderr, "usage: accept-milter every|lean SOCKET\n");
		return 2;
	}
	lean = strcmp(argv[1], "lean") == 0;
	spec = argv[2];
	if (strncmp(spec, "unix:", 5) == 0)
		(void)unlink(spec + 5);
	/* The MTA's smtpd runs as another user: the socket is for all. */
	umask(0);
	if (smfi_register(d) == MI_FAILURE ||
	    smfi_setconn((char *)spec) == MI_FAILURE ||
	    smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "accept-milter: cannot listen on %s\n", spec);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}

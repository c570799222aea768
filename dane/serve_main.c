/*
 * serve_main - the "serve" subcommand of gatewarden-maps (serve.h): start-up
 * in the milter daemon's checked order, then the event loop.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf/config.h"
#include "dane/serve.h"
#include "dane/serve_socket.h"
#include "dane/sts_fetch.h"
#include "lib/log.h"
#include "lib/pidfile.h"
#include "lib/privdrop.h"

static void
usage(FILE *fp)
{
	fputs("usage: gatewarden-maps serve [-f] [-c FILE]\n"
	    "  -c FILE  configuration file\n"
	    "  -f       stay in the foreground and log to stderr as well\n"
	    "Signals: SIGUSR1 reloads the configuration; SIGTERM stops.\n", fp);
}

static struct config *
load(const char *path)
{
	struct diags d = { 0 };
	struct config *cfg = config_load(path, &d);
	size_t	i;

	for (i = 0; i < d.n; i++)
		if (d.v[i].severity == DIAG_ERROR)
			log_error("%s:%u:%u: %s", d.v[i].file, d.v[i].line,
			    d.v[i].col, d.v[i].msg);
		else
			log_warn("%s:%u:%u: warning: %s", d.v[i].file,
			    d.v[i].line, d.v[i].col, d.v[i].msg);
	diags_free(&d);
	return cfg;
}

int
serve_main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	const struct socketmap_conf *sm;
	struct run_identity id;
	struct serve_ctx *ctx;
	struct config *cfg;
	char	*err = NULL;
	int	ch, foreground = 0, fd, code;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:fh")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_close();
	log_open("gatewarden-maps", LOG_MAIL, foreground, 1);
	if ((cfg = load(path)) == NULL)
		log_fatal("%s: configuration has errors; not starting", path);
	log_set_level(cfg->log.level);
	log_set_facility(cfg->log.facility);
	sm = &cfg->socketmap;
	/* The milter's user and group unless socketmap names its own. */
	if (!priv_resolve("socketmap", sm->user ? sm->user : cfg->milter.user,
	    sm->group ? sm->group : sm->user ? NULL : cfg->milter.group, &id))
		log_fatal("not starting");
	if (sm->pid_file && !pidfile_lock(sm->pid_file,
	    "gatewarden-maps serve"))
		log_fatal("not starting");
	if ((fd = serve_listen(sm->socket, sm->socket_mode, &id, &err)) == -1) {
		pidfile_remove();
		log_fatal("socketmap.socket %s: %s; not starting", sm->socket,
		    err);
	}
	if (!foreground && daemon(0, 0) == -1) {
		serve_unlink(sm->socket);
		pidfile_remove();
		log_fatal_errno("daemon");
	}
	if (!pidfile_write() || !pidfile_keep(id.drop) || !priv_drop(&id)) {
		serve_unlink(sm->socket);
		pidfile_remove();
		log_fatal("not starting");
	}
	/* libcurl's global set-up comes before any thread; the resolver
	 * and the MTA-STS cache are opened as the user the server runs as,
	 * as they are at every reload. */
	sts_fetch_global_init();
	if ((ctx = serve_ctx_new(config_ref(cfg), (uid_t)-1, (gid_t)-1,
	    &err)) == NULL) {
		serve_unlink(sm->socket);
		pidfile_remove();
		log_fatal("%s; not starting", err);
	}
	code = serve_run(ctx, fd, path);
	serve_unlink(sm->socket);
	pidfile_remove();
	config_unref(cfg);
	sts_fetch_global_done();
	log_close();
	return code;
}

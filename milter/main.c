/*
 * gatewarden - the mail-gateway security milter.
 *
 * main() parses the command line, loads and checks the configuration, and
 * runs the daemon: socket, pid file, spool, privilege drop, then
 * libmilter's loop until SIGTERM; messages in flight then get up to
 * milter.timeout to finish.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <openssl/crypto.h>
#include <syslog.h>

#include "conf/config.h"
#include "lib/log.h"
#include "milter/alert.h"
#include "milter/callbacks.h"
#include "milter/certs_check.h"
#include "milter/counters.h"
#include "milter/daemon.h"
#include "milter/rcpt_dane.h"
#include "milter/smime_in.h"
#include "milter/smime_out.h"
#include "milter/runtime.h"
#include "milter/trust_ctx.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gatewarden [-fnVh] [-c FILE]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -n       check the configuration, print every problem, exit 1 if any\n"
	    "  -f       stay in the foreground and log to stderr as well\n"
	    "  -V       print the version\n"
	    "  -h       print this help\n"
	    "Signals: SIGUSR1 reloads the configuration; SIGTERM stops after\n"
	    "the messages in flight.\n", CONFIG_DEFAULT_PATH);
}

static void
print_version(void)
{
	unsigned int major, minor, patch;

	smfi_version(&major, &minor, &patch);
	printf("gatewarden %s (libmilter %u.%u.%u, %s)\n", PACKAGE_VERSION,
	    major, minor, patch, OpenSSL_version(OPENSSL_VERSION));
}

/* -n: every problem on stderr, a summary, and the exit status. */
static int
check_only(const char *path)
{
	struct diags d = { 0 };
	struct config *cfg = config_load(path, &d);
	int	status = cfg ? 0 : 1;

	diags_print(&d, stderr);
	if (cfg != NULL)
		printf("%s: configuration OK (%u warning%s)\n", path,
		    d.warnings, d.warnings == 1 ? "" : "s");
	else
		fprintf(stderr, "%s: %u error%s, %u warning%s\n", path,
		    d.errors, d.errors == 1 ? "" : "s", d.warnings,
		    d.warnings == 1 ? "" : "s");
	diags_free(&d);
	config_unref(cfg);
	return status;
}

/* The organisation's certificates, against the CA lists in force. */
static bool
check_certificates(const struct config *cfg)
{
	X509_STORE *trust = trust_ctx_store();
	bool	good = certs_check(cfg, trust, smime_out_keystore());

	X509_STORE_free(trust);
	return good;
}

static int
run(const char *path, int foreground)
{
	struct diags d = { 0 };
	struct config *cfg;
	struct run_identity id;
	unsigned left;
	int	rc;

	cfg = config_load(path, &d);
	runtime_log_diags(&d);
	diags_free(&d);
	if (cfg == NULL)
		log_fatal("%s: configuration has errors; not starting", path);
	log_set_level(cfg->log.level);
	log_set_facility(cfg->log.facility);

	if (!daemon_block_signals() || !daemon_resolve_identity(cfg, &id) ||
	    !daemon_lock_pidfile(cfg))
		log_fatal("not starting");
	counters_init();
	if (!counters_listen(cfg) || !callbacks_register() ||
	    !daemon_open_socket(cfg, &id)) {
		daemon_remove_pidfile(cfg);
		log_fatal("not starting");
	}
	if (!foreground && daemon_stop_pending()) {
		log_info("stop: action=not-started reason=signal");
		daemon_remove_socket(cfg);
		daemon_remove_pidfile(cfg);
		config_unref(cfg);
		return 0;
	}
	if (!foreground && daemon(0, 0) == -1)
		log_fatal_errno("daemon");
	/* After the signal mask is set: libunbound's thread must not take
	 * a stop signal either. The certificates are checked as the user the
	 * daemon runs as. */
	if (!daemon_write_pidfile(cfg) || !daemon_prepare_spool(cfg, &id) ||
	    !daemon_keep_pidfile(cfg, &id) ||
	    !daemon_drop_privileges(&id) || !daemon_start_signal_thread() ||
	    !rcpt_dane_init(cfg) || !smime_out_init(cfg) ||
	    !trust_ctx_init(cfg, smime_out_keystore()) ||
	    !check_certificates(cfg) || !smime_in_init(cfg) ||
	    !counters_serve()) {
		/* Leave no socket for the MTA to find: it tempfails at once. */
		daemon_remove_socket(cfg);
		daemon_remove_pidfile(cfg);
		log_fatal("not starting");
	}

	runtime_init(config_ref(cfg), path);
	alert_init(cfg->alerts.rate_limit);
	log_info("start: version=%s socket=%s config=%s", PACKAGE_VERSION,
	    cfg->milter.socket, path);
	rc = daemon_enter_milter() ? smfi_main() : MI_SUCCESS;
	daemon_wait_stopped();
	daemon_remove_socket(cfg);
	counters_shutdown();

	left = runtime_wait_idle(0);
	log_info("stop: result=%s sessions_left=%u",
	    rc == MI_SUCCESS ? "ok" : "error", left);
	daemon_remove_pidfile(cfg);
	if (left > 0) {
		/* libmilter's workers may still be inside a callback: leave
		 * the shared state to the exit. */
		log_close();
		_exit(rc == MI_SUCCESS ? 0 : 1);
	}
	runtime_shutdown();
	alert_shutdown();
	rcpt_dane_shutdown();
	trust_ctx_shutdown();
	smime_out_shutdown();
	smime_in_shutdown();
	config_unref(cfg);
	log_close();
	return rc == MI_SUCCESS ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	int	ch, check = 0, foreground = 0;

	while ((ch = getopt(argc, argv, "c:fnVh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'V':
			print_version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)
		return check_only(path);
	log_open("gatewarden", LOG_MAIL, foreground, 1);
	return run(path, foreground);
}

/*
 * spawn - runs a program without a shell and waits for it.
 *
 * spawn_run(argv, input) runs argv[0] (searched in PATH when it holds no
 * '/') with argv, writes input (NULL = nothing) to its standard input and
 * waits. Returns 0 when it exited 0; otherwise -1 and a message in *err
 * (the caller frees it) naming the program and its status or the failed
 * call. Standard output and error are the caller's.
 *
 * spawn_run_limited() does the same within `seconds` (0: no limit): a
 * program still running then (a hung MTA, a sendmail that never reads
 * its input) is killed with SIGKILL, reaped, and reported in *err as
 * "did not finish within N s", so that a caller's thread always comes
 * back.
 *
 * gatewarden-maps runs every program it starts through the limited form,
 * so that a hung tool cannot hold a cron run (and its lock) forever:
 * SPAWN_POSTFIX_TOOL_SECONDS for postconf, postmap and postfix reload,
 * SPAWN_SENDMAIL_SECONDS for a report's sendmail (alerts have their own
 * alerts.sendmail_timeout).
 */
#ifndef GW_DANE_SPAWN_H
#define GW_DANE_SPAWN_H

#define SPAWN_POSTFIX_TOOL_SECONDS	300
#define SPAWN_SENDMAIL_SECONDS		60

int	spawn_run(char *const argv[], const char *input, char **err);
int	spawn_run_limited(char *const argv[], const char *input,
	    unsigned seconds, char **err);

#endif

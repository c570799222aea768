/*
 * apply - see apply.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/apply.h"
#include "dane/spawn.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static int
postconf(const char *conf_dir, const char *flag, const char *arg, char **err)
{
	char	*argv[6];
	int	n = 0;

	argv[n++] = "postconf";
	if (conf_dir) {
		argv[n++] = "-c";
		argv[n++] = (char *)conf_dir;
	}
	argv[n++] = (char *)flag;
	argv[n++] = (char *)arg;
	argv[n] = NULL;
	return spawn_run_limited(argv, NULL, SPAWN_POSTFIX_TOOL_SECONDS, err);
}

static void
chomp(char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int
apply_main(const char *conf_dir, const char *dir, char **err)
{
	char	*path = x_asprintf("%s/main.cf.snippet", dir), line[4096];
	FILE	*fp = fopen(path, "re");	/* postconf must not inherit it */
	int	rc = 0;

	if (fp == NULL) {
		*err = x_asprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		rc = postconf(conf_dir, "-e", line, err);
	}
	fclose(fp);
	free(path);
	return rc;
}

static int
apply_master(const char *conf_dir, const char *dir, char **err)
{
	char	*path = x_asprintf("%s/master.cf.snippet", dir), line[4096];
	char	service[512] = "";
	FILE	*fp = fopen(path, "re");	/* postconf must not inherit it */
	int	rc = 0;

	if (fp == NULL) {
		*err = x_asprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		char	name[256], type[32], *arg;

		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "  -o ", 5) == 0 && service[0]) {
			arg = x_asprintf("%s/%s", service, line + 5);
			rc = postconf(conf_dir, "-P", arg, err);
			free(arg);
			continue;
		}
		if (sscanf(line, "%255s %31s", name, type) != 2) {
			*err = x_asprintf("%s: cannot read \"%s\"", path, line);
			rc = -1;
			break;
		}
		snprintf(service, sizeof(service), "%s/%s", name, type);
		arg = x_asprintf("%s=%s", service, line);
		rc = postconf(conf_dir, "-M", arg, err);
		free(arg);
	}
	fclose(fp);
	free(path);
	return rc;
}

int
apply_postfix(const char *conf_dir, const char *dir, char **err)
{
	char	*argv[5], *rerr = NULL;
	int	n = 0;

	*err = NULL;
	if (apply_main(conf_dir, dir, err) != 0 ||
	    apply_master(conf_dir, dir, err) != 0)
		return -1;
	argv[n++] = "postfix";
	if (conf_dir) {
		argv[n++] = "-c";
		argv[n++] = (char *)conf_dir;
	}
	argv[n++] = "reload";
	argv[n] = NULL;
	if (spawn_run_limited(argv, NULL, SPAWN_POSTFIX_TOOL_SECONDS,
	    &rerr) != 0)
		log_warn("postfix reload: %s (is Postfix running?)", rerr);
	free(rerr);
	return 0;
}

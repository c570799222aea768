/*
 * load_metrics - the metrics: section (Prometheus metrics over HTTP).
 *
 *   metrics:
 *     listen: 127.0.0.1:9155    # numeric IPv4:PORT or [IPv6]:PORT
 *
 * No section, or no listen:, means no metrics server. The address is
 * numeric, as the server binds it without a look-up.
 */
#include <config.h>

#include <stdlib.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

static void
metrics_listen(struct ld *l, const struct ynode *v, void *obj)
{
	struct metrics_conf *m = obj;
	const char *s = ld_scalar(l, v, "listen"), *why;

	if (s == NULL)
		return;
	if (!check_addr_port(s, &why)) {
		ld_error(l, v, "bad listen \"%s\": write a numeric address and "
		    "port, as in 127.0.0.1:9155 or [::1]:9155", s);
		return;
	}
	free(m->listen);
	m->listen = x_strdup(s);
}

void
load_metrics(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("listen", metrics_listen),
	};

	ld_walk(l, map, "metrics", f, NFIELDS(f), &l->c->metrics, NULL);
}

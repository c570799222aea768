/*
 * serve_pool - the bounded set of look-ups in flight behind gatewarden-maps
 * serve: a fixed number of worker threads, each running one answer_make()
 * at a time (so at most that many look-ups in flight), fed from a queue
 * of at most SERVE_POOL_QUEUE jobs.
 *
 * pool_submit() (event-loop thread) hands over a job; false when the
 * queue is full (the caller answers TEMP). When a job is done, the worker
 * queues it back and activates the event given to pool_new(); the event
 * loop then takes the finished jobs with pool_take_done(). A job pins its
 * serve_ctx (the caller's reference is taken over) and owns its domain
 * and result; job_free() drops all of it (NULL is fine).
 *
 * pool_stop() tells the workers to stop after their current job and waits
 * up to wait_s seconds for them; it returns false when some are still
 * busy (a look-up stuck in DNS): the caller then leaves the process
 * without freeing what they might still touch. pool_free() frees a
 * stopped pool.
 */
#ifndef GW_DANE_SERVE_POOL_H
#define GW_DANE_SERVE_POOL_H

#include <stdbool.h>

#include <event2/event.h>

#include "dane/serve_answer.h"

#define SERVE_POOL_QUEUE	4096

struct job {
	char		*domain;
	struct serve_ctx *ctx;
	struct answer	*result;
	bool		refresh;	/* a proactive refresh, no one waits */
	struct job	*next;
};

struct pool;

struct pool *pool_new(unsigned nthreads, struct event *done);
bool	pool_submit(struct pool *, struct job *);
/* The finished jobs, oldest first, as a list through next. */
struct job *pool_take_done(struct pool *);
/* Jobs queued but not started. */
unsigned pool_queued(struct pool *);
bool	pool_stop(struct pool *, unsigned wait_s);
void	pool_free(struct pool *);

struct job *job_new(const char *domain, struct serve_ctx *ctx, bool refresh);
void	job_free(struct job *);

#endif

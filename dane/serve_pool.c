/*
 * serve_pool - see serve_pool.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dane/serve_pool.h"
#include "lib/log.h"
#include "lib/xalloc.h"

struct pool {
	pthread_mutex_t	lock;
	pthread_cond_t	work;		/* a job queued, or stop */
	pthread_cond_t	idle;		/* a worker left */
	struct job	*head, *tail;	/* queued */
	unsigned	nqueued;
	struct job	*done_head, *done_tail;
	struct event	*done;
	pthread_t	*tids;
	unsigned	nthreads, running;
	bool		stop;
};

struct job *
job_new(const char *domain, struct serve_ctx *ctx, bool refresh)
{
	struct job *j = x_calloc(1, sizeof(*j));

	j->domain = x_strdup(domain);
	j->ctx = ctx;
	j->refresh = refresh;
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->domain);
	answer_free(j->result);
	serve_ctx_unref(j->ctx);
	free(j);
}

static void *
worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job *j;

		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->nqueued--;
		j->next = NULL;
		pthread_mutex_unlock(&p->lock);
		{
			struct dns_source src =
			    resolver_source(j->ctx->resolver);

			j->result = answer_make(j->ctx->cfg, &src, j->ctx->sts,
			    j->domain);
		}
		pthread_mutex_lock(&p->lock);
		if (p->done_tail)
			p->done_tail->next = j;
		else
			p->done_head = j;
		p->done_tail = j;
		event_active(p->done, EV_READ, 0);
	}
	p->running--;
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct pool *
pool_new(unsigned nthreads, struct event *done)
{
	struct pool *p = x_calloc(1, sizeof(*p));
	sigset_t all, old;
	unsigned i;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->done = done;
	p->tids = x_calloc(nthreads, sizeof(*p->tids));
	/* Signals are the event loop's: the workers never take one. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		int	rc = pthread_create(&p->tids[i], NULL, worker, p);

		if (rc != 0)
			log_fatal("pthread_create: %s", strerror(rc));
		p->nthreads++;
		p->running++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

bool
pool_submit(struct pool *p, struct job *j)
{
	pthread_mutex_lock(&p->lock);
	if (p->stop || p->nqueued >= SERVE_POOL_QUEUE) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	j->next = NULL;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->nqueued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return true;
}

struct job *
pool_take_done(struct pool *p)
{
	struct job *j;

	pthread_mutex_lock(&p->lock);
	j = p->done_head;
	p->done_head = p->done_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	return j;
}

unsigned
pool_queued(struct pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->nqueued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

bool
pool_stop(struct pool *p, unsigned wait_s)
{
	struct timespec until;
	unsigned i;
	bool	all;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_s;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	while (p->running > 0 &&
	    pthread_cond_timedwait(&p->idle, &p->lock, &until) != ETIMEDOUT)
		;
	all = p->running == 0;
	pthread_mutex_unlock(&p->lock);
	if (all)
		for (i = 0; i < p->nthreads; i++)
			pthread_join(p->tids[i], NULL);
	return all;
}

void
pool_free(struct pool *p)
{
	struct job *j;

	if (p == NULL)
		return;
	while ((j = p->head) != NULL) {
		p->head = j->next;
		job_free(j);
	}
	while ((j = p->done_head) != NULL) {
		p->done_head = j->next;
		job_free(j);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	free(p->tids);
	free(p);
}

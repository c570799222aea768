/*
 * workq - see workq.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "lib/workq.h"
#include "lib/xalloc.h"

struct job {
	void	(*run)(void *);
	void	(*done)(void *);
	void	*arg;
	struct job *next;
};

struct workq {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	pthread_t	thread;
	struct job	*head, *tail;
	size_t		n, max;
	bool		stopping;
	int64_t		deadline_ms;	/* while stopping */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
worker(void *arg)
{
	struct workq *q = arg;
	struct job *j;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->head == NULL || (q->stopping &&
		    now_ms() >= q->deadline_ms))
			break;
		j = q->head;
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		j->run(j->arg);
		if (j->done != NULL)
			j->done(j->arg);
		free(j);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct workq *
workq_new(size_t max)
{
	struct workq *q = x_calloc(1, sizeof(*q));
	int	rc;

	q->max = max;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if ((rc = pthread_create(&q->thread, NULL, worker, q)) != 0) {
		pthread_cond_destroy(&q->cond);
		pthread_mutex_destroy(&q->lock);
		free(q);
		errno = rc;
		return NULL;
	}
	return q;
}

bool
workq_push(struct workq *q, void (*run)(void *), void (*done)(void *),
    void *arg)
{
	struct job *j;

	pthread_mutex_lock(&q->lock);
	if (q->n >= q->max || q->stopping) {
		pthread_mutex_unlock(&q->lock);
		if (done != NULL)
			done(arg);
		return false;
	}
	j = x_calloc(1, sizeof(*j));
	j->run = run;
	j->done = done;
	j->arg = arg;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return true;
}

size_t
workq_free(struct workq *q, unsigned drain_ms)
{
	struct job *j;
	size_t	dropped = 0;

	if (q == NULL)
		return 0;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	q->deadline_ms = now_ms() + drain_ms;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	while ((j = q->head) != NULL) {
		q->head = j->next;
		if (j->done != NULL)
			j->done(j->arg);
		free(j);
		dropped++;
	}
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
	return dropped;
}

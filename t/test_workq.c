/*
 * test_workq - the job queue of lib/workq.h: jobs run in order on a
 * thread that is not the caller's, the bound refuses (and completes) a
 * job beyond it, and the end drains within its time and drops the rest,
 * completing each.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "lib/workq.h"
#include "t/tap.h"

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static int	order[64];
static atomic_int nrun, ndone;
static pthread_t caller;
static atomic_bool other_thread = true;

static void
run(void *arg)
{
	int	i = atomic_fetch_add(&nrun, 1);

	if (pthread_equal(pthread_self(), caller))
		other_thread = false;
	if (i < 64)
		order[i] = (int)(long)arg;
}

static void
done(void *arg)
{
	(void)arg;
	atomic_fetch_add(&ndone, 1);
}

/* Holds the worker until the test lets the gate go. */
static void
blocked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
}

static void
slow(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	atomic_fetch_add(&nrun, 1);
}

static void
reset(void)
{
	nrun = ndone = 0;
	memset(order, 0, sizeof(order));
}

int
main(void)
{
	struct workq *q;
	long	i;
	bool	in_order = true;
	size_t	dropped;

	plan_lazy();
	caller = pthread_self();

	reset();
	q = workq_new(100);
	ok(q != NULL, "a queue starts its thread");
	for (i = 0; i < 50; i++)
		workq_push(q, run, done, (void *)i);
	is_uint(workq_free(q, 10000), 0, "the end runs what waits: nothing "
	    "dropped");
	is_int(nrun, 50, "every job ran");
	is_int(ndone, 50, "every job completed");
	for (i = 0; i < 50; i++)
		in_order = in_order && order[i] == i;
	ok(in_order, "in the order they came");
	ok(other_thread, "on the queue's own thread");

	reset();
	q = workq_new(2);
	pthread_mutex_lock(&gate);
	workq_push(q, blocked, NULL, NULL);
	/* Give the worker time to take the blocked job off the queue. */
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	ok(workq_push(q, run, done, (void *)1L) &&
	    workq_push(q, run, done, (void *)2L), "two jobs wait");
	ok(!workq_push(q, run, done, (void *)3L), "a third is refused at "
	    "the bound of 2");
	is_int(ndone, 1, "... and completed at once, never run");
	pthread_mutex_unlock(&gate);
	workq_free(q, 10000);
	is_int(nrun, 2, "the two that waited ran");

	reset();
	q = workq_new(10);
	for (i = 0; i < 10; i++)
		workq_push(q, slow, done, NULL);
	dropped = workq_free(q, 300);
	ok(dropped >= 1 && dropped + (size_t)nrun == 10, "the end waits "
	    "300 ms for 10 jobs of 200 ms: %d ran, %zu were dropped", nrun,
	    dropped);
	is_int(ndone, 10, "every job, run or dropped, completed");
	is_uint(workq_free(NULL, 0), 0, "workq_free(NULL) is fine");
	return done_testing();
}

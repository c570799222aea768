/*
 * workq - a bounded queue of jobs run, in order, by one thread of its
 * own: work that must not hold up the thread that has it (the harvest of
 * a message's certificates must not keep the message waiting on a busy
 * key store).
 *
 * workq_new(max) starts the thread; NULL (errno set) when it cannot.
 * workq_push(q, run, done, arg) queues run(arg); done(arg), when not
 * NULL, is called after run, or instead of it when the job is dropped.
 * Returns false, and calls done(arg) at once, when max jobs wait already
 * (nothing queued then: the caller logs it).
 * workq_free(q, drain_ms) runs what is queued for at most drain_ms
 * milliseconds more, drops the rest (done is called for each), stops the
 * thread and frees q; it returns the number of jobs dropped.
 * workq_free(NULL, ...) is fine. Thread-safe, except workq_free, which
 * must be the last call.
 */
#ifndef GW_WORKQ_H
#define GW_WORKQ_H

#include <stdbool.h>
#include <stddef.h>

struct workq;

struct workq *workq_new(size_t max);
bool	workq_push(struct workq *, void (*run)(void *), void (*done)(void *),
	    void *arg);
size_t	workq_free(struct workq *, unsigned drain_ms);

#endif

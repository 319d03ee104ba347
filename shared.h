/*
 * shared.h - autostart instances: one command started by the PMDA itself
 * (at start-up or reload), restarted by policy, feeding one queue that
 * every allowed client - pmlogger included - reads without storing, each
 * from its own cursor.
 */
#ifndef PIPE_SHARED_H
#define PIPE_SHARED_H

#include <stddef.h>
#include <sys/types.h>
#include <pcp/pmapi.h>
#include "evq.h"

/*
 * Bring the shared instances in line with the current configuration:
 * start new autostart instances, stop ones no longer configured as such.
 * maxmem bounds each shared queue (unless the instance sets queue).
 */
void shared_sync(size_t maxmem);
/* is instance id shared? */
int shared_is(int id);
/* make cursor a reader of id's stream (from what arrives next) */
int shared_attach(int id, struct evq_cursor *);
/* this fetch's records of id for the reader at cursor (fetch.h) */
int shared_fetch(int id, struct evq_cursor *, pmAtomValue *);
/* memory id's queue holds, and the pid of its command (-1: none) */
size_t shared_mem(int id);
pid_t shared_pid(int id);
/* stop everything (PMDA exit) */
void shared_stop_all(void);

#endif /* PIPE_SHARED_H */

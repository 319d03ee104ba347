/*
 * shared.h - autostart instances: one command started by the PMDA itself
 * (at start-up or reload), restarted by policy, feeding one queue that
 * every allowed client - pmlogger included - reads without storing.
 */
#ifndef PIPE_SHARED_H
#define PIPE_SHARED_H

#include "client.h"
#include "config.h"

/*
 * Bring the shared instances in line with the current configuration:
 * start new autostart instances, stop ones no longer configured as such.
 * maxmem bounds each shared queue.
 */
void shared_sync(size_t maxmem);
/* the shared queue's slot of instance id, or NULL if id is not shared */
struct slot *shared_slot(int id);
/* stop everything (PMDA exit) */
void shared_stop_all(void);

#endif /* PIPE_SHARED_H */

/*
 * sink.h - where a run's output goes: the interface a session writes to.
 * The owner of a queue (a client's reader, a shared instance) implements
 * it; a session knows nothing else about its owner.
 */
#ifndef PIPE_SINK_H
#define PIPE_SINK_H

#include <stddef.h>
#include <sys/time.h>
#include "budget.h"
#include "evq.h"

struct sink_ops {
    /* a line of output (EV_LINE, EV_STDERR): 0 queued, 1 dropped, -ENOMEM */
    int		(*line)(void *arg, enum evkind, const char *data, size_t len,
			const struct timeval *);
    /* must the run's output wait (overflow = block, queue full)? */
    int		(*blocked)(void *arg);
    /*
     * The run has ended (reason: why the PMDA ended it, or NULL): queue
     * its END record.  The session is gone for the owner after this.
     */
    void	(*end)(void *arg, int status, const char *reason);
    /*
     * Optional (NULL: every line goes to line): would line drop every
     * line now (a full queue that drops)?  While it says so, the session
     * may count lines instead and hand them to dropped (n lines, bytes
     * without their newlines), so that a flood nobody fetches costs a
     * count per read, not a call per line.
     */
    int		(*full)(void *arg);
    void	(*dropped)(void *arg, unsigned long n, unsigned long long bytes);
};

struct sink {
    const struct sink_ops	*ops;
    void			*arg;
    struct budget_acct		*acct;	/* whom a run's memory is charged to */
};

#endif /* PIPE_SINK_H */

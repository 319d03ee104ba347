/*
 * session.h - one run of a command: its process, pipes, line splitting
 * into a slot's queue, and teardown (TERM, grace, KILL, reap, drain, END).
 */
#ifndef PIPE_SESSION_H
#define PIPE_SESSION_H

#include <sys/types.h>
#include "config.h"
#include "params.h"

struct session;
struct sink;

/* per-instance counters exported as metrics */
struct inst_stats {
    unsigned long long	starts;
    unsigned long long	failures;
    unsigned int	running;
    unsigned long long	dropped;	/* lines dropped on full queues */
    unsigned long long	peak_memory;	/* memory.peak of the last run */
    unsigned long long	cpu_usec;	/* cpu.stat usage_usec, all runs */
    unsigned long long	lines;
    unsigned long long	bytes;
};

struct session_opts {
    long	grace_ms;	/* TERM to KILL */
    size_t	maxline;	/* longest line delivered whole */
};

void session_configure(const struct session_opts *, int ninst);
struct inst_stats *session_stats(int inst);

/*
 * Start cmd (instance inst) with the client's parameters p (text, as
 * stored, for the log), its output to sink.  Returns 0 with *run set, or
 * a PM_ERR_* / -errno the store should fail with (logged here).  A run
 * ends with sink's end(); its owner may stop it first with
 * session_detach.
 */
int session_start(struct sink *sink, const struct pipe_cmd *cmd, int inst,
		const struct params *p, const char *text, const char *who,
		struct session **run);
/* the owner's queue has room again (overflow = block): read on */
void session_resume(struct session *);
/* the owner is going away: forget the sink and stop the command */
void session_detach(struct session *);
/* the PMDA's 1 s tick: reap what no watch can (see session.c) */
void session_tick(void);
/* the process id of its command */
pid_t session_pid(const struct session *);
/* number of sessions alive (running or being torn down) */
int session_count(void);
/* stop everything; returns when all are reaped or deadline passes */
void session_shutdown(void);

#endif /* PIPE_SESSION_H */

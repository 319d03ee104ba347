/*
 * supervise.h - a run's supervisor: the small root process between the
 * PMDA and a command.
 *
 * launch.c forks it from the PMDA; it forks the command and then runs
 * supervise_run() until the whole run is gone.  It is the command's
 * parent and a child subreaper, so every process of the run stays its
 * descendant (a setsid or double-fork escapee is reparented to it, not
 * to init), and it keeps the command unreaped until the end, so the
 * command's process group id cannot be reused while it may signal it.
 * It runs as root outside the run's cgroup: the run's user cannot signal
 * it, and neither the run's cgroup.kill, pids limit nor OOM group kill
 * touches it.
 *
 * The PMDA talks to it over a SOCK_SEQPACKET socket: one command byte
 * (SUP_*) at a time to it; sup_msg records back.  When the socket shows
 * the PMDA gone (EOF, no SUP_END before it) it stops the run itself:
 * SIGTERM, the grace period, SIGKILL, then removes the run's cgroup.
 * It exits once the command and everything the command left are gone,
 * with the command's status (exit code, or 128+signal) as its own.
 *
 * After fork only async-signal-safe calls; no libpcp, no allocation.
 */
#ifndef PIPE_SUPERVISE_H
#define PIPE_SUPERVISE_H

#include <sys/types.h>

/* PMDA -> supervisor, one byte each */
#define SUP_TERM	'T'	/* SIGTERM to the run */
#define SUP_KILL	'K'	/* SIGKILL to the run, until it is gone */
#define SUP_END		'E'	/* the run is over: SIGKILL what is left, exit */

/* supervisor -> PMDA */
enum sup_msg_type {
    SUP_MSG_PID = 1,	/* value: the command's pid (once, at start) */
    SUP_MSG_EXIT,	/* value: its status; sent when it exited but left
			   processes behind (else the supervisor just exits
			   with that status) */
};

struct sup_msg {
    int		type;
    int		value;
};

struct supervise_plan {
    int		ctl;		/* its end of the socket to the PMDA */
    int		sigfd;		/* signalfd for SIGCHLD (blocked) */
    pid_t	cmd;		/* the command: its child, a process group
				   and session leader */
    long	grace_ms;	/* SIGTERM to SIGKILL when the PMDA is gone */
    const char	*cgroup;	/* the run's cgroup2 directory, or NULL */
};

/* never returns */
void supervise_run(const struct supervise_plan *) __attribute__((noreturn));

#endif /* PIPE_SUPERVISE_H */

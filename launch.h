/*
 * launch.h - fork/exec of a configured command as its configured user,
 * in its own session, with stdout/stderr on pipes, under a supervisor
 * (supervise.h) that is the PMDA's child and the command's parent.  The
 * only module that forks.
 */
#ifndef PIPE_LAUNCH_H
#define PIPE_LAUNCH_H

#include <errno.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "config.h"
#include "options.h"

#define LAUNCH_PATH	CONFIG_CMD_PATH

struct user_info;

/* how long a start waits for the child's exec (then it goes on regardless) */
#define EXEC_WAIT_MS	250

struct launch_req {
    char *const	*argv;		/* argv[0] is resolved against LAUNCH_PATH */
    const char	*user;		/* account to run as (looked up if no runas) */
    const char	*cgroup;	/* cgroup directory to join, or NULL */
    const char	*cgroup_v1;	/* name of the v1 groups to join too
				   (cgroup_v1.h), or NULL */
    const struct pipe_options *opts;	/* containment, NULL: none */
    unsigned int rlimit_fallback;	/* OPT_MEMORY|OPT_TASKS|OPT_CPU the
					   cgroup does not enforce; a run
					   whose tasks limit is left to
					   RLIMIT_NPROC gets a dynamic uid
					   (dynuid.h) unless it runs as root */
    const struct user_info *runas;	/* user, resolved (users.h), or NULL */
    long	grace_ms;	/* the supervisor's SIGTERM to SIGKILL when
				   the PMDA is gone */
};

struct launch_res {
    int		late;		/* still setting up after EXEC_WAIT_MS */
    pid_t	pid;		/* the command (not our child) */
    pid_t	sup;		/* its supervisor, our child */
    int		pidfd;		/* the supervisor's, O_CLOEXEC */
    int		ctlfd;		/* socket to the supervisor (supervise.h),
				   O_NONBLOCK | O_CLOEXEC */
    int		outfd;		/* read ends, O_NONBLOCK | O_CLOEXEC */
    int		errfd;
    int		reasonfd;	/* what it says on LAUNCH_REASON_FD */
    uid_t	dynuid;		/* the dynamic uid it runs as, or (uid_t)-1 */
};

/* child set-up steps, reported with a failure */
enum launch_step {
    STEP_NONE, STEP_SIGNALS, STEP_SETSID, STEP_PDEATHSIG, STEP_CGROUP,
    STEP_STDIO, STEP_FDS, STEP_GROUPS, STEP_GID, STEP_UID, STEP_CHDIR,
    STEP_NNP, STEP_EXEC, STEP_NICE, STEP_OOM, STEP_RLIMIT, STEP_UNSHARE,
    STEP_MOUNT, STEP_NETWORK, STEP_INIT, STEP_CAPS, STEP_SUPERVISOR,
    STEP_FORK, STEP_DYNUID,
};

/*
 * The command's fd 3 (and $PMDAPIPE_REASON_FD): a pipe where it may write
 * one line saying why it ended; the END record's pipe.endreason.
 */
#define LAUNCH_REASON_FD	3

/* launch_start's error when the run-as user does not exist (now) */
#define LAUNCH_NOUSER	(-ESRCH)

/*
 * Start the command.  Returns 0 with res filled in once the command has
 * exec'd; otherwise a negative errno (or PM_ERR_*) and, in step, where it
 * failed (STEP_NONE: before fork).  No child is left behind on failure.
 * The supervisor exits with the command's status once the command and
 * all it left are gone; reap it through res->pidfd.
 */
int launch_start(const struct launch_req *, struct launch_res *,
		enum launch_step *step);

const char *launch_step_name(enum launch_step);

/* resource limits commands start with (the PMDA raises its own) */
void launch_set_base_nofile(const struct rlimit *);

#endif /* PIPE_LAUNCH_H */

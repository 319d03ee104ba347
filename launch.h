/*
 * launch.h - fork/exec of a configured command as its configured user,
 * in its own session, with stdout/stderr on pipes.  The only module that
 * forks.
 */
#ifndef PIPE_LAUNCH_H
#define PIPE_LAUNCH_H

#include <errno.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "config.h"
#include "options.h"

#define LAUNCH_PATH	CONFIG_CMD_PATH

struct launch_req {
    char *const	*argv;		/* argv[0] is resolved against LAUNCH_PATH */
    const char	*user;		/* account to run as */
    const char	*cgroup;	/* cgroup directory to join, or NULL */
    const struct pipe_options *opts;	/* containment, NULL: none */
    unsigned int rlimit_fallback;	/* OPT_MEMORY|OPT_TASKS|OPT_CPU the
					   cgroup does not enforce */
};

struct launch_res {
    pid_t	pid;
    int		pidfd;		/* O_CLOEXEC */
    int		outfd;		/* read ends, O_NONBLOCK | O_CLOEXEC */
    int		errfd;
};

/* child set-up steps, reported with a failure */
enum launch_step {
    STEP_NONE, STEP_SIGNALS, STEP_SETSID, STEP_PDEATHSIG, STEP_CGROUP,
    STEP_STDIO, STEP_FDS, STEP_GROUPS, STEP_GID, STEP_UID, STEP_CHDIR,
    STEP_NNP, STEP_EXEC, STEP_NICE, STEP_OOM, STEP_RLIMIT, STEP_UNSHARE,
    STEP_MOUNT, STEP_NETWORK, STEP_INIT, STEP_CAPS,
};

/* launch_start's error when the run-as user does not exist (now) */
#define LAUNCH_NOUSER	(-ESRCH)

/*
 * Start the command.  Returns 0 with res filled in once the child has
 * exec'd; otherwise a negative errno (or PM_ERR_*) and, in step, where it
 * failed (STEP_NONE: before fork).  No child is left behind on failure.
 */
int launch_start(const struct launch_req *, struct launch_res *,
		enum launch_step *step);

const char *launch_step_name(enum launch_step);

/* resource limits commands start with (the PMDA raises its own) */
void launch_set_base_nofile(const struct rlimit *);

#endif /* PIPE_LAUNCH_H */

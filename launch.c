/*
 * launch.c - fork/exec of a configured command.
 *
 * Everything that can allocate or consult NSS (user, groups, PATH search,
 * environment) is resolved before fork; the child runs a flat list of
 * async-signal-safe steps and reports the first failure through a
 * close-on-exec status pipe, so the store that asked for the command
 * fails with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <pcp/pmapi.h>
#include "launch.h"

#define MAX_GROUPS	1024

struct child_plan {
    const char	*path;
    char *const	*argv;
    char	*envp[6];
    uid_t	uid;
    gid_t	gid;
    gid_t	groups[MAX_GROUPS];
    int		ngroups;
    const char	*home;
    char	procs[PATH_MAX];	/* cgroup.procs to join, or "" */
    pid_t	parent;
    int		devnull, out, err, status;
};

struct child_status {
    int		step;
    int		err;
};

static const char *step_names[] = {
    [STEP_NONE] = "prepare", [STEP_SIGNALS] = "reset signals",
    [STEP_SETSID] = "setsid", [STEP_PDEATHSIG] = "parent death signal",
    [STEP_CGROUP] = "join cgroup", [STEP_STDIO] = "set up stdio",
    [STEP_FDS] = "close fds", [STEP_GROUPS] = "setgroups",
    [STEP_GID] = "setresgid", [STEP_UID] = "setresuid",
    [STEP_CHDIR] = "chdir", [STEP_NNP] = "no_new_privs", [STEP_EXEC] = "exec",
};

const char *
launch_step_name(enum launch_step s)
{
    if ((unsigned)s < sizeof(step_names) / sizeof(step_names[0]))
	return step_names[s];
    return "unknown";
}

static void
child_fail(const struct child_plan *p, int step)
{
    struct child_status	cs = { step, errno };
    ssize_t		n;

    n = write(p->status, &cs, sizeof(cs));
    (void)n;
    _exit(127);
}

static void
write_all(int fd, const char *s)
{
    ssize_t	n = write(fd, s, strlen(s));
    (void)n;
}

/* runs in the child: async-signal-safe calls only */
static void __attribute__((noreturn))
child_run(const struct child_plan *p)
{
    sigset_t	all;
    int		sig, fd;

    sigemptyset(&all);
    for (sig = 1; sig < NSIG; sig++)
	signal(sig, SIG_DFL);
    if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
	child_fail(p, STEP_SIGNALS);
    if (setsid() < 0)
	child_fail(p, STEP_SETSID);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
	child_fail(p, STEP_PDEATHSIG);
    if (getppid() != p->parent) {
	errno = ESRCH;
	child_fail(p, STEP_PDEATHSIG);
    }
    if (p->procs[0] != '\0') {
	if ((fd = open(p->procs, O_WRONLY | O_CLOEXEC)) < 0)
	    child_fail(p, STEP_CGROUP);
	if (write(fd, "0", 1) != 1)
	    child_fail(p, STEP_CGROUP);
	close(fd);
    }
    if (dup2(p->devnull, 0) < 0 || dup2(p->out, 1) < 0 || dup2(p->err, 2) < 0)
	child_fail(p, STEP_STDIO);
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
	child_fail(p, STEP_FDS);
    if (setgroups(p->ngroups, p->groups) < 0)
	child_fail(p, STEP_GROUPS);
    if (setresgid(p->gid, p->gid, p->gid) < 0)
	child_fail(p, STEP_GID);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
	child_fail(p, STEP_UID);
    if (chdir(p->home) < 0 && chdir("/") < 0)
	child_fail(p, STEP_CHDIR);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
	child_fail(p, STEP_NNP);
    execve(p->path, p->argv, p->envp);
    child_fail(p, STEP_EXEC);
    write_all(2, "unreachable\n");
    _exit(127);
}

/* find argv0 on LAUNCH_PATH; returns malloc'd path or NULL with errno */
static char *
resolve_path(const char *argv0)
{
    char	*path, *dirs, *dir, *save = NULL;
    struct stat	sb;
    int		err = ENOENT;

    if (strchr(argv0, '/') != NULL) {
	if (stat(argv0, &sb) < 0)
	    return NULL;
	if (!S_ISREG(sb.st_mode)) {
	    errno = EACCES;
	    return NULL;
	}
	return strdup(argv0);
    }
    if ((dirs = strdup(LAUNCH_PATH)) == NULL)
	return NULL;
    for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
	if (asprintf(&path, "%s/%s", dir, argv0) < 0) {
	    free(dirs);
	    errno = ENOMEM;
	    return NULL;
	}
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (sb.st_mode & 0111) != 0) {
	    free(dirs);
	    return path;
	}
	free(path);
    }
    free(dirs);
    errno = err;
    return NULL;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
	close(*fd);
    *fd = -1;
}

int
launch_start(const struct launch_req *req, struct launch_res *res,
	enum launch_step *step)
{
    struct child_plan	*p;
    struct child_status	cs;
    struct passwd	pw, *pwp = NULL;
    char		pwbuf[4096], *path = NULL;
    char		env_home[PATH_MAX + 8], env_user[300];
    int			outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
    int			statp[2] = { -1, -1 }, devnull = -1;
    int			sts, status;
    ssize_t		n;
    pid_t		pid;

    *step = STEP_NONE;
    res->pid = -1;
    res->pidfd = res->outfd = res->errfd = -1;
    if ((p = calloc(1, sizeof(*p))) == NULL)
	return -ENOMEM;

    /* resolve everything before fork: no NSS or malloc in the child */
    sts = getpwnam_r(req->user, &pw, pwbuf, sizeof(pwbuf), &pwp);
    if (pwp == NULL) {
	sts = sts ? -sts : -ESRCH;	/* configured user vanished */
	goto fail;
    }
    p->uid = pw.pw_uid;
    p->gid = pw.pw_gid;
    p->home = pw.pw_dir && pw.pw_dir[0] ? pw.pw_dir : "/";
    p->ngroups = MAX_GROUPS;
    if (getgrouplist(pw.pw_name, pw.pw_gid, p->groups, &p->ngroups) < 0) {
	sts = -E2BIG;
	goto fail;
    }
    if ((path = resolve_path(req->argv[0])) == NULL) {
	sts = -errno;
	goto fail;
    }
    snprintf(env_home, sizeof(env_home), "HOME=%s", p->home);
    snprintf(env_user, sizeof(env_user), "USER=%s", pw.pw_name);
    p->envp[0] = "PATH=" LAUNCH_PATH;
    p->envp[1] = env_home;
    p->envp[2] = env_user;
    p->envp[3] = "LANG=C";
    p->envp[4] = NULL;
    p->path = path;
    p->argv = req->argv;
    if (req->cgroup)
	snprintf(p->procs, sizeof(p->procs), "%s/cgroup.procs", req->cgroup);
    p->parent = getpid();

    if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	pipe2(statp, O_CLOEXEC) < 0) {
	sts = -errno;
	goto fail;
    }
    p->devnull = devnull;
    p->out = outp[1];
    p->err = errp[1];
    p->status = statp[1];

    if ((pid = fork()) < 0) {
	sts = -errno;
	goto fail;
    }
    if (pid == 0)
	child_run(p);

    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&statp[1]);
    close_fd(&devnull);

    /* EOF: the child exec'd; a record: it failed at some step */
    do {
	n = read(statp[0], &cs, sizeof(cs));
    } while (n < 0 && errno == EINTR);
    close_fd(&statp[0]);
    if (n == sizeof(cs)) {
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	    ;
	*step = cs.step;
	sts = cs.err ? -cs.err : -EIO;
	goto fail;
    }
    if ((res->pidfd = pidfd_open(pid, 0)) < 0) {
	/* cannot happen for our own unreaped child; fail safe anyway */
	sts = -errno;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	    ;
	goto fail;
    }
    fcntl(res->pidfd, F_SETFD, FD_CLOEXEC);
    fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
    fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK);
    res->pid = pid;
    res->outfd = outp[0];
    res->errfd = errp[0];
    free(path);
    free(p);
    return 0;

fail:
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    close_fd(&statp[0]);
    close_fd(&statp[1]);
    close_fd(&devnull);
    free(path);
    free(p);
    return sts;
}

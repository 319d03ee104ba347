/*
 * launch.c - fork/exec of a configured command, under its supervisor.
 *
 * Everything that can allocate or consult NSS (user, groups, PATH search,
 * environment) is resolved before fork.  The PMDA forks the supervisor
 * (supervise.h): its own session, a child subreaper, only its own
 * descriptors; it forks the command and then supervises the run.  The
 * command runs a flat list of async-signal-safe steps and reports the
 * first failure through a close-on-exec status pipe, so the store that
 * asked for the command fails with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <pcp/pmapi.h>
#include "cgroup_v1.h"
#include "dynuid.h"
#include "launch.h"
#include "supervise.h"
#include "users.h"

#define MAX_GROUPS	1024
#define PIPE_XSTR(x)	#x
#define PIPE_STR(x)	PIPE_XSTR(x)

struct child_plan {
    const char	*path;
    char *const	*argv;
    char	*envp[7];
    uid_t	uid;
    gid_t	gid;
    gid_t	groups[MAX_GROUPS];
    int		ngroups;
    const char	*home;
    char	procs[PATH_MAX];	/* cgroup.procs to join, or "" */
    int		joined;			/* cloned into the cgroup already */
    char	v1procs[CGV1_N][PATH_MAX];	/* v1 cgroup.procs to join */
    int		nv1;
    pid_t	parent;
    int		devnull, out, err, status, reason;
    /* the supervisor's */
    int		ctl;			/* its end of the PMDA's socket */
    int		sigfd;			/* its signalfd, -1 until made */
    int		uid_lock;		/* dynamic uid held, or -1 */
    long	grace_ms;
    char	cgdir[PATH_MAX];	/* the cgroup2 directory, or "" */
    char	comm[16];		/* the PMDA's name, for the command */
    /* containment, all decided before fork */
    int		set_nice, nice;
    char	oom[16];		/* oom_score_adj text, or "" */
    int		nrl;
    struct { int res; struct rlimit rl; } rl[5];
    int		ns_flags;		/* clone() namespace flags (sandbox) */
    int		pidns;			/* sandbox: private pid namespace */
    int		mountns;
    int		netns_fd;		/* network = none: join this, or -1 */
    int		set_caps;
    uint64_t	caps;
    int		cap_last;
};

static struct rlimit	base_nofile = { RLIM_INFINITY, RLIM_INFINITY };
static int		have_base_nofile;

void
launch_set_base_nofile(const struct rlimit *rl)
{
    base_nofile = *rl;
    have_base_nofile = 1;
}

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
    [STEP_NICE] = "nice", [STEP_OOM] = "oom_score_adj",
    [STEP_RLIMIT] = "resource limits", [STEP_UNSHARE] = "namespaces",
    [STEP_MOUNT] = "private /proc", [STEP_NETWORK] = "loopback",
    [STEP_INIT] = "sandbox init", [STEP_CAPS] = "capabilities",
    [STEP_SUPERVISOR] = "supervisor", [STEP_FORK] = "start the command",
    [STEP_DYNUID] = "dynamic uid",
};

const char *
launch_step_name(enum launch_step s)
{
    if ((unsigned)s < sizeof(step_names) / sizeof(step_names[0]))
	return step_names[s];
    return "unknown";
}

/* the child's stderr is the run's (the client sees what is written there) */
static int	child_stdio_ready;

static void
child_say(const char *s)
{
    ssize_t	n = write(2, s, strlen(s));

    (void)n;
}

/*
 * A step failed: the reason to the status pipe, for the store that waits
 * for it, and, once stderr is the run's, as a line of it too: a store
 * that stopped waiting (EXEC_WAIT_MS) sees it as pipe.stderr and an END
 * record with status 127.
 */
static void
child_fail(const struct child_plan *p, int step)
{
    struct child_status	cs = { step, errno };
    const char		*why = strerrordesc_np(cs.err);
    ssize_t		n;

    if (child_stdio_ready) {
	child_say("pmdapipe: cannot start the command: ");
	child_say(launch_step_name(step));
	child_say(": ");
	child_say(why ? why : "unknown error");
	child_say("\n");
    }
    n = write(p->status, &cs, sizeof(cs));
    (void)n;
    _exit(127);
}

/*
 * pid 1 of a private pid namespace: reap everything, exit with the
 * command's status; our exit kills whatever is left in the namespace.
 */
static void __attribute__((noreturn))
sandbox_init(pid_t cmd)
{
    int		status;
    pid_t	pid;

    for (;;) {
	pid = waitpid(-1, &status, 0);
	if (pid < 0 && errno == EINTR)
	    continue;
	if (pid < 0)
	    _exit(127);
	if (pid != cmd)
	    continue;
	if (WIFEXITED(status))
	    _exit(WEXITSTATUS(status));
	_exit(128 + WTERMSIG(status));
    }
}

static int
loopback_up(void)
{
    struct ifreq	ifr;
    int			fd, sts = 0;

    if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
	return -1;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
	sts = -1;
    else {
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
	    sts = -1;
    }
    close(fd);
    return sts;
}

/* keep exactly p->caps: bounding, permitted, effective, inheritable, ambient */
static int
caps_prepare(const struct child_plan *p)
{
    int		cap;

    for (cap = 0; cap <= p->cap_last; cap++)
	if (!(p->caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0
	    && errno != EINVAL)
	    return -1;
    return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
}

static int
caps_apply(const struct child_plan *p)
{
    struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct	data[2];
    int					cap;

    memset(data, 0, sizeof(data));
    data[0].effective = data[0].permitted = data[0].inheritable =
	(uint32_t)p->caps;
    data[1].effective = data[1].permitted = data[1].inheritable =
	(uint32_t)(p->caps >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0)
	return -1;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
	return -1;
    for (cap = 0; cap <= p->cap_last; cap++)
	if ((p->caps & (1ULL << cap)) &&
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
	    return -1;
    return 0;
}

/* runs in the child: async-signal-safe calls only */
static void __attribute__((noreturn))
child_run(const struct child_plan *p)
{
    sigset_t	all;
    pid_t	pid;
    int		sig, fd, i;

    /* the supervisor's own (a sandbox's init never execs: it keeps the name) */
    prctl(PR_SET_NAME, p->comm, 0, 0, 0);
    close(p->ctl);
    close(p->sigfd);
    if (p->uid_lock >= 0)
	close(p->uid_lock);
    sigemptyset(&all);
    for (sig = 1; sig < NSIG; sig++)
	signal(sig, SIG_DFL);
    /* a status write after the PMDA stopped waiting must not kill us */
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
	child_fail(p, STEP_SIGNALS);
    if (setsid() < 0)
	child_fail(p, STEP_SETSID);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
	child_fail(p, STEP_PDEATHSIG);
    /* (in a new pid namespace our parent is outside it: getppid() is 0) */
    if (!p->pidns && getppid() != p->parent) {
	errno = ESRCH;
	child_fail(p, STEP_PDEATHSIG);
    }
    if (p->procs[0] != '\0' && !p->joined) {
	if ((fd = open(p->procs, O_WRONLY | O_CLOEXEC)) < 0)
	    child_fail(p, STEP_CGROUP);
	if (write(fd, "0", 1) != 1)
	    child_fail(p, STEP_CGROUP);
	close(fd);
    }
    /* the v1 hierarchies' groups: no fork nor allocation before this */
    for (i = 0; i < p->nv1; i++) {
	if ((fd = open(p->v1procs[i], O_WRONLY | O_CLOEXEC)) < 0)
	    child_fail(p, STEP_CGROUP);
	if (write(fd, "0", 1) != 1)
	    child_fail(p, STEP_CGROUP);
	close(fd);
    }
    if (dup2(p->devnull, 0) < 0 || dup2(p->out, 1) < 0 || dup2(p->err, 2) < 0)
	child_fail(p, STEP_STDIO);
    child_stdio_ready = 1;
    /* fd 3: where the command may say why it ended (PMDAPIPE_REASON_FD) */
    if (dup2(p->reason, LAUNCH_REASON_FD) < 0 ||
	close_range(LAUNCH_REASON_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ||
	fcntl(LAUNCH_REASON_FD, F_SETFD, 0) < 0)
	child_fail(p, STEP_FDS);
    if (p->set_nice && setpriority(PRIO_PROCESS, 0, p->nice) < 0)
	child_fail(p, STEP_NICE);
    if (p->oom[0] != '\0') {
	if ((fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC)) < 0)
	    child_fail(p, STEP_OOM);
	if (write(fd, p->oom, strlen(p->oom)) < 0)
	    child_fail(p, STEP_OOM);
	close(fd);
    }
    for (i = 0; i < p->nrl; i++)
	if (setrlimit(p->rl[i].res, &p->rl[i].rl) < 0)
	    child_fail(p, STEP_RLIMIT);

    if (p->netns_fd >= 0 && setns(p->netns_fd, CLONE_NEWNET) < 0)
	child_fail(p, STEP_NETWORK);
    if (p->pidns) {
	/*
	 * launch_start cloned us into new pid, mount, ipc and uts namespaces:
	 * we are pid 1.  Private mounts, a /proc for this pid namespace, then
	 * the command as our child while we reap.
	 */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
	    child_fail(p, STEP_MOUNT);
	if ((pid = fork()) < 0)
	    child_fail(p, STEP_INIT);
	if (pid > 0) {
	    close(p->status);
	    sandbox_init(pid);
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
	    child_fail(p, STEP_PDEATHSIG);
    }

    if (p->set_caps && caps_prepare(p) < 0)
	child_fail(p, STEP_CAPS);
    if (setgroups(p->ngroups, p->groups) < 0)
	child_fail(p, STEP_GROUPS);
    if (setresgid(p->gid, p->gid, p->gid) < 0)
	child_fail(p, STEP_GID);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
	child_fail(p, STEP_UID);
    if (p->set_caps && caps_apply(p) < 0)
	child_fail(p, STEP_CAPS);
    /* changing credentials cleared the parent-death signal: set it again */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
	child_fail(p, STEP_PDEATHSIG);
    if (!p->pidns && getppid() != p->parent) {
	errno = ESRCH;
	child_fail(p, STEP_PDEATHSIG);
    }
    if (chdir(p->home) < 0 && chdir("/") < 0)
	child_fail(p, STEP_CHDIR);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
	child_fail(p, STEP_NNP);
    signal(SIGPIPE, SIG_DFL);
    execve(p->path, p->argv, p->envp);
    signal(SIGPIPE, SIG_IGN);
    child_fail(p, STEP_EXEC);
    _exit(127);
}

/*
 * network = none: one network namespace with only loopback, made once and
 * joined by every such command (setns is far cheaper than creating a
 * namespace per start).  Returns its fd, or -1 with errno.
 */
static int	netns_none = -1;

static int
none_netns(void)
{
    char	path[64], c;
    int		sync[2], fd, status;
    pid_t	pid;

    if (netns_none >= 0)
	return netns_none;
    if (pipe2(sync, O_CLOEXEC) < 0)
	return -1;
    if ((pid = fork()) < 0) {
	close(sync[0]);
	close(sync[1]);
	return -1;
    }
    if (pid == 0) {
	close(sync[0]);
	c = (unshare(CLONE_NEWNET) == 0 && loopback_up() == 0) ? 'y' : 'n';
	if (write(sync[1], &c, 1) != 1)
	    _exit(1);
	/* stay until the parent has opened our namespace and kills us */
	for (;;)
	    pause();
    }
    close(sync[1]);
    fd = -1;
    if (read(sync[0], &c, 1) == 1 && c == 'y') {
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    close(sync[0]);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	;
    netns_none = fd;
    return fd;
}

static void
plan_rlimit(struct child_plan *p, int res, rlim_t v)
{
    p->rl[p->nrl].res = res;
    p->rl[p->nrl].rl.rlim_cur = v;
    p->rl[p->nrl].rl.rlim_max = v;
    p->nrl++;
}

/* translate options into the child's plan */
static void
plan_containment(struct child_plan *p, const struct launch_req *req)
{
    const struct pipe_options	*o = req->opts;
    FILE			*f;
    rlim_t			cpu;

    p->netns_fd = -1;
    if (have_base_nofile) {
	p->rl[p->nrl].res = RLIMIT_NOFILE;
	p->rl[p->nrl].rl = base_nofile;
	p->nrl++;
    }
    if (o == NULL)
	return;
    if (o->set & OPT_NICE) {
	p->set_nice = 1;
	p->nice = o->nice;
    }
    if (o->set & OPT_OOM)
	snprintf(p->oom, sizeof(p->oom), "%d", o->oom_score_adj);
    if ((o->set & OPT_MEMORY) && (req->rlimit_fallback & OPT_MEMORY))
	plan_rlimit(p, RLIMIT_AS, (rlim_t)o->memory);
    if ((o->set & OPT_TASKS) && (req->rlimit_fallback & OPT_TASKS))
	plan_rlimit(p, RLIMIT_NPROC, (rlim_t)o->tasks);
    if ((o->set & OPT_CPU) && (o->set & OPT_TIMEOUT) &&
	(req->rlimit_fallback & OPT_CPU)) {
	/* bandwidth over the whole allowed run, in CPU seconds */
	/* ceil(timeout x cpu%), in whole CPU seconds, at least 1 */
	cpu = (rlim_t)(((long long)o->timeout_ms * o->cpu_pct + 99999) / 100000);
	if (cpu < 1)
	    cpu = 1;
	plan_rlimit(p, RLIMIT_CPU, cpu);
    }
    if (o->sandbox == SANDBOX_PRIVATE) {
	p->ns_flags |= CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	p->pidns = p->mountns = 1;
    }
    if (o->network == NETWORK_NONE)
	p->netns_fd = none_netns();
    if (o->set & OPT_CAPS) {
	p->set_caps = 1;
	p->caps = o->caps;
	p->cap_last = 40;
	if ((f = fopen("/proc/sys/kernel/cap_last_cap", "re")) != NULL) {
	    if (fscanf(f, "%d", &p->cap_last) != 1 || p->cap_last > 63)
		p->cap_last = 40;
	    fclose(f);
	}
    }
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

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP	0x200000000ULL
#endif

/* struct clone_args of clone3(2), up to its cgroup field */
struct clone3_args {
    uint64_t	flags, pidfd, child_tid, parent_tid, exit_signal;
    uint64_t	stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/*
 * clone3(CLONE_INTO_CGROUP), with the sandbox's namespaces if any: the
 * child starts in the cgroup.  Returns as fork() does; -1 (p->joined
 * unset) with errno set when it fails: the caller forks the old way
 * unless the cgroup's limits refused the process (EAGAIN, ENOMEM).
 */
static pid_t
clone_into_cgroup(struct child_plan *p, const char *cgroup)
{
    struct clone3_args	args;
    pid_t		pid;
    int			fd, err;

    if ((fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
	errno = 0;		/* the old way will say what is wrong */
	return -1;
    }
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_INTO_CGROUP | (p->pidns ? (uint64_t)p->ns_flags : 0);
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)fd;
    p->joined = 1;		/* what the child sees */
    pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    err = errno;
    if (pid != 0)
	close(fd);		/* (the child's copy is close-on-exec) */
    if (pid < 0)
	p->joined = 0;
    errno = err;
    return pid;
}

/*
 * The descriptors the supervisor keeps (its socket, the command's
 * pipes, /dev/null, the shared network namespace, the uid lock): it
 * closes every other one the PMDA had, pmcd's pipes above all (pmcd must
 * see the PMDA's end when it dies) and other runs' sockets.
 */
static int
keep_only(const struct child_plan *p)
{
    int		keep[8], n = 0, i, j, t, from = 0;

    keep[n++] = p->ctl;
    keep[n++] = p->status;
    keep[n++] = p->out;
    keep[n++] = p->err;
    keep[n++] = p->reason;
    keep[n++] = p->devnull;
    if (p->netns_fd >= 0)
	keep[n++] = p->netns_fd;
    if (p->uid_lock >= 0)
	keep[n++] = p->uid_lock;
    for (i = 1; i < n; i++)
	for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
	    t = keep[j];
	    keep[j] = keep[j - 1];
	    keep[j - 1] = t;
	}
    for (i = 0; i < n; i++) {
	if (keep[i] < from)
	    continue;
	if (keep[i] > from && close_range(from, keep[i] - 1, 0) < 0)
	    return -1;
	from = keep[i] + 1;
    }
    return close_range(from, ~0U, 0);
}

/*
 * The supervisor, in the PMDA's fork: every signal blocked (SIGCHLD read
 * from a signalfd), its own session, a child subreaper, only its own
 * descriptors; then it starts the command (into its cgroup and
 * namespaces) and supervises the run (supervise.c).
 */
static void __attribute__((noreturn))
supervisor_run(struct child_plan *p)
{
    struct supervise_plan	sp;
    struct sup_msg		m;
    sigset_t			all, chld;
    pid_t			pid;
    int				sig;

    sigfillset(&all);
    if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
	child_fail(p, STEP_SUPERVISOR);
    for (sig = 1; sig < NSIG; sig++)
	signal(sig, SIG_DFL);	/* SIGCHLD above all: never ignored here */
    if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ||
	keep_only(p) < 0)
	child_fail(p, STEP_SUPERVISOR);
    if (prctl(PR_GET_NAME, p->comm, 0, 0, 0) < 0)
	strcpy(p->comm, "pmdapipe");
    prctl(PR_SET_NAME, "pmdapipe-super", 0, 0, 0);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if ((p->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
	child_fail(p, STEP_SUPERVISOR);
    p->parent = getpid();

    /*
     * A sandbox is cloned straight into its namespaces (no extra process),
     * and a command with a cgroup straight into the cgroup where the
     * kernel allows: joining through cgroup.procs afterwards waits for an
     * RCU grace period (~15 ms) that the store, and so pmcd, would wait
     * for too.  (A raw clone: no atfork handlers of the PMDA's libraries
     * run here.)
     */
    errno = 0;
    pid = p->cgdir[0] != '\0' ? clone_into_cgroup(p, p->cgdir) : -1;
    if (pid < 0 && (errno == EAGAIN || errno == ENOMEM))
	child_fail(p, STEP_FORK);  /* the cgroup's limits: joining later would evade them */
    if (pid < 0)
	pid = (pid_t)syscall(SYS_clone, SIGCHLD | (p->pidns ? p->ns_flags : 0),
			     NULL, NULL, NULL, NULL);
    if (pid < 0)
	child_fail(p, STEP_FORK);
    if (pid == 0)
	child_run(p);

    m.type = SUP_MSG_PID;
    m.value = (int)pid;
    if (send(p->ctl, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
	kill(pid, SIGKILL);	/* the PMDA cannot know the run: end it */
    /* the command's copies are its own now; EOF on status once it exec'd */
    close(p->status);
    close(p->out);
    close(p->err);
    close(p->reason);
    close(p->devnull);
    if (p->netns_fd >= 0)
	close(p->netns_fd);
    sp.ctl = p->ctl;
    sp.sigfd = p->sigfd;
    sp.cmd = pid;
    sp.grace_ms = p->grace_ms;
    sp.cgroup = p->cgdir[0] != '\0' ? p->cgdir : NULL;
    supervise_run(&sp);
}

/*
 * tasks left to RLIMIT_NPROC, counted per uid: a uid of the run's own,
 * so that no other run's processes count against its limit (not root:
 * RLIMIT_NPROC does not apply to root).  Returns the lock's fd, -1 when
 * no dynamic uid is wanted, or -errno.
 */
static int
plan_dynuid(struct child_plan *p, const struct launch_req *req)
{
    const struct pipe_options	*o = req->opts;
    int				fd;

    if (o == NULL || !(o->set & OPT_TASKS) ||
	!(req->rlimit_fallback & OPT_TASKS) || p->uid == 0)
	return -1;
    if (o->set & OPT_DYNUIDS)
	fd = dynuid_acquire(o->uid_lo, o->uid_hi, &p->uid);
    else
	fd = dynuid_acquire(DYNUID_LO, DYNUID_HI, &p->uid);
    if (fd >= 0)
	p->home = "/";
    return fd;
}

int
launch_start(const struct launch_req *req, struct launch_res *res,
	enum launch_step *step)
{
    struct child_plan	*p;
    struct child_status	cs;
    struct passwd	pw, *pwp = NULL;
    char		pwbuf[4096], *path = NULL;
    const char		*name;
    char		env_home[PATH_MAX + 8], env_user[300];
    int			outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
    int			statp[2] = { -1, -1 }, devnull = -1;
    int			reasonp[2] = { -1, -1 }, ctl[2] = { -1, -1 };
    int			uid_lock = -1;
    struct pollfd	pfd;
    int			sts, status;
    struct sup_msg	m;
    ssize_t		n;
    pid_t		pid;

    *step = STEP_NONE;
    res->late = 0;
    res->pid = res->sup = -1;
    res->pidfd = res->ctlfd = res->outfd = res->errfd = res->reasonfd = -1;
    res->dynuid = (uid_t)-1;
    if ((p = calloc(1, sizeof(*p))) == NULL)
	return -ENOMEM;

    /*
     * Everything is resolved before fork: no NSS or malloc in the child.
     * The PMDA resolves the user off its loop (users.c) and passes it;
     * tools that call us directly may ask NSS here.
     */
    if (req->runas != NULL) {
	p->uid = req->runas->uid;
	p->gid = req->runas->gid;
	p->home = req->runas->home ? req->runas->home : "/";
	name = req->runas->name;
	if (req->runas->ngids > MAX_GROUPS) {
	    sts = -E2BIG;
	    goto fail;
	}
	p->ngroups = req->runas->ngids;
	memcpy(p->groups, req->runas->gids, p->ngroups * sizeof(gid_t));
    } else {
	sts = getpwnam_r(req->user, &pw, pwbuf, sizeof(pwbuf), &pwp);
	if (pwp == NULL) {
	    /* an unknown user (yet: it may be created later) */
	    sts = sts && sts != ENOENT && sts != ESRCH ? -sts : LAUNCH_NOUSER;
	    goto fail;
	}
	p->uid = pw.pw_uid;
	p->gid = pw.pw_gid;
	p->home = pw.pw_dir && pw.pw_dir[0] ? pw.pw_dir : "/";
	name = pw.pw_name;
	p->ngroups = MAX_GROUPS;
	if (getgrouplist(pw.pw_name, pw.pw_gid, p->groups, &p->ngroups) < 0) {
	    sts = -E2BIG;
	    goto fail;
	}
    }
    if ((uid_lock = plan_dynuid(p, req)) < -1) {
	sts = uid_lock;
	uid_lock = -1;
	*step = STEP_DYNUID;
	goto fail;
    }
    if (uid_lock >= 0)
	res->dynuid = p->uid;
    if ((path = resolve_path(req->argv[0])) == NULL) {
	sts = -errno;
	goto fail;
    }
    snprintf(env_home, sizeof(env_home), "HOME=%s", p->home);
    snprintf(env_user, sizeof(env_user), "USER=%s", name);
    p->envp[0] = "PATH=" LAUNCH_PATH;
    p->envp[1] = env_home;
    p->envp[2] = env_user;
    p->envp[3] = "LANG=C";
    p->envp[4] = "PMDAPIPE_REASON_FD=" PIPE_STR(LAUNCH_REASON_FD);
    p->envp[5] = NULL;
    p->path = path;
    p->argv = req->argv;
    if (req->cgroup) {
	snprintf(p->procs, sizeof(p->procs), "%s/cgroup.procs", req->cgroup);
	snprintf(p->cgdir, sizeof(p->cgdir), "%s", req->cgroup);
    }
    if (req->cgroup_v1)
	p->nv1 = cgv1_procs(req->cgroup_v1, p->v1procs, CGV1_N);
    p->uid_lock = uid_lock;
    p->sigfd = -1;
    p->grace_ms = req->grace_ms;
    plan_containment(p, req);
    if (req->opts && req->opts->network == NETWORK_NONE && p->netns_fd < 0) {
	sts = -errno;
	*step = STEP_NETWORK;
	goto fail;
    }

    if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	pipe2(statp, O_CLOEXEC) < 0 || pipe2(reasonp, O_CLOEXEC) < 0 ||
	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
	sts = -errno;
	goto fail;
    }
    p->devnull = devnull;
    p->out = outp[1];
    p->err = errp[1];
    p->status = statp[1];
    p->reason = reasonp[1];
    p->ctl = ctl[1];

    if ((pid = fork()) < 0) {
	sts = -errno;
	goto fail;
    }
    if (pid == 0)
	supervisor_run(p);

    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&statp[1]);
    close_fd(&reasonp[1]);
    close_fd(&devnull);
    close_fd(&ctl[1]);
    close_fd(&uid_lock);	/* the supervisor holds it now */

    /*
     * EOF: the command exec'd; a record: it (or its supervisor) failed at
     * some step.  The wait is bounded: steps that can block (chdir to an
     * NFS home, exec from a slow filesystem) must not hold up the store,
     * and so every client, for long; a failure after that reaches the
     * client as a stderr line and an END record with status 127.
     */
    pfd.fd = statp[0];
    pfd.events = POLLIN;
    do {
	n = poll(&pfd, 1, EXEC_WAIT_MS);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
	do {
	    n = read(statp[0], &cs, sizeof(cs));
	} while (n < 0 && errno == EINTR);
    } else
	res->late = 1;	/* still setting up: it goes on, watched as a run */
    close_fd(&statp[0]);
    if (n == sizeof(cs)) {
	/* the supervisor exits as soon as the command has */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	    ;
	*step = cs.step;
	sts = cs.err ? -cs.err : -EIO;
	goto fail;
    }
    /*
     * Which pid the command has: sent before the supervisor closed status,
     * and right after its fork when the command is late (the supervisor
     * does nothing that can block before it).
     */
    pfd.fd = ctl[0];
    do {
	n = poll(&pfd, 1, EXEC_WAIT_MS);
    } while (n < 0 && errno == EINTR);
    do {
	n = recv(ctl[0], &m, sizeof(m), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof(m) || m.type != SUP_MSG_PID ||
	(res->pidfd = pidfd_open(pid, 0)) < 0) {
	/* cannot happen; fail safe anyway (the command dies with it) */
	sts = n != sizeof(m) ? -EIO : -errno;
	*step = STEP_SUPERVISOR;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	    ;
	goto fail;
    }
    fcntl(res->pidfd, F_SETFD, FD_CLOEXEC);
    fcntl(outp[0], F_SETFL, fcntl(outp[0], F_GETFL) | O_NONBLOCK);
    fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK);
    fcntl(ctl[0], F_SETFL, fcntl(ctl[0], F_GETFL) | O_NONBLOCK);
    res->pid = (pid_t)m.value;
    res->sup = pid;
    res->ctlfd = ctl[0];
    res->outfd = outp[0];
    res->errfd = errp[0];
    fcntl(reasonp[0], F_SETFL, fcntl(reasonp[0], F_GETFL) | O_NONBLOCK);
    res->reasonfd = reasonp[0];
    free(path);
    free(p);
    return 0;

fail:
    close_fd(&ctl[0]);
    close_fd(&ctl[1]);
    close_fd(&uid_lock);
    res->dynuid = (uid_t)-1;
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    close_fd(&statp[0]);
    close_fd(&statp[1]);
    close_fd(&reasonp[0]);
    close_fd(&reasonp[1]);
    close_fd(&devnull);
    free(path);
    free(p);
    return sts;
}

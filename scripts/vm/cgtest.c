/*
 * cgtest.c - cgroup v2 enforcement tests, run as root inside the check-vm
 * guest (a kernel with memory, pids and cpu controllers) through the
 * PMDA's own launch.c and cgroup.c.
 *
 *	cgtest [CGROUP2-ROOT]		run the tests (default /sys/fs/cgroup)
 *	cgtest alloc MB | fork N | spin MS | escape
 *					a workload, started by the tests as
 *					nobody through launch_start()
 *
 * Prints "PASS name: detail" or "FAIL name: detail" per check, then
 * "N passed, N failed"; exits 1 when anything failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../../cgroup.h"
#include "../../launch.h"
#include "../../options.h"
#include "../../supervise.h"

#define MB		(1ULL << 20)
#define ALL_LIMITS	(OPT_MEMORY | OPT_TASKS | OPT_CPU)
#define RUN_TIMEOUT_MS	60000	/* no workload may take longer */

static char	self[4096];	/* this binary, re-run for the workloads */
static int	npassed, nfailed;
static unsigned long serial;

static void
check(int ok, const char *name, const char *fmt, ...)
{
    va_list	ap;

    printf("%s %s: ", ok ? "PASS" : "FAIL", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (ok)
	npassed++;
    else
	nfailed++;
}

static double
now(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- workloads: run as nobody in a session cgroup ---- */

/* allocate and touch mb MiB; exit 0 if that worked */
static int
work_alloc(long mb)
{
    size_t	len = (size_t)mb * MB, i;
    char	*p;

    if ((p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
	perror("mmap");
	return 2;
    }
    for (i = 0; i < len; i += 4096)
	p[i] = 1;
    printf("touched %ld MiB\n", mb);
    return 0;
}

/* fork n children that wait; report how many forks worked and the errno */
static int
work_fork(long n)
{
    pid_t	pids[256];
    int		k, err = 0, status;

    if (n > 256)
	n = 256;
    for (k = 0; k < n; k++) {
	if ((pids[k] = fork()) < 0) {
	    err = errno;
	    break;
	}
	if (pids[k] == 0) {
	    pause();
	    _exit(0);
	}
    }
    printf("forked %d of %ld, errno %d (%s)\n", k, n, err,
	   err ? strerror(err) : "none");
    fflush(stdout);
    while (k-- > 0) {
	kill(pids[k], SIGKILL);
	while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
	    ;
    }
    return err == EAGAIN ? 0 : 1;
}

/* burn ms milliseconds of CPU time */
static int
work_spin(long ms)
{
    struct timespec	ts;
    volatile unsigned long spin;
    double		target = ms / 1000.0;

    for (;;) {
	for (spin = 0; spin < 100000; spin++)
	    ;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	if (ts.tv_sec + ts.tv_nsec / 1e9 >= target)
	    break;
    }
    printf("spun %ld ms\n", ms);
    return 0;
}

/*
 * leave a grandchild in a session of its own (out of reach of a process
 * group kill), print its pid, and exit
 */
static int
work_escape(void)
{
    pid_t	pid;
    int		fd;

    if ((pid = fork()) < 0)
	return 2;
    if (pid > 0) {
	printf("%d\n", (int)pid);
	return 0;
    }
    setsid();
    /* let the tests see EOF on the pipes: hold neither end */
    if ((fd = open("/dev/null", O_RDWR)) >= 0) {
	dup2(fd, 1);
	dup2(fd, 2);
    }
    for (;;)
	pause();
}

/* ---- the tests ---- */

struct run {
    int			status;		/* waitpid status, or -1 */
    pid_t		sup;		/* its supervisor, when still running
					   (the command left processes) */
    int			ctlfd;		/* the socket to it, then: closing
					   it would tell it the PMDA is gone */
    double		wall;		/* launch to exit, seconds */
    char		out[4096];	/* stdout, then stderr */
    unsigned long long	peak;		/* memory.peak */
    unsigned long long	usec;		/* cpu.stat usage_usec */
};

/* read both pipes until EOF on both; returns 0, or -ETIMEDOUT */
static int
drain(int outfd, int errfd, char *buf, size_t size, int timeout_ms)
{
    struct pollfd	pfd[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
    size_t		len = 0;
    double		end = now() + timeout_ms / 1000.0;
    ssize_t		n;
    char		scratch[4096];
    int			i, nopen = 2, left;

    buf[0] = '\0';
    while (nopen > 0) {
	left = (int)((end - now()) * 1000);
	if (left <= 0)
	    return -ETIMEDOUT;
	if (poll(pfd, 2, left) < 0 && errno != EINTR)
	    return -errno;
	for (i = 0; i < 2; i++) {
	    if (pfd[i].fd < 0 || pfd[i].revents == 0)
		continue;
	    n = read(pfd[i].fd, scratch, sizeof(scratch));
	    if (n < 0 && (errno == EAGAIN || errno == EINTR))
		continue;
	    if (n <= 0) {
		pfd[i].fd = -1;
		nopen--;
		continue;
	    }
	    if (len + n >= size)
		n = size - len - 1;
	    memcpy(buf + len, scratch, n);
	    len += n;
	    buf[len] = '\0';
	}
    }
    /* one line for the report */
    for (i = 0; buf[i]; i++)
	if (buf[i] == '\n')
	    buf[i] = buf[i + 1] ? ' ' : '\0';
    return 0;
}

/*
 * The command's status as a waitpid status: its supervisor's exit status
 * (128+N for signal N), or what it says when the command exited and left
 * processes (*sup is then the supervisor, still running, else 0).
 */
static int
wait_run(const struct launch_res *res, pid_t *sup)
{
    struct pollfd	pfd[2] = { { res->pidfd, POLLIN, 0 },
				   { res->ctlfd, POLLIN, 0 } };
    struct sup_msg	m;
    int			status = -1, code = -1;

    *sup = 0;
    while (code < 0 && poll(pfd, 2, RUN_TIMEOUT_MS) > 0) {
	if (pfd[1].revents) {
	    if (recv(res->ctlfd, &m, sizeof(m), MSG_DONTWAIT) == sizeof(m) &&
		m.type == SUP_MSG_EXIT) {
		code = m.value;
		*sup = res->sup;
		break;
	    }
	    pfd[1].fd = -1;
	}
	if (pfd[0].revents) {
	    while (waitpid(res->sup, &status, 0) < 0 && errno == EINTR)
		;
	    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
    }
    if (code < 0)
	return -1;
    return code > 128 ? code - 128 : code << 8;
}

/*
 * Run "self WORKLOAD ARG" as nobody in a new session cgroup with o's
 * limits, wait for it and read the cgroup's usage.  The cgroup is
 * released unless cgp is given, where it is handed back.  Returns 0 or
 * a negative errno (with the reason printed as a failure).
 */
static int
run(const char *name, const struct pipe_options *o, const char *work,
	const char *arg, struct run *r, char **cgp)
{
    char *const		argv[] = { self, (char *)work, (char *)arg, NULL };
    struct launch_req	req = { .argv = argv, .user = "nobody",
				  .opts = o, .grace_ms = 5000 };
    struct launch_res	res;
    enum launch_step	step;
    char		*cg;
    double		t0;
    int			sts;

    memset(r, 0, sizeof(*r));
    r->status = -1;
    if ((cg = cgroup_create(name, ++serial)) == NULL) {
	sts = -errno;
	check(0, name, "cgroup_create: %s", strerror(errno));
	return sts;
    }
    if (o && (sts = cgroup_write_limits(cg, o, cgroup_enforced())) < 0) {
	check(0, name, "cgroup_write_limits: %s", strerror(-sts));
	cgroup_release(cg);
	return sts;
    }
    req.cgroup = cg;
    /* the cgroup enforces everything: no rlimit stands in for it */
    req.rlimit_fallback = ALL_LIMITS & ~cgroup_enforced();
    t0 = now();
    if ((sts = launch_start(&req, &res, &step)) < 0) {
	check(0, name, "launch_start failed at %s: %s",
	      launch_step_name(step), strerror(-sts));
	cgroup_release(cg);
	return sts;
    }
    if ((sts = drain(res.outfd, res.errfd, r->out, sizeof(r->out),
		     RUN_TIMEOUT_MS)) < 0) {
	check(0, name, "no EOF from the workload: %s", strerror(-sts));
	cgroup_kill(cg);
    }
    r->status = wait_run(&res, &r->sup);
    r->wall = now() - t0;
    close(res.pidfd);
    r->ctlfd = -1;
    if (r->sup)
	r->ctlfd = res.ctlfd;
    else
	close(res.ctlfd);
    close(res.outfd);
    close(res.errfd);
    close(res.reasonfd);
    cgroup_read_usage(cg, &r->peak, &r->usec);
    if (cgp)
	*cgp = cg;
    else
	cgroup_release(cg);
    return sts;
}

/* a wait status as text; four calls may share one printf */
static const char *
status_str(int status)
{
    static char	buf[4][64];
    static int	next;
    char	*b = buf[next++ % 4];
    const char	*sig;

    if (status < 0)
	snprintf(b, sizeof(buf[0]), "not reaped");
    else if (WIFSIGNALED(status)) {
	sig = sigabbrev_np(WTERMSIG(status));
	snprintf(b, sizeof(buf[0]), "killed by SIG%s", sig ? sig : "?");
    } else
	snprintf(b, sizeof(buf[0]), "exit %d", WEXITSTATUS(status));
    return b;
}

/* first number in dir/file (after key, if given), or -1 */
static long long
read_value(const char *dir, const char *file, const char *key)
{
    char	path[4096], word[64];
    long long	v = -1, n;
    FILE	*f;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if ((f = fopen(path, "re")) == NULL)
	return -1;
    if (key == NULL) {
	if (fscanf(f, "%lld", &n) == 1)
	    v = n;
    } else {
	while (fscanf(f, "%63s %lld", word, &n) == 2)
	    if (strcmp(word, key) == 0) {
		v = n;
		break;
	    }
    }
    fclose(f);
    return v;
}

static void
test_tier(void)
{
    unsigned int	e = cgroup_enforced();

    check(cgroup_tier() == TIER_CGROUP_LIMITS, "tier", "%s",
	  cgroup_tier_name(cgroup_tier()));
    check(e == ALL_LIMITS, "controllers", "enforced:%s%s%s",
	  e & OPT_MEMORY ? " memory" : "", e & OPT_TASKS ? " pids" : "",
	  e & OPT_CPU ? " cpu" : "");
}

static void
test_memory(void)
{
    struct pipe_options	o = { .set = OPT_MEMORY, .memory = 64 * MB };
    struct run		r;
    char		*cg;
    long long		max, ooms;

    if (run("memory-over", &o, "alloc", "200", &r, &cg) == 0) {
	max = read_value(cg, "memory.max", NULL);
	ooms = read_value(cg, "memory.events", "oom_kill");
	cgroup_release(cg);
	check(max == (long long)(64 * MB), "memory.max", "%lld", max);
	check(r.status >= 0 && WIFSIGNALED(r.status) &&
	      WTERMSIG(r.status) == SIGKILL, "memory-over",
	      "200 MiB under memory = 64M: %s, oom_kill %lld, peak %.1f MiB",
	      status_str(r.status), ooms, r.peak / (double)MB);
	check(ooms >= 1 && r.peak <= 64 * MB, "memory-events",
	      "oom_kill %lld, peak %llu <= 64 MiB", ooms, r.peak);
    }
    if (run("memory-under", &o, "alloc", "16", &r, NULL) == 0)
	check(r.status == 0 && r.peak >= 16 * MB && r.peak <= 64 * MB,
	      "memory-under", "16 MiB under memory = 64M: %s, peak %.1f MiB "
	      "(\"%s\")", status_str(r.status), r.peak / (double)MB, r.out);
}

static void
test_tasks(void)
{
    struct pipe_options	o = { .set = OPT_TASKS, .tasks = 8 };
    struct run		r;
    char		*cg;
    long long		max, events;

    if (run("tasks", &o, "fork", "20", &r, &cg) < 0)
	return;
    max = read_value(cg, "pids.max", NULL);
    events = read_value(cg, "pids.events", "max");
    cgroup_release(cg);
    check(max == 8, "pids.max", "%lld", max);
    /* the workload is one of the 8: 7 forks work, the 8th gets EAGAIN */
    check(r.status == 0 && strstr(r.out, "forked 7 of 20") != NULL,
	  "tasks", "20 forks under tasks = 8: %s (\"%s\"), pids.events max %lld",
	  status_str(r.status), r.out, events);
}

static void
test_cpu(void)
{
    struct pipe_options	o = { .set = OPT_CPU, .cpu_pct = 20 };
    struct run		free_run, r;
    double		share;

    if (run("cpu-unset", NULL, "spin", "1000", &free_run, NULL) < 0 ||
	run("cpu-20", &o, "spin", "1000", &r, NULL) < 0)
	return;
    check(free_run.status == 0, "cpu-unset",
	  "1 s busy loop, cpu unset: %s, %.2f s wall, usage %.2f s",
	  status_str(free_run.status), free_run.wall, free_run.usec / 1e6);
    share = r.usec / 1e6 / r.wall;
    check(r.status == 0 && r.wall > 2.0 && r.wall > 2 * free_run.wall &&
	  share > 0.12 && share < 0.30, "cpu-20",
	  "1 s busy loop, cpu = 20%%: %s, %.2f s wall, usage %.2f s = %.0f%% "
	  "of wall", status_str(r.status), r.wall, r.usec / 1e6, share * 100);
}

/* is pid listed in cg/cgroup.procs? */
static int
in_cgroup(const char *cg, pid_t pid)
{
    char	path[4096];
    FILE	*f;
    int		p, found = 0;

    snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
    if ((f = fopen(path, "re")) == NULL)
	return 0;
    while (!found && fscanf(f, "%d", &p) == 1)
	found = p == (int)pid;
    fclose(f);
    return found;
}

/*
 * Wait for the escapee to die (pidfd: its pidfd, opened before the kill,
 * so that its supervisor cannot have reaped it first): it was reparented
 * to the run's supervisor (a child subreaper), which reaps it and then
 * exits; once reaped it is gone from the cgroup.  Returns the
 * supervisor's wait status, or -1 if the escapee outlived the timeout.
 */
static int
reap_escapee(int pidfd, pid_t sup, int timeout_ms)
{
    struct pollfd	pfd = { -1, POLLIN, 0 };
    int			status = -1, sts;

    if ((pfd.fd = pidfd) < 0)
	return -1;
    if (sup <= 0) {
	close(pidfd);
	return -1;
    }
    do {
	sts = poll(&pfd, 1, timeout_ms);
    } while (sts < 0 && errno == EINTR);
    if (sts <= 0)
	kill(sup, SIGKILL);	/* give up (the test fails) */
    while (waitpid(sup, &status, 0) < 0 && errno == EINTR)
	;
    close(pfd.fd);
    return sts <= 0 ? -1 : status;
}

static void
test_escapee(int use_release)
{
    const char	*name = use_release ? "escapee-release" : "escapee-kill";
    struct run	r;
    char	*cg, dir[4096];
    pid_t	pid;
    int		alive, member, status, pending, pidfd;

    if (run(name, NULL, "escape", NULL, &r, &cg) < 0)
	return;
    snprintf(dir, sizeof(dir), "%s", cg);
    pid = (pid_t)atoi(r.out);
    alive = pid > 0 && kill(pid, 0) == 0;
    member = pid > 0 && in_cgroup(cg, pid);
    if (pid <= 0 || !alive || !member) {
	check(0, name, "no escapee to kill (\"%s\", alive %d, in cgroup %d)",
	      r.out, alive, member);
	cgroup_release(cg);
	return;
    }
    pidfd = pidfd_open(pid, 0);
    if (use_release) {
	/* kill, rmdir (EBUSY while it dies: queued), reap, retry */
	cgroup_release(cg);
	status = reap_escapee(pidfd, r.sup, 10000);
	pending = cgroup_retry();
    } else {
	cgroup_kill(cg);
	status = reap_escapee(pidfd, r.sup, 10000);
	cgroup_release(cg);
	pending = cgroup_retry();
    }
    close(r.ctlfd);
    /* the supervisor exits with the command's status once the escapee is gone */
    check(status >= 0 && r.status == 0 && WIFEXITED(status) &&
	  WEXITSTATUS(status) == 0 &&
	  pending == 0 && access(dir, F_OK) < 0 && errno == ENOENT, name,
	  "setsid escapee %d (its parent: %s) after %s: gone, supervisor %s; "
	  "cgroup %s, %d pending", (int)pid, status_str(r.status),
	  use_release ? "cgroup_release" : "cgroup_kill",
	  status_str(status), access(dir, F_OK) < 0 ? "removed" : "still there",
	  pending);
}

/*
 * The PMDA goes away (its end of the socket closes) while a busy command
 * runs under pids.max 1 (the command alone: its supervisor is not in the
 * cgroup): the supervisor ends the run and removes its cgroup itself.
 */
static void
test_pmda_gone(void)
{
    char *const		argv[] = { self, "spin", "100000", NULL };
    struct pipe_options	o = { 0 };
    struct launch_req	req = { .argv = argv, .user = "nobody",
				  .opts = &o, .grace_ms = 500 };
    struct launch_res	res;
    struct pollfd	pfd = { -1, POLLIN, 0 };
    enum launch_step	step;
    char		*cg, dir[4096];
    double		t0;
    int			sts, status = -1, gone, removed = 0, i;

    o.set = OPT_TASKS;
    o.tasks = 1;
    if ((cg = cgroup_create("pmda-gone", ++serial)) == NULL ||
	cgroup_write_limits(cg, &o, cgroup_enforced()) < 0) {
	check(0, "pmda-gone", "no cgroup: %s", strerror(errno));
	cgroup_release(cg);
	return;
    }
    snprintf(dir, sizeof(dir), "%s", cg);
    req.cgroup = cg;
    req.rlimit_fallback = ALL_LIMITS & ~cgroup_enforced();
    if ((sts = launch_start(&req, &res, &step)) < 0) {
	check(0, "pmda-gone", "launch_start failed at %s: %s",
	      launch_step_name(step), strerror(-sts));
	cgroup_release(cg);
	return;
    }
    pfd.fd = pidfd_open(res.pid, 0);
    t0 = now();
    close(res.ctlfd);
    gone = pfd.fd >= 0 && poll(&pfd, 1, 5000) == 1;
    while (waitpid(res.sup, &status, 0) < 0 && errno == EINTR)
	;
    for (i = 0; i < 200 && !(removed = access(dir, F_OK) < 0); i++)
	usleep(10000);
    check(gone && WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM &&
	  removed, "pmda-gone", "busy command under pids.max 1, the PMDA gone: "
	  "%s after %.2f s, supervisor %s, cgroup %s", gone ? "ended" : "still running",
	  now() - t0, status_str(status), removed ? "removed" : "still there");
    close(pfd.fd);
    close(res.pidfd);
    close(res.outfd);
    close(res.errfd);
    cgroup_release(cg);
}

int
main(int argc, char **argv)
{
    const char	*root = "/sys/fs/cgroup";
    ssize_t	n;
    int		sts;

    if (argc >= 2 && strcmp(argv[1], "alloc") == 0 && argc == 3)
	return work_alloc(atol(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "fork") == 0 && argc == 3)
	return work_fork(atol(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "spin") == 0 && argc == 3)
	return work_spin(atol(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "escape") == 0)
	return work_escape();
    if (argc > 2) {
	fprintf(stderr, "usage: %s [cgroup2-root]\n", argv[0]);
	return 2;
    }
    if (argc == 2)
	root = argv[1];

    if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0) {
	perror("readlink /proc/self/exe");
	return 1;
    }
    self[n] = '\0';

    sts = cgroup_setup(root);
    check(sts >= 0, "setup", "cgroup_setup(\"%s\"): %s, base %s", root,
	  sts >= 0 ? "ok" : strerror(-sts),
	  cgroup_base() ? cgroup_base() : "none");
    if (sts >= 0) {
	test_tier();
	test_memory();
	test_tasks();
	test_cpu();
	test_escapee(0);
	test_escapee(1);
	test_pmda_gone();
    }
    printf("%d passed, %d failed\n", npassed, nfailed);
    return nfailed ? 1 : 0;
}

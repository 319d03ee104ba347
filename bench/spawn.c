/*
 * spawn.c - cost of starting a command: plain fork+exec+wait against the
 * PMDA's launch path (launch.c: the run's supervisor, then the command)
 * without and with containment.
 *
 *	build/spawn [N]		(run as root; prints a table)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../cgroup.h"
#include "../launch.h"
#include "../options.h"

static double
now_us(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char *const	argv_true[] = { "/bin/true", NULL };

static double
plain(int n)
{
    double	t0 = now_us();
    pid_t	pid;
    int		i, status;

    for (i = 0; i < n; i++) {
	if ((pid = fork()) == 0) {
	    execv(argv_true[0], argv_true);
	    _exit(127);
	}
	waitpid(pid, &status, 0);
    }
    return (now_us() - t0) / n;
}

static double
launched(int n, const struct pipe_options *o, int use_cgroup)
{
    struct launch_req	req = { .argv = argv_true, .user = "nobody",
				  .opts = o, .grace_ms = 5000 };
    struct launch_res	res;
    enum launch_step	step;
    double		t0 = now_us();
    char		*cg;
    int			i, sts, status;

    req.rlimit_fallback = (OPT_MEMORY | OPT_TASKS | OPT_CPU) & ~cgroup_enforced();
    for (i = 0; i < n; i++) {
	cg = use_cgroup ? cgroup_create("bench", (unsigned long)i) : NULL;
	req.cgroup = cg;
	if (cg && o)
	    cgroup_write_limits(cg, o, cgroup_enforced());
	if ((sts = launch_start(&req, &res, &step)) < 0) {
	    fprintf(stderr, "launch failed at %s: %s\n",
		    launch_step_name(step), strerror(-sts));
	    exit(1);
	}
	waitpid(res.sup, &status, 0);	/* exits with the command */
	close(res.pidfd);
	close(res.ctlfd);
	close(res.outfd);
	close(res.errfd);
	close(res.reasonfd);
	cgroup_release(cg);
    }
    return (now_us() - t0) / n;
}

int
main(int argc, char **argv)
{
    struct pipe_options	full = { 0 }, limits = { 0 };
    int			n = argc > 1 ? atoi(argv[1]) : 500;
    double		base, t;

    if (n <= 0)
	n = 500;
    cgroup_setup("auto");
    limits.set = OPT_MEMORY | OPT_TASKS | OPT_NICE | OPT_OOM | OPT_CAPS;
    limits.memory = 256 << 20;
    limits.tasks = 64;
    limits.nice = 5;
    limits.oom_score_adj = 500;
    limits.caps = 1ULL << 38;		/* cap_perfmon */
    full = limits;
    full.set |= OPT_SANDBOX | OPT_NETWORK;
    full.sandbox = SANDBOX_PRIVATE;
    full.network = NETWORK_NONE;

    printf("containment tier: %s; %d runs of /bin/true each\n",
	   cgroup_tier_name(cgroup_tier()), n);
    printf("%-44s %10s %8s\n", "path", "us/start", "ratio");
    base = plain(n);
    printf("%-44s %10.1f %8.2f\n", "fork+exec+wait (floor)", base, 1.0);
    t = launched(n, NULL, 0);
    printf("%-44s %10.1f %8.2f\n", "launch: user, session, no cgroup", t, t / base);
    t = launched(n, NULL, 1);
    printf("%-44s %10.1f %8.2f\n", "launch: + cgroup", t, t / base);
    t = launched(n, &limits, 1);
    printf("%-44s %10.1f %8.2f\n", "launch: + caps, limits, nice, oom", t, t / base);
    full.network = NETWORK_HOST;
    t = launched(n, &full, 1);
    printf("%-44s %10.1f %8.2f\n", "launch: + sandbox private", t, t / base);
    full.network = NETWORK_NONE;
    full.sandbox = SANDBOX_NONE;
    t = launched(n, &full, 1);
    printf("%-44s %10.1f %8.2f\n", "launch: + network none", t, t / base);
    full.sandbox = SANDBOX_PRIVATE;
    t = launched(n, &full, 1);
    printf("%-44s %10.1f %8.2f\n", "launch: + sandbox private, network none", t, t / base);
    return 0;
}

/*
 * test_supervise.c - cmocka tests of a run's supervisor (supervise.c)
 * through launch_start(), as root, without cgroups: this test process
 * stands for the PMDA.  Its "death" is closing its end of the socket.
 * Processes are watched through pidfds taken while they are known alive,
 * so a reused pid can never pass for one of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../../launch.h"
#include "../../supervise.h"

#define GRACE_MS	300

static double
now_ms(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
start(const char *script, const char *user, struct launch_res *res)
{
    char *const		argv[] = { "/bin/sh", "-c", (char *)script, NULL };
    struct launch_req	req = { .argv = argv, .user = user,
				  .grace_ms = GRACE_MS };
    enum launch_step	step;

    return launch_start(&req, res, &step);
}

/* the first n numbers the command prints, one per line */
static void
read_pids(int fd, pid_t *pids, int n)
{
    struct pollfd	pfd = { fd, POLLIN, 0 };
    char		buf[256];
    size_t		len = 0;
    ssize_t		r;
    int			got = 0, i;
    char		*p;

    while (got < n) {
	assert_true(poll(&pfd, 1, 5000) == 1);
	r = read(fd, buf + len, sizeof(buf) - 1 - len);
	if (r < 0 && errno == EAGAIN)
	    continue;
	assert_true(r > 0);
	len += r;
	buf[len] = '\0';
	for (got = 0, p = buf; (p = strchr(p, '\n')) != NULL; p++)
	    got++;
    }
    for (i = 0, p = buf; i < n; i++, p = strchr(p, '\n') + 1)
	pids[i] = (pid_t)atoi(p);
}

/* a pidfd of a process known to be alive */
static int
watch(pid_t pid)
{
    int		fd = pidfd_open(pid, 0);

    assert_true(fd >= 0);
    assert_int_equal(pidfd_send_signal(fd, 0, NULL, 0), 0);
    return fd;
}

/* poll until the pidfd's process is gone (it is readable at exit) */
static int
gone_within(int pidfd, int ms)
{
    struct pollfd	pfd = { pidfd, POLLIN, 0 };

    return poll(&pfd, 1, ms) == 1;
}

/* reap the supervisor within ms; its exit status, or -1 */
static int
reap_within(pid_t pid, int ms)
{
    double	end = now_ms() + ms;
    int		status;

    while (now_ms() < end) {
	if (waitpid(pid, &status, WNOHANG) == pid)
	    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	usleep(10000);
    }
    return -1;
}

static void
done(struct launch_res *res)
{
    close(res->pidfd);
    if (res->ctlfd >= 0)
	close(res->ctlfd);
    close(res->outfd);
    close(res->errfd);
}

static void
need_root(void)
{
    if (geteuid() != 0)
	skip();
}

/*
 * The PMDA is gone (its end of the socket closes): the supervisor sends
 * SIGTERM to the whole run, SIGKILL after the grace period, and exits.
 * A forked grandchild, a setsid escapee and a grandchild ignoring
 * SIGTERM go too, the last no earlier than the grace period.
 */
static void
test_pmda_gone(void **state)
{
    struct launch_res	res;
    pid_t		pids[3];
    int			fd[4], i;
    double		t0, t_stubborn;

    (void)state;
    need_root();
    assert_int_equal(start("sleep 1001 & echo $!; setsid sleep 1002 & echo $!; "
			   "sh -c 'trap \"\" TERM; echo $$; exec sleep 1003'",
			   "nobody", &res), 0);
    read_pids(res.outfd, pids, 3);
    for (i = 0; i < 3; i++)
	fd[i] = watch(pids[i]);
    fd[3] = watch(res.pid);
    t0 = now_ms();
    close(res.ctlfd);
    res.ctlfd = -1;
    assert_true(gone_within(fd[2], GRACE_MS + 1000));
    t_stubborn = now_ms() - t0;
    for (i = 0; i < 4; i++)
	assert_true(gone_within(fd[i], 1000));
    assert_true(t_stubborn >= GRACE_MS - 10);
    assert_int_equal(reap_within(res.sup, 1000), 128 + SIGTERM);
    for (i = 0; i < 4; i++)
	close(fd[i]);
    done(&res);
}

/*
 * SUP_TERM reaches the command's process group; the command exits but
 * leaves a SIGTERM-ignoring child: the supervisor says so (SUP_MSG_EXIT
 * with the status) and stays, that child now its own (subreaper), until
 * SUP_END; then it exits with the command's status.
 */
static void
test_leftover_reported(void **state)
{
    struct launch_res	res;
    struct pollfd	pfd;
    struct sup_msg	m;
    char		c = SUP_TERM, path[64], stat[512], *p;
    pid_t		pid;
    int			fd, ppid = -1;
    FILE		*f;

    (void)state;
    need_root();
    assert_int_equal(start("trap 'exit 3' TERM; "
			   "sh -c 'trap \"\" TERM; echo $$; exec sleep 1004' & wait",
			   "nobody", &res), 0);
    read_pids(res.outfd, &pid, 1);
    fd = watch(pid);
    assert_int_equal(send(res.ctlfd, &c, 1, 0), 1);
    pfd.fd = res.ctlfd;
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_int_equal(recv(res.ctlfd, &m, sizeof(m), 0), sizeof(m));
    assert_int_equal(m.type, SUP_MSG_EXIT);
    assert_int_equal(m.value, 3);
    assert_false(gone_within(fd, 100));
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(stat, sizeof(stat), f));
    fclose(f);
    assert_non_null(p = strrchr(stat, ')'));
    assert_int_equal(sscanf(p + 2, "%*c %d", &ppid), 1);
    assert_int_equal(ppid, res.sup);
    c = SUP_END;
    assert_int_equal(send(res.ctlfd, &c, 1, 0), 1);
    assert_true(gone_within(fd, 2000));
    assert_int_equal(reap_within(res.sup, 2000), 3);
    close(fd);
    done(&res);
}

/* the run's user cannot signal its supervisor (root) */
static void
test_user_cannot_kill(void **state)
{
    struct launch_res	res;
    char		buf[64];
    ssize_t		n;
    struct pollfd	pfd;

    (void)state;
    need_root();
    assert_int_equal(start("kill -KILL $PPID 2>/dev/null; echo \"kill $?\"; "
			   "kill -STOP $PPID 2>/dev/null; echo \"stop $?\"",
			   "nobody", &res), 0);
    assert_int_equal(reap_within(res.sup, 5000), 0);
    pfd.fd = res.outfd;
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 1000), 1);
    n = read(res.outfd, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "kill 1\nstop 1\n");
    done(&res);
}

/* a failure before exec: the error, and no process left */
static void
test_exec_fails(void **state)
{
    char *const		argv[] = { "/etc/passwd", NULL };
    struct launch_req	req = { .argv = argv, .user = "nobody",
				  .grace_ms = GRACE_MS };
    struct launch_res	res;
    enum launch_step	step;

    (void)state;
    need_root();
    assert_int_equal(launch_start(&req, &res, &step), -EACCES);
    assert_int_equal(step, STEP_EXEC);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pmda_gone),
	cmocka_unit_test(test_leftover_reported),
	cmocka_unit_test(test_user_cannot_kill),
	cmocka_unit_test(test_exec_fails),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

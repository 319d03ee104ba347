/*
 * test_session.c - cmocka unit tests for session.c through its
 * interfaces: a fake launch (a real child process the test scripts), a
 * fake loop (fakeloop.h), no cgroups, and a recording sink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "../../budget.h"
#include "../../cgroup.h"
#include "../../launch.h"
#include "../../params.h"
#include "../../session.h"
#include "../../sink.h"
#include "../../timeutil.h"
#include "../../users.h"
#include "fakeloop.h"
#include "userwarm.h"

/*
 * ---- fake launch: a child running child_fn ----
 * It stands for the supervisor too (no socket to it): its exit status is
 * the run's, and signals reach it through its pidfd.
 */

static void	(*child_fn)(void);
static int	launch_fails;		/* launch_start returns this when set */
static pid_t	last_pid;

int
launch_start(const struct launch_req *req, struct launch_res *res,
	enum launch_step *step)
{
    int		out[2], err[2];
    pid_t	pid;

    (void)req;
    *step = STEP_NONE;
    res->late = 0;
    if (launch_fails)
	return launch_fails;
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
	return -errno;
    if ((pid = fork()) < 0)
	return -errno;
    if (pid == 0) {
	setpgid(0, 0);
	dup2(out[1], 1);
	dup2(err[1], 2);
	child_fn();
	_exit(0);
    }
    close(out[1]);
    close(err[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    res->pid = res->sup = last_pid = pid;
    res->pidfd = pidfd_open(pid, 0);
    res->ctlfd = -1;
    res->dynuid = (uid_t)-1;
    res->outfd = out[0];
    res->errfd = err[0];
    return 0;
}

const char *
launch_step_name(enum launch_step s)
{
    (void)s;
    return "fake";
}

/* ---- no cgroups ---- */

char *cgroup_create(const char *i, unsigned long s) { (void)i; (void)s; return NULL; }
unsigned int cgroup_enforced(void) { return 0; }
int cgroup_write_limits(const char *d, const struct pipe_options *o, unsigned int m)
{ (void)d; (void)o; (void)m; return 0; }
int cgroup_read_usage(const char *d, unsigned long long *p, unsigned long long *u)
{ (void)d; (void)p; (void)u; return -ENOENT; }
void cgroup_release(char *path) { free(path); }
int cgroup_signal(const char *p, int sig) { (void)p; (void)sig; return 0; }
int cgroup_kill(const char *p) { (void)p; return 0; }
int cgroup_retry(void) { return 0; }
const char *cgroup_v2_dir(const char *cg) { return cg; }
const char *cgroup_v1_name(const char *cg) { (void)cg; return NULL; }
long cgroup_oom_kills(const char *d) { (void)d; return 0; }

/* ---- a recording sink ---- */

struct rec {
    char	lines[64][64];
    int		kinds[64];
    int		nlines, dropped;
    int		ended, status;
    char	reason[64];
    int		blocked;	/* what blocked() answers */
    int		capacity;	/* lines it takes; more are dropped */
    size_t	bytes;		/* of the lines taken */
    int		ncontinued;	/* pieces of lines cut short */
    struct budget_acct *acct;	/* the sink's budget account */
};

static int
rec_line(void *arg, enum evkind kind, const char *data, size_t len,
	const struct timeval *tv)
{
    struct rec	*r = arg;

    (void)tv;
    if (r->nlines >= r->capacity || r->nlines >= 64) {
	r->dropped++;
	return 1;
    }
    snprintf(r->lines[r->nlines], sizeof(r->lines[0]), "%.*s", (int)len, data);
    r->kinds[r->nlines++] = kind;
    r->bytes += len;
    return 0;
}

static int
rec_blocked(void *arg)
{
    return ((struct rec *)arg)->blocked;
}

static void
rec_end(void *arg, int status, const char *reason)
{
    struct rec	*r = arg;

    r->ended++;
    r->status = status;
    snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
}

static const struct sink_ops rec_ops = { rec_line, rec_blocked, rec_end, NULL, NULL };

/* ---- helpers ---- */

static struct pipe_cmd	cmd;
static struct params	noparams;

static int
setup(void **state)
{
    struct session_opts	o = { 200, 4096 };

    (void)state;
    memset(&cmd, 0, sizeof(cmd));
    cmd.name = "t";
    cmd.user = "nobody";
    cmd.command = "fake";
    cmd.file = "test";
    launch_fails = 0;
    fake_fail_add = 0;
    fake_fail_timers = 0;
    session_configure(&o, 4);
    return 0;
}

/* pump the fake loop until cond or ms pass */
#define RUN_UNTIL(cond, ms) do { \
	struct timespec _t0 = mono_now(); \
	while (!(cond) && ms_since(&_t0) < (ms)) { \
	    fake_loop_run(20); \
	    session_tick(); \
	} \
    } while (0)

static int
start(struct rec *r, struct sink *sink, struct session **run)
{
    sink->ops = &rec_ops;
    sink->arg = r;
    sink->acct = r->acct;
    if (r->capacity == 0)
	r->capacity = 64;
    return session_start(sink, &cmd, 0, &noparams, "", "test", run);
}

static int
pid_gone(pid_t pid)
{
    return kill(pid, 0) < 0 && errno == ESRCH;
}

/* ---- tests ---- */

static void child_lines(void) { printf("one\ntwo\n"); fflush(stdout);
    fprintf(stderr, "oops\n"); printf("three"); fflush(stdout); _exit(3); }

/* every line, stdout and stderr, then one END with the exit status */
static void
test_lines_and_end(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;
    int			i, nout = 0;

    (void)state;
    child_fn = child_lines;
    assert_int_equal(start(&r, &sink, &run), 0);
    assert_non_null(run);
    assert_int_equal(session_count(), 1);
    RUN_UNTIL(r.ended, 5000);
    assert_int_equal(r.ended, 1);
    assert_int_equal(r.status, 3);
    assert_string_equal(r.reason, "");
    assert_int_equal(r.nlines, 4);
    for (i = 0; i < r.nlines; i++)
	if (r.kinds[i] == EV_LINE) {
	    assert_string_equal(r.lines[i], nout == 0 ? "one" :
				nout == 1 ? "two" : "three");
	    nout++;
	} else
	    assert_string_equal(r.lines[i], "oops");
    assert_int_equal(nout, 3);
    RUN_UNTIL(session_count() == 0, 1000);
    assert_int_equal(session_count(), 0);
    assert_int_equal(session_stats(0)->running, 0);
}

static void child_nul(void) { ssize_t n = write(1, "a\0b\n", 4); (void)n; _exit(0); }

/* PCP strings end at a NUL: it arrives as the two characters \0 */
static void
test_nul_bytes(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;

    (void)state;
    child_fn = child_nul;
    assert_int_equal(start(&r, &sink, &run), 0);
    RUN_UNTIL(r.ended, 5000);
    assert_int_equal(r.nlines, 1);
    assert_string_equal(r.lines[0], "a\\0b");
}

static void child_hang(void) { signal(SIGTERM, SIG_IGN); for (;;) pause(); }

/* detached: SIGTERM, SIGKILL after the grace period, reaped; no END */
static void
test_detach_kills(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;
    pid_t		pid;

    (void)state;
    child_fn = child_hang;
    assert_int_equal(start(&r, &sink, &run), 0);
    pid = last_pid;
    fake_loop_run(50);
    session_detach(run);
    RUN_UNTIL(session_count() == 0, 5000);
    assert_int_equal(session_count(), 0);
    assert_true(pid_gone(pid));
    assert_int_equal(r.ended, 0);	/* nobody to tell */
}

static void child_many(void) { int i; for (i = 0; i < 20; i++) printf("%d\n", i);
    fflush(stdout); _exit(0); }

/* a blocked sink (overflow = block) is not read until resumed */
static void
test_blocked_and_resume(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;

    (void)state;
    child_fn = child_many;
    r.blocked = 1;
    assert_int_equal(start(&r, &sink, &run), 0);
    RUN_UNTIL(0, 300);
    assert_int_equal(r.nlines, 0);
    assert_int_equal(r.ended, 0);
    r.blocked = 0;
    session_resume(run);
    RUN_UNTIL(r.ended, 5000);
    assert_int_equal(r.nlines, 20);
    assert_string_equal(r.lines[19], "19");
    assert_int_equal(r.dropped, 0);
}

/*
 * 1 MiB in a 1 MiB pipe, then exit: more output than one wakeup reads is
 * waiting when the command is reaped.  That is output to read, not a
 * process left holding the pipe: no "output left open" end, every line.
 */
static void child_full_pipe(void)
{
    static char	buf[1024 * 1024];
    size_t	i;
    ssize_t	n;

    fcntl(1, F_SETPIPE_SZ, (int)sizeof(buf));
    for (i = 0; i < sizeof(buf); i++)
	buf[i] = (i % 64 == 63) ? '\n' : 'x';
    for (i = 0; i < sizeof(buf); i += n)
	if ((n = write(1, buf + i, sizeof(buf) - i)) <= 0)
	    _exit(1);
    _exit(0);
}

static int
count_line(void *arg, enum evkind kind, const char *data, size_t len,
	const struct timeval *tv)
{
    (void)kind; (void)data; (void)len; (void)tv;
    ((struct rec *)arg)->nlines++;
    return 0;
}

static void
test_unread_output_is_read(void **state)
{
    static const struct sink_ops count_ops = { count_line, rec_blocked, rec_end, NULL, NULL };
    struct rec		r = { 0 };
    struct sink		sink = { .ops = &count_ops, .arg = &r };
    struct session	*run;
    pid_t		pid;

    (void)state;
    child_fn = child_full_pipe;
    r.blocked = 1;		/* nothing read until the command has exited */
    assert_int_equal(session_start(&sink, &cmd, 0, &noparams, "", "test",
				   &run), 0);
    pid = last_pid;
    RUN_UNTIL(pid_gone(pid), 5000);
    assert_true(pid_gone(pid));
    r.blocked = 0;
    session_resume(run);
    RUN_UNTIL(r.ended, 10000);
    assert_int_equal(r.ended, 1);
    assert_string_equal(r.reason, "");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nlines, 1024 * 1024 / 64);
}

/* lines the sink drops are counted in the instance's stats */
static void
test_dropped_counted(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;
    unsigned long long	before = session_stats(0)->dropped;

    (void)state;
    child_fn = child_many;
    r.capacity = 5;
    assert_int_equal(start(&r, &sink, &run), 0);
    RUN_UNTIL(r.ended, 5000);
    assert_int_equal(r.nlines, 5);
    assert_int_equal(r.dropped, 15);
    assert_int_equal(session_stats(0)->dropped - before, 15);
}

/* a launch failure: the error, no session, no END */
static void
test_launch_fails(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run = (struct session *)&r;
    unsigned long long	failures = session_stats(0)->failures;

    (void)state;
    launch_fails = -ENOENT;
    assert_int_equal(start(&r, &sink, &run), -ENOENT);
    assert_null(run);
    assert_int_equal(session_count(), 0);
    assert_int_equal(session_stats(0)->failures, failures + 1);
    assert_int_equal(r.ended, 0);
}

/*
 * A run whose pidfd cannot be watched (and whose timer cannot be made):
 * the store fails, and the one teardown path still kills and reaps it,
 * driven by the 1 s tick.
 */
static void
test_unwatched_is_reaped(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;
    pid_t		pid;
    int			sts, watches;

    (void)state;
    child_fn = child_hang;
    fake_fail_timers = 1;
    fake_fail_add = 1;		/* session_start's first: the pidfd */
    watches = fake_nwatches();
    sts = start(&r, &sink, &run);
    pid = last_pid;
    assert_true(sts < 0);
    assert_null(run);
    RUN_UNTIL(session_count() == 0, 5000);
    assert_int_equal(session_count(), 0);
    assert_true(pid_gone(pid));
    assert_int_equal(r.ended, 0);
    assert_int_equal(fake_nwatches(), watches);	/* none left behind */
}

/* a timeout ends the run, and END says why */
static void
test_timeout(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;

    (void)state;
    child_fn = child_hang;
    cmd.opts.set |= OPT_TIMEOUT;
    cmd.opts.timeout_ms = 100;
    assert_int_equal(start(&r, &sink, &run), 0);
    RUN_UNTIL(r.ended, 5000);
    assert_int_equal(r.ended, 1);
    assert_string_equal(r.reason, "timeout");
    assert_int_equal(r.status, 128 + SIGKILL);
}

/* shutdown stops everything within the grace period and the final wait */
static void
test_shutdown(void **state)
{
    struct rec		r1 = { 0 }, r2 = { 0 };
    struct sink		s1, s2;
    struct session	*run1, *run2;

    (void)state;
    child_fn = child_hang;
    assert_int_equal(start(&r1, &s1, &run1), 0);
    assert_int_equal(start(&r2, &s2, &run2), 0);
    assert_int_equal(session_count(), 2);
    session_shutdown();
    assert_int_equal(session_count(), 0);
}

/* ---- the budget: run caps, and what the line buffers are charged ---- */

/* a user's runs beyond its cap are refused before anything starts */
static void
test_run_cap(void **state)
{
    struct rec		r[5];
    struct sink		sink[5];
    struct session	*run[5];
    struct budget_acct	*a = budget_get(5000), *b = budget_get(5001);
    pid_t		before;
    int			i;

    (void)state;
    memset(r, 0, sizeof(r));
    budget_configure(&(struct budget_limits){ 64 << 20, 16 << 20, 2, 1 });
    child_fn = child_hang;
    for (i = 0; i < 5; i++)
	r[i].acct = i < 3 ? a : b;
    assert_int_equal(start(&r[0], &sink[0], &run[0]), 0);
    assert_int_equal(start(&r[1], &sink[1], &run[1]), 0);
    before = last_pid;
    assert_int_equal(start(&r[2], &sink[2], &run[2]), -EAGAIN);
    assert_null(run[2]);
    assert_int_equal(last_pid, before);		/* nothing was launched */
    assert_int_equal(session_count(), 2);
    /* a privileged run of another user: one, not two */
    cmd.opts.set |= OPT_CAPS;
    cmd.opts.caps = 1ULL << 21;
    assert_int_equal(start(&r[3], &sink[3], &run[3]), 0);
    assert_int_equal(start(&r[4], &sink[4], &run[4]), -EAGAIN);
    cmd.opts.set &= ~OPT_CAPS;
    /* a root command without caps counts within -R only */
    cmd.user = "root";
    assert_int_equal(start(&r[4], &sink[4], &run[4]), 0);
    cmd.user = "nobody";
    /* a run ends (when reaped, not when detached): room for another */
    session_detach(run[0]);
    assert_int_equal(start(&r[2], &sink[2], &run[2]), -EAGAIN);
    RUN_UNTIL(session_count() == 3, 5000);
    assert_int_equal(start(&r[2], &sink[2], &run[2]), 0);
    for (i = 1; i < 5; i++)
	session_detach(run[i]);
    RUN_UNTIL(session_count() == 0, 5000);
    assert_int_equal(session_count(), 0);
    assert_int_equal(budget_used(a), 0);
    /* a user whose memory share is spent starts nothing: -ENOMEM */
    assert_int_equal(budget_charge(a, 16 << 20), 0);
    assert_int_equal(start(&r[0], &sink[0], &run[0]), -ENOMEM);
    budget_release(a, 16 << 20);
    budget_put(a);
    budget_put(b);
}

/*
 * 1 MiB of 2-byte lines into a pipe made that large, then a byte to
 * fair_ready once it is all there; then wait to be killed
 */
#define FAIR_BYTES	(1024 * 1024)
#define FAIR_READ_LINES	(64 * 1024 / 2)	/* in one read (LINES_MIN_READ) */
static int	fair_ready[2];

static void child_fair(void)
{
    static char	buf[FAIR_BYTES];
    size_t	off = 0;
    ssize_t	n;

    for (off = 0; off < sizeof(buf); off += 2)
	memcpy(buf + off, "y\n", 2);
    if (fcntl(1, F_SETPIPE_SZ, FAIR_BYTES) < FAIR_BYTES)
	_exit(1);
    for (off = 0; off < sizeof(buf) && (n = write(1, buf + off, sizeof(buf) - off)) > 0; )
	off += n;
    n = write(fair_ready[1], "r", 1);
    (void)n;
    pause();
    _exit(0);
}

static int
fair_taken(const struct rec *r, int n)
{
    int		i, sum = 0;

    for (i = 0; i < n; i++)
	sum += r[i].nlines + r[i].dropped;
    return sum;
}

/*
 * Fairness: a stream's handler reads at most 4 reads per wakeup, only
 * one while pmcd has a request waiting, and the streams of one batch
 * together at most 1 MiB.
 */
static void
test_fair_reads(void **state)
{
    struct rec		r[5];
    struct sink		sink[5];
    struct session	*run[5];
    struct pollfd	pfd;
    char		c;
    int			i;

    (void)state;
    memset(r, 0, sizeof(r));
    assert_int_equal(pipe2(fair_ready, O_CLOEXEC), 0);
    child_fn = child_fair;
    for (i = 0; i < 5; i++) {
	assert_int_equal(start(&r[i], &sink[i], &run[i]), 0);
	pfd = (struct pollfd){ fair_ready[0], POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(fair_ready[0], &c, 1), 1);
    }
    /* pmcd waiting: one read each */
    fake_prio_pending = 1;
    fake_loop_run(0);
    for (i = 0; i < 5; i++)
	assert_int_equal(fair_taken(&r[i], 1), FAIR_READ_LINES);
    /* not waiting: 4 reads each, until the batch has had its 1 MiB */
    fake_prio_pending = 0;
    fake_loop_run(0);
    assert_int_equal(fair_taken(r, 5), 5 * FAIR_READ_LINES + 16 * FAIR_READ_LINES);
    for (i = 0; i < 5; i++)
	assert_true(fair_taken(&r[i], 1) == FAIR_READ_LINES ||
		    fair_taken(&r[i], 1) == 5 * FAIR_READ_LINES);
    /* the next batch: the one left out reads too */
    fake_loop_run(0);
    for (i = 0; i < 5; i++)
	assert_true(fair_taken(&r[i], 1) >= 5 * FAIR_READ_LINES);
    for (i = 0; i < 5; i++)
	session_detach(run[i]);
    RUN_UNTIL(session_count() == 0, 5000);
    assert_int_equal(session_count(), 0);
    close(fair_ready[0]);
    close(fair_ready[1]);
}

static void child_long(void)
{
    static char	line[200 * 1024 + 5];
    size_t	off = 0;
    ssize_t	n;

    memset(line, 'x', sizeof(line));
    memcpy(line + sizeof(line) - 5, "\nend\n", 5);
    while (off < sizeof(line) && (n = write(1, line + off, sizeof(line) - off)) > 0)
	off += n;
    _exit(0);
}

/*
 * A 200 KiB line when the user's share leaves its buffer no room past
 * 64 KiB: it arrives in pieces, every byte, and the share is not passed.
 */
static void
test_budget_cuts_line(void **state)
{
    struct rec		r = { 0 };
    struct sink		sink;
    struct session	*run;
    struct budget_acct	*a = budget_get(5002);
    struct budget_usage	u;

    (void)state;
    budget_configure(&(struct budget_limits){ 64 << 20, 96 << 10, 4, 1 });
    session_configure(&(struct session_opts){ 200, 1 << 20 }, 4);
    r.acct = a;
    child_fn = child_long;
    assert_int_equal(start(&r, &sink, &run), 0);
    RUN_UNTIL(r.ended, 5000);
    assert_int_equal(r.ended, 1);
    assert_int_equal(r.dropped, 0);
    assert_int_equal(r.bytes, 200 * 1024 + 3);	/* without the newlines */
    assert_true(r.nlines >= 5);			/* 4 pieces and "end" */
    assert_string_equal(r.lines[r.nlines - 1], "end");
    budget_usage(a, &u);
    assert_int_equal(u.used, 0);		/* the buffers are gone */
    RUN_UNTIL(session_count() == 0, 1000);
    budget_usage(a, &u);
    assert_int_equal(u.runs, 0);
    budget_put(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup(test_lines_and_end, setup),
	cmocka_unit_test_setup(test_nul_bytes, setup),
	cmocka_unit_test_setup(test_detach_kills, setup),
	cmocka_unit_test_setup(test_blocked_and_resume, setup),
	cmocka_unit_test_setup(test_dropped_counted, setup),
	cmocka_unit_test_setup(test_unread_output_is_read, setup),
	cmocka_unit_test_setup(test_launch_fails, setup),
	cmocka_unit_test_setup(test_unwatched_is_reaped, setup),
	cmocka_unit_test_setup(test_timeout, setup),
	cmocka_unit_test_setup(test_shutdown, setup),
	cmocka_unit_test_setup(test_run_cap, setup),
	cmocka_unit_test_setup(test_budget_cuts_line, setup),
	cmocka_unit_test_setup(test_fair_reads, setup),
    };

    static const char *const users[] = { "nobody", NULL };

    signal(SIGPIPE, SIG_IGN);
    if (users_warm(users) < 0)
	return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_shared.c - cmocka unit tests for shared.c: autostart instances,
 * their ring queue read by independent cursors, and the restart policy,
 * with a fake session module, fake instances and the fake loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "../../fetch.h"
#include "../../instances.h"
#include "../../session.h"
#include "../../shared.h"
#include "../../sink.h"
#include "fakeloop.h"

/* ---- fake session ---- */

struct session {
    struct sink	*sink;
    int		detached;
    char	params[64];
};

static struct session	runs[8];
static int		nstarts, start_fails;

int
session_start(struct sink *sink, const struct pipe_cmd *cmd, int inst,
	const struct params *p, const char *text, const char *who,
	struct session **run)
{
    struct session	*s = &runs[nstarts % 8];

    (void)cmd; (void)inst; (void)p; (void)who;
    if (start_fails) {
	*run = NULL;
	return start_fails;
    }
    memset(s, 0, sizeof(*s));
    s->sink = sink;
    snprintf(s->params, sizeof(s->params), "%s", text);
    nstarts++;
    *run = s;
    return 0;
}

void session_detach(struct session *s) { s->detached++; s->sink = NULL; }
pid_t session_pid(const struct session *s) { (void)s; return 99; }

/* ---- fake instances: id 0 "tick" (autostart), id 1 "plain" ---- */

static struct pipe_cmd	cmds[2];
static int		configured[2];

int inst_count(void) { return 2; }
const struct pipe_cmd *inst_cmd(int id)
{ return id >= 0 && id < 2 && configured[id] ? &cmds[id] : NULL; }
const char *inst_name(int id) { return id >= 0 && id < 2 ? cmds[id].name : NULL; }

/* ---- helpers ---- */

static struct session *
current(void)
{
    return &runs[(nstarts - 1) % 8];
}

static void
line(const char *text)
{
    struct timeval	tv = { 1, 0 };

    current()->sink->ops->line(current()->sink->arg, EV_LINE, text,
			       strlen(text), &tv);
}

/*
 * One fetch for the reader at c: the records it got, and in *missed the
 * count of a missed record (shared_fetch puts one first, if any).
 */
static int
fetch(struct evq_cursor *c, int *missed)
{
    pmAtomValue		atom;
    pmEventArray	*ea;
    pmEventRecord	*er;
    int			n, sts = shared_fetch(0, c, &atom);

    assert_true(sts >= 0);
    if (missed)
	*missed = 0;
    if (sts == PMDA_FETCH_NOVALUES)
	return 0;
    ea = (pmEventArray *)atom.vbp;
    n = ea->ea_nrecords;
    er = &ea->ea_record[0];
    if (n > 0 && (er->er_flags & PM_EVENT_FLAG_MISSED)) {
	if (missed)
	    *missed = er->er_nparams;
	n--;
    }
    return n;
}

static int
setup(void **state)
{
    struct fetch_pmids	ids = { 1, 2, 3, 4 };

    (void)state;
    fetch_init(&ids);
    memset(cmds, 0, sizeof(cmds));
    cmds[0].name = "tick";
    cmds[0].user = "nobody";
    cmds[0].command = "tick $1";
    cmds[0].opts.autostart = 1;
    cmds[0].opts.restart = RESTART_ALWAYS;
    strcpy(cmds[0].opts.params, "fast");
    cmds[1].name = "plain";
    configured[0] = configured[1] = 1;
    nstarts = start_fails = 0;
    fake_timer_arms = 0;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    shared_stop_all();
    fake_loop_run(0);		/* the deferred frees */
    fetch_fini();
    return 0;
}

/* ---- tests ---- */

static void
test_sync_starts(void **state)
{
    (void)state;
    shared_sync(1 << 20);
    assert_true(shared_is(0));
    assert_false(shared_is(1));
    assert_false(shared_is(7));
    assert_int_equal(nstarts, 1);
    assert_string_equal(current()->params, "fast");
    assert_int_equal(shared_pid(0), 99);
    /* a second sync leaves the running one alone */
    shared_sync(1 << 20);
    assert_int_equal(nstarts, 1);
}

/* readers see what arrives after they attach, independently */
static void
test_readers(void **state)
{
    struct evq_cursor	a = { 0 }, b = { 0 };

    (void)state;
    shared_sync(1 << 20);
    line("before a");
    assert_int_equal(fetch(&a, NULL), 0);	/* attach: nothing yet */
    line("1");
    line("2");
    assert_int_equal(shared_attach(0, &b), 0);
    line("3");
    assert_int_equal(fetch(&a, NULL), 3);
    assert_int_equal(fetch(&b, NULL), 1);
    assert_int_equal(fetch(&a, NULL), 0);
    assert_int_equal(fetch(&b, NULL), 0);
    assert_true(shared_mem(0) > 0);
    assert_int_equal(shared_attach(1, &b), PM_ERR_INST);
}

/* a reader that falls behind the ring gets a missed record */
static void
test_ring_missed(void **state)
{
    struct evq_cursor	a = { 0 };
    char		big[300];
    int			i, missed, n;

    (void)state;
    cmds[0].opts.set |= OPT_QUEUE;
    cmds[0].opts.queue = 2048;
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    shared_sync(1 << 20);
    assert_int_equal(fetch(&a, NULL), 0);
    for (i = 0; i < 20; i++)
	line(big);
    n = fetch(&a, &missed);
    assert_true(n > 0 && n < 20);
    assert_int_equal(n + missed, 20);
}

/* restart = always: a back-off from 1 s, doubling */
static void
test_restart_backoff(void **state)
{
    struct session	*s;
    int			i;

    (void)state;
    shared_sync(1 << 20);
    s = current();
    s->sink->ops->end(s->sink->arg, 0, NULL);
    assert_int_equal(fake_timer_arms, 1);
    assert_int_equal(fake_last_arm_ms, 1000);
    assert_int_equal(shared_pid(0), -1);
    /* the timer fires: started again */
    for (i = 0; i < 30 && nstarts < 2; i++)
	fake_loop_run(100);
    assert_int_equal(nstarts, 2);
    s = current();
    s->sink->ops->end(s->sink->arg, 1, NULL);
    assert_int_equal(fake_last_arm_ms, 2000);
}

/* restart = on-failure: not after exit 0; restart = no: never */
static void
test_restart_policies(void **state)
{
    struct session	*s;

    (void)state;
    cmds[0].opts.restart = RESTART_ON_FAILURE;
    shared_sync(1 << 20);
    s = current();
    s->sink->ops->end(s->sink->arg, 0, NULL);
    assert_int_equal(fake_timer_arms, 0);
    shared_stop_all();
    fake_loop_run(0);

    cmds[0].opts.restart = RESTART_NO;
    shared_sync(1 << 20);
    s = current();
    s->sink->ops->end(s->sink->arg, 1, NULL);
    assert_int_equal(fake_timer_arms, 0);
}

/* a start that fails is retried after the back-off */
static void
test_start_fails_retries(void **state)
{
    (void)state;
    start_fails = -ENOENT;
    shared_sync(1 << 20);
    assert_int_equal(nstarts, 0);
    assert_int_equal(fake_timer_arms, 1);
    assert_int_equal(fake_last_arm_ms, 1000);
}

/* no longer autostart (or removed): its command is stopped */
static void
test_sync_stops(void **state)
{
    struct session	*s;

    (void)state;
    shared_sync(1 << 20);
    s = current();
    configured[0] = 0;
    shared_sync(1 << 20);
    assert_false(shared_is(0));
    assert_int_equal(s->detached, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_sync_starts, setup, teardown),
	cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_ring_missed, setup, teardown),
	cmocka_unit_test_setup_teardown(test_restart_backoff, setup, teardown),
	cmocka_unit_test_setup_teardown(test_restart_policies, setup, teardown),
	cmocka_unit_test_setup_teardown(test_start_fails_retries, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sync_stops, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_loop.c - cmocka unit tests for loop.c's priority watches (issue
 * 12 item 9): pmcd's fd is served before the other watches of a batch,
 * and between two of them when it became readable meanwhile; a watch
 * that yields is called first in the next batch; the order is checked,
 * not how long anything took.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "../../loop.h"

#define NPIPES	4

struct end {
    struct loop_watch	w;
    int			fds[2];		/* [0] watched, [1] written */
    char		name;
    int			wake;		/* index of a pipe to make readable, or -1 */
    int			yield;		/* times to yield instead of reading */
};

static struct end	ends[NPIPES];
static char		order[64];
static int		norder;

static void
on_read(void *arg, uint32_t events)
{
    struct end	*e = arg;
    char	c;

    (void)events;
    if (e->yield > 0) {
	e->yield--;
	assert_int_equal(loop_yield(&e->w), 0);
	order[norder++] = e->name - 'a' + 'A';
	order[norder] = '\0';
	return;
    }
    assert_int_equal(read(e->fds[0], &c, 1), 1);
    order[norder++] = e->name;
    order[norder] = '\0';
    if (e->wake >= 0)
	assert_int_equal(write(ends[e->wake].fds[1], "x", 1), 1);
}

static int
setup(void **state)
{
    int		i;

    (void)state;
    assert_int_equal(loop_init(), 0);
    for (i = 0; i < NPIPES; i++) {
	assert_int_equal(pipe2(ends[i].fds, O_CLOEXEC | O_NONBLOCK), 0);
	ends[i].w.fd = -1;
	ends[i].name = 'a' + i;
	ends[i].wake = -1;
	ends[i].yield = 0;
	assert_int_equal(loop_add(&ends[i].w, ends[i].fds[0], EPOLLIN, on_read,
				  &ends[i]), 0);
    }
    norder = 0;
    order[0] = '\0';
    return 0;
}

static int
teardown(void **state)
{
    int		i;

    (void)state;
    for (i = 0; i < NPIPES; i++) {
	loop_del(&ends[i].w);
	close(ends[i].fds[0]);
	close(ends[i].fds[1]);
    }
    loop_fini();
    return 0;
}

static void
poke(int i)
{
    assert_int_equal(write(ends[i].fds[1], "x", 1), 1);
}

/* readable last, served first: epoll reports ready fds in arrival order */
static void
test_prio_first(void **state)
{
    (void)state;
    /* without a priority watch: arrival order (what the test relies on) */
    poke(0);
    poke(1);
    poke(2);
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "abc");
    norder = 0;
    assert_int_equal(loop_prio(&ends[3].w), 0);
    poke(0);
    poke(1);
    poke(2);
    poke(3);
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "dabc");
}

/* a request arriving while output is read is served before the next stream */
static void
test_prio_between(void **state)
{
    (void)state;
    assert_int_equal(loop_prio(&ends[3].w), 0);
    ends[0].wake = 3;		/* pmcd writes while a's output is read */
    poke(0);
    poke(1);
    poke(2);
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "adbc");
    /* and not twice: its byte was read, nothing is left for later */
    norder = 0;
    order[0] = '\0';
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "");
}

/* what may be a priority watch, and removing one */
static void
test_prio_registry(void **state)
{
    struct loop_watch	unreg = { .fd = -1 };
    int			i;

    (void)state;
    assert_int_equal(loop_prio(&unreg), -EBADF);
    for (i = 0; i < LOOP_MAXPRIO; i++)
	assert_int_equal(loop_prio(&ends[i % NPIPES].w), 0);	/* again: no-op */
    loop_del(&ends[3].w);
    /* a removed priority watch is not polled: its pipe is not read */
    ends[0].wake = 3;
    poke(0);
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "a");
    assert_int_equal(loop_add(&ends[3].w, ends[3].fds[0], EPOLLIN, on_read,
			      &ends[3]), 0);
    norder = 0;
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "d");		/* an ordinary watch again */
}

/*
 * A watch that yields is called first in the next batch (round robin:
 * epoll alone would report it last again), once; a removed one is not
 */
static void
test_yield(void **state)
{
    (void)state;
    poke(0); poke(1); poke(2);
    poke(0); poke(1); poke(2);
    ends[2].yield = 1;
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "abC");
    norder = 0;
    assert_true(loop_once(-1) >= 0);	/* (not waiting: c is owed a turn) */
    assert_string_equal(order, "cab");
    norder = 0;
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "c");
    /* yielded, then removed: not called */
    poke(0); poke(1);
    ends[1].yield = 1;
    norder = 0;
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "aB");
    loop_del(&ends[1].w);
    norder = 0;
    order[0] = '\0';
    assert_true(loop_once(0) >= 0);
    assert_string_equal(order, "");
    assert_int_equal(loop_yield(&ends[1].w), -EBADF);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_prio_first, setup, teardown),
	cmocka_unit_test_setup_teardown(test_prio_between, setup, teardown),
	cmocka_unit_test_setup_teardown(test_prio_registry, setup, teardown),
	cmocka_unit_test_setup_teardown(test_yield, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

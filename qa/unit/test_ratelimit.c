/*
 * test_ratelimit.c - cmocka unit tests for ratelimit.c: a burst logged
 * per window, the rest counted and reported once, nothing lost.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include "../../ratelimit.h"

#define BURST	3
#define WINDOW	1000

/*
 * One event per row, at its time: whether it is logged and what is to be
 * reported before it.
 */
static const struct { long long ms; int logged; unsigned long report; } rows[] = {
    { 5000, 1, 0 },	/* the first event opens a window */
    { 5001, 1, 0 },
    { 5002, 1, 0 },
    { 5003, 0, 0 },	/* beyond the burst: counted */
    { 5500, 0, 0 },
    { 5999, 0, 0 },
    { 6000, 1, 3 },	/* a new window: the 3 are reported first */
    { 6001, 1, 0 },
    { 6002, 1, 0 },
    { 6003, 0, 0 },
    { 9000, 1, 1 },	/* long after: report and log */
    { 20000, 1, 0 },	/* nothing held back, nothing to report */
};

static void
test_rows(void **state)
{
    struct ratelimit	rl = { 0 };
    unsigned long	report;
    size_t		i;
    int			logged, bad = 0;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
	logged = ratelimit_event(&rl, rows[i].ms, BURST, WINDOW, &report);
	if (logged != rows[i].logged || report != rows[i].report) {
	    print_error("[%lld] logged %d report %lu, want %d %lu\n",
			rows[i].ms, logged, report, rows[i].logged,
			rows[i].report);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
    assert_int_equal(ratelimit_flush(&rl), 0);
}

/* a flood: every event is either logged or reported, once */
static void
test_flood(void **state)
{
    struct ratelimit	rl = { 0 };
    unsigned long	report, logged = 0, reported = 0;
    long long		ms;

    (void)state;
    /* 10,000 events, 3 per ms, over 3.3 s of windows of 1 s */
    for (ms = 0; ms < 10000; ms++) {
	logged += ratelimit_event(&rl, 100000 + ms / 3, BURST, WINDOW, &report);
	reported += report;
    }
    reported += ratelimit_flush(&rl);
    assert_int_equal(logged + reported, 10000);
    assert_int_equal(logged, 4 * BURST);	/* 4 windows began */
    assert_int_equal(ratelimit_flush(&rl), 0);
}

/* a clock near 0 (a fresh boot): the first event still opens a window */
static void
test_early_clock(void **state)
{
    struct ratelimit	rl = { 0 };
    unsigned long	report;
    int			i, logged = 0;

    (void)state;
    for (i = 0; i < 10; i++)
	logged += ratelimit_event(&rl, 10 + i, BURST, WINDOW, &report);
    assert_int_equal(logged, BURST);
    assert_int_equal(ratelimit_flush(&rl), 10 - BURST);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_rows),
	cmocka_unit_test(test_flood),
	cmocka_unit_test(test_early_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

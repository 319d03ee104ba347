/*
 * test_evq.c - cmocka unit tests for evq.c: record flags across runs,
 * the memory bound and loss accounting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcp/pmapi.h>
#include "../../evq.h"

#define POINT	PM_EVENT_FLAG_POINT
#define START	PM_EVENT_FLAG_START
#define END	PM_EVENT_FLAG_END

static const struct timeval	tv0 = { 1700000000, 123456 };

static int
push(struct evq *q, enum evkind kind, const char *s)
{
    return evq_push(q, kind, s, strlen(s), 0, &tv0);
}

static int
push_exit(struct evq *q, int status)
{
    return evq_push(q, EV_EXIT, NULL, 0, status, &tv0);
}

/* pop the head, checking it */
static void
expect(struct evq *q, enum evkind kind, const char *data, unsigned int flags,
	unsigned int missed)
{
    struct evrec	*r = evq_peek(q);

    assert_non_null(r);
    if (r->kind != kind || r->flags != flags || r->missed != missed ||
	r->len != strlen(data) || strcmp(r->data, data) != 0)
	print_error("record \"%s\" kind %d flags 0x%x missed %u, expected "
		    "\"%s\" kind %d flags 0x%x missed %u\n", r->data, r->kind,
		    r->flags, r->missed, data, kind, flags, missed);
    assert_int_equal(r->kind, kind);
    assert_int_equal(r->flags, flags);
    assert_int_equal(r->missed, missed);
    assert_int_equal(r->len, strlen(data));
    assert_string_equal(r->data, data);
    evq_pop(q);
}

/*
 * A table of operations and the records they must leave, in order.
 */
enum op { PUSH_LINE, PUSH_ERR, PUSH_EXIT, RUN_START, END_OPS };

struct step {
    enum op	op;
    const char	*data;		/* or the exit status, as text */
};

struct rec {
    enum evkind		kind;
    const char		*data;
    unsigned int	flags;
};

struct flag_case {
    const char		*name;
    int			run_start;	/* evq_run_start() after evq_init() */
    struct step		steps[8];
    struct rec		recs[8];
    size_t		nrecs;
};

static const struct flag_case flag_cases[] = {
    { "first record starts the run", 1,
      { { PUSH_LINE, "a" }, { PUSH_LINE, "b" }, { PUSH_LINE, "c" },
	{ END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_LINE, "b", POINT },
	{ EV_LINE, "c", POINT } }, 3 },
    { "only an exit", 1,
      { { PUSH_EXIT, "0" }, { END_OPS, NULL } },
      { { EV_EXIT, "", START | END } }, 1 },
    { "lines then exit", 1,
      { { PUSH_LINE, "a" }, { PUSH_ERR, "e" }, { PUSH_LINE, "b" },
	{ PUSH_EXIT, "0" }, { END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_STDERR, "e", POINT },
	{ EV_LINE, "b", POINT }, { EV_EXIT, "", END } }, 4 },
    { "stderr first", 1,
      { { PUSH_ERR, "oops" }, { PUSH_EXIT, "1" }, { END_OPS, NULL } },
      { { EV_STDERR, "oops", START }, { EV_EXIT, "", END } }, 2 },
    { "two runs", 1,
      { { PUSH_LINE, "a" }, { PUSH_EXIT, "0" }, { RUN_START, NULL },
	{ PUSH_LINE, "b" }, { PUSH_LINE, "c" }, { PUSH_EXIT, "0" },
	{ END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_EXIT, "", END },
	{ EV_LINE, "b", START }, { EV_LINE, "c", POINT },
	{ EV_EXIT, "", END } }, 5 },
    { "empty second run", 1,
      { { PUSH_LINE, "a" }, { PUSH_EXIT, "0" }, { RUN_START, NULL },
	{ PUSH_EXIT, "0" }, { END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_EXIT, "", END },
	{ EV_EXIT, "", START | END } }, 3 },
    { "run_start twice", 1,
      { { RUN_START, NULL }, { PUSH_LINE, "a" }, { PUSH_LINE, "b" },
	{ END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_LINE, "b", POINT } }, 2 },
    { "no run_start after exit", 1,
      { { PUSH_LINE, "a" }, { PUSH_EXIT, "0" }, { PUSH_LINE, "late" },
	{ END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_EXIT, "", END },
	{ EV_LINE, "late", POINT } }, 3 },
};

/*
 * A queue fresh from evq_init() has no run in progress, so its first
 * record begins one: without this an END could arrive with no START.
 */
static const struct flag_case init_cases[] = {
    { "first record after evq_init", 0,
      { { PUSH_LINE, "a" }, { PUSH_LINE, "b" }, { END_OPS, NULL } },
      { { EV_LINE, "a", START }, { EV_LINE, "b", POINT } }, 2 },
    { "only an exit after evq_init", 0,
      { { PUSH_EXIT, "0" }, { END_OPS, NULL } },
      { { EV_EXIT, "", START | END } }, 1 },
    { "stderr after evq_init", 0,
      { { PUSH_ERR, "e" }, { PUSH_EXIT, "0" }, { END_OPS, NULL } },
      { { EV_STDERR, "e", START }, { EV_EXIT, "", END } }, 2 },
};

static int
run_flag_cases(const struct flag_case *cases, size_t ncases)
{
    const struct flag_case	*c;
    const struct step		*s;
    struct evq			q;
    struct evrec		*r;
    size_t			i, n;
    int				bad = 0;

    for (i = 0; i < ncases; i++) {
	c = &cases[i];
	evq_init(&q, 1 << 20);
	if (c->run_start)
	    evq_run_start(&q);
	for (s = c->steps; s->op != END_OPS; s++) {
	    switch (s->op) {
	    case PUSH_LINE:
		assert_int_equal(push(&q, EV_LINE, s->data), 0);
		break;
	    case PUSH_ERR:
		assert_int_equal(push(&q, EV_STDERR, s->data), 0);
		break;
	    case PUSH_EXIT:
		assert_int_equal(push_exit(&q, atoi(s->data)), 0);
		break;
	    case RUN_START:
		evq_run_start(&q);
		break;
	    default:
		break;
	    }
	}
	if (q.count != c->nrecs) {
	    print_error("[%s] %zu records, expected %zu\n", c->name, q.count,
			c->nrecs);
	    bad++;
	}
	for (n = 0, r = evq_peek(&q); r != NULL; r = r->next, n++) {
	    if (n >= c->nrecs)
		break;
	    if (r->kind != c->recs[n].kind || r->flags != c->recs[n].flags ||
		strcmp(r->data, c->recs[n].data) != 0 || r->missed != 0) {
		print_error("[%s] record %zu: kind %d \"%s\" flags 0x%x, "
			    "expected kind %d \"%s\" flags 0x%x\n", c->name, n,
			    r->kind, r->data, r->flags, c->recs[n].kind,
			    c->recs[n].data, c->recs[n].flags);
		bad++;
	    }
	}
	evq_clear(&q);
    }
    return bad;
}

static void
test_flags_table(void **state)
{
    (void)state;
    assert_int_equal(run_flag_cases(flag_cases,
		sizeof(flag_cases) / sizeof(flag_cases[0])), 0);
}

static void
test_init_starts_run(void **state)
{
    (void)state;
    assert_int_equal(run_flag_cases(init_cases,
		sizeof(init_cases) / sizeof(init_cases[0])), 0);
}

/* what a record holds: time, status, a NUL-terminated copy of the data */
static void
test_record_contents(void **state)
{
    static const char	data[] = "with\0nul";
    struct timeval	tv = { 42, 999999 };
    struct evq		q;
    struct evrec	*r;

    (void)state;
    evq_init(&q, 1 << 20);
    evq_run_start(&q);
    assert_int_equal(evq_push(&q, EV_LINE, data, sizeof(data) - 1, 0, &tv), 0);
    assert_int_equal(evq_push(&q, EV_LINE, "", 0, 0, &tv), 0);
    assert_int_equal(evq_push(&q, EV_EXIT, NULL, 0, 128 + 9, &tv0), 0);
    r = evq_peek(&q);
    assert_int_equal(r->tv.tv_sec, 42);
    assert_int_equal(r->tv.tv_usec, 999999);
    assert_int_equal(r->len, sizeof(data) - 1);
    assert_memory_equal(r->data, data, sizeof(data));	/* with the NUL */
    r = r->next;
    assert_int_equal(r->len, 0);
    assert_int_equal(r->data[0], '\0');
    r = r->next;
    assert_int_equal(r->kind, EV_EXIT);
    assert_int_equal(r->status, 137);
    assert_int_equal(r->tv.tv_sec, tv0.tv_sec);
    assert_null(r->next);
    assert_ptr_equal(q.tail, r);
    assert_int_equal(q.lines, 2);
    /* exits are not lines */
    assert_int_equal(q.bytes, sizeof(data) - 1);
    evq_clear(&q);
}

/*
 * The memory bound: a record that would take mem over maxmem is dropped
 * and counted; the next one queued carries the count.
 */
static void
test_bound(void **state)
{
    struct evq		q;
    size_t		max = 3 * evq_cost(10);

    (void)state;
    evq_init(&q, max);
    evq_run_start(&q);
    assert_int_equal(push(&q, EV_LINE, "0123456789"), 0);
    assert_int_equal(push(&q, EV_LINE, "0123456789"), 0);
    assert_int_equal(push(&q, EV_STDERR, "0123456789"), 0);
    assert_int_equal(q.mem, max);		/* exactly full */
    assert_int_equal(q.count, 3);
    assert_int_equal(push(&q, EV_LINE, ""), 1);
    assert_int_equal(push(&q, EV_STDERR, "x"), 1);
    assert_int_equal(q.dropped, 2);
    assert_int_equal(q.pending_missed, 2);
    assert_int_equal(q.count, 3);
    assert_int_equal(q.mem, max);
    assert_int_equal(q.lines, 5);		/* offered, queued or not */
    assert_int_equal(q.bytes, 31);

    /* room for one again: it reports the two lost */
    evq_pop(&q);
    assert_int_equal(push(&q, EV_LINE, "after"), 0);
    assert_int_equal(q.pending_missed, 0);
    assert_int_equal(q.dropped, 2);
    expect(&q, EV_LINE, "0123456789", POINT, 0);
    expect(&q, EV_STDERR, "0123456789", POINT, 0);
    expect(&q, EV_LINE, "after", POINT, 2);
    assert_int_equal(q.count, 0);
    assert_int_equal(q.mem, 0);
    assert_null(q.head);
    assert_null(q.tail);
    evq_clear(&q);
}

/* a line bigger than the whole bound never fits, even in an empty queue */
static void
test_bound_huge_line(void **state)
{
    struct evq		q;
    char		*big;

    (void)state;
    evq_init(&q, 1000);
    assert_non_null(big = malloc(1000));
    memset(big, 'x', 1000);
    assert_int_equal(evq_push(&q, EV_LINE, big, 1000, 0, &tv0), 1);
    assert_int_equal(evq_push(&q, EV_LINE, big, 1000 - evq_cost(0), 0, &tv0),
		0);
    assert_int_equal(q.mem, 1000);		/* exactly at the bound */
    free(big);
    assert_int_equal(q.dropped, 1);
    assert_int_equal(q.count, 1);
    assert_int_equal(evq_peek(&q)->len, 1000 - evq_cost(0));
    assert_int_equal(evq_peek(&q)->missed, 1);
    evq_clear(&q);
}

/* EV_EXIT is queued even over the bound, and reports what was lost */
static void
test_exit_always_queued(void **state)
{
    struct evq		q;

    (void)state;
    evq_init(&q, evq_cost(1));
    evq_run_start(&q);
    assert_int_equal(push(&q, EV_LINE, "a"), 0);
    assert_int_equal(push(&q, EV_LINE, "b"), 1);
    assert_int_equal(push(&q, EV_LINE, "c"), 1);
    assert_int_equal(push(&q, EV_LINE, "d"), 1);
    assert_int_equal(push_exit(&q, 2), 0);
    assert_int_equal(q.count, 2);
    assert_true(q.mem > q.maxmem);
    assert_int_equal(q.dropped, 3);
    assert_int_equal(q.pending_missed, 0);
    expect(&q, EV_LINE, "a", START, 0);
    assert_int_equal(evq_peek(&q)->status, 2);
    expect(&q, EV_EXIT, "", END, 3);
    assert_int_equal(q.mem, 0);
    assert_int_equal(q.count, 0);

    /* a zero bound: no lines at all, the exit still goes through */
    evq_init(&q, 0);
    evq_run_start(&q);
    assert_int_equal(push(&q, EV_LINE, "x"), 1);
    assert_int_equal(push_exit(&q, 0), 0);
    expect(&q, EV_EXIT, "", START | END, 1);
    evq_clear(&q);
}

/* drops with nothing queued after them: evq_take_missed() reports them */
static void
test_take_missed(void **state)
{
    struct evq		q;

    (void)state;
    evq_init(&q, evq_cost(1));
    evq_run_start(&q);
    assert_int_equal(evq_take_missed(&q), 0);
    assert_int_equal(push(&q, EV_LINE, "a"), 0);
    assert_int_equal(push(&q, EV_LINE, "b"), 1);
    assert_int_equal(push(&q, EV_LINE, "c"), 1);
    assert_int_equal(evq_take_missed(&q), 2);
    assert_int_equal(evq_take_missed(&q), 0);
    assert_int_equal(q.pending_missed, 0);
    assert_int_equal(q.dropped, 2);		/* the total stays */
    /* once taken, they are not reported again with the next record */
    evq_pop(&q);
    assert_int_equal(push(&q, EV_LINE, "d"), 0);
    expect(&q, EV_LINE, "d", POINT, 0);
    evq_clear(&q);
}

/*
 * evq_drops_all: only while any line would be dropped (not for a queue
 * with room for a short line, a lossless or a ring one); lines dropped
 * in bulk are counted as evq_push counts them, and reported as missed
 */
static void
test_drop_lines(void **state)
{
    struct evq		q;

    (void)state;
    evq_init(&q, evq_cost(1) + evq_cost(0));
    evq_run_start(&q);
    assert_false(evq_drops_all(&q));
    assert_int_equal(push(&q, EV_LINE, "a"), 0);
    assert_false(evq_drops_all(&q));		/* room for an empty line */
    assert_int_equal(push(&q, EV_LINE, "bb"), 1);
    assert_int_equal(push(&q, EV_LINE, ""), 0);
    assert_true(evq_drops_all(&q));
    assert_int_equal(push(&q, EV_LINE, ""), 1);
    evq_drop_lines(&q, 5, 12);
    assert_int_equal(q.lines, 9);
    assert_int_equal(q.bytes, 1 + 2 + 12);
    assert_int_equal(q.dropped, 7);
    evq_pop(&q);
    evq_pop(&q);
    assert_int_equal(push(&q, EV_LINE, "c"), 0);
    expect(&q, EV_LINE, "c", POINT, 6);
    q.lossless = 1;
    assert_false(evq_drops_all(&q));
    q.lossless = 0;
    q.ring = 1;
    assert_false(evq_drops_all(&q));
    q.ring = 0;
    evq_clear(&q);
}

/* every record's cost is given back, whatever order they leave in */
static void
test_accounting(void **state)
{
    struct evq		q;
    char		line[300];
    size_t		i, mem = 0;

    (void)state;
    evq_init(&q, 1 << 20);
    evq_run_start(&q);
    evq_pop(&q);				/* empty: harmless */
    assert_int_equal(q.count, 0);
    for (i = 0; i < 100; i++) {
	memset(line, 'a' + i % 26, i * 3);
	assert_int_equal(evq_push(&q, i % 2 ? EV_STDERR : EV_LINE, line,
				i * 3, 0, &tv0), 0);
	mem += evq_cost(i * 3);
	assert_int_equal(q.mem, mem);
	assert_int_equal(q.count, i + 1);
    }
    assert_int_equal(push_exit(&q, 0), 0);
    mem += evq_cost(0);
    assert_int_equal(q.mem, mem);
    for (i = 0; i < 50; i++) {
	mem -= evq_cost(evq_peek(&q)->len);
	evq_pop(&q);
	assert_int_equal(q.mem, mem);
    }
    assert_int_equal(q.count, 51);
    for (i = 0; i < 51; i++)
	evq_pop(&q);
    assert_int_equal(q.mem, 0);
    assert_int_equal(q.count, 0);
    assert_null(q.head);
    assert_null(q.tail);
    /* the queue works again after emptying */
    assert_int_equal(push(&q, EV_LINE, "again"), 0);
    assert_ptr_equal(q.head, q.tail);
    expect(&q, EV_LINE, "again", POINT, 0);
    assert_true(evq_cost(10) > 10);
    assert_true(evq_cost(11) > evq_cost(10));
    evq_clear(&q);
}

/* evq_clear() drops records and pending losses, keeps the totals */
static void
test_clear(void **state)
{
    struct evq		q;

    (void)state;
    evq_init(&q, 2 * evq_cost(1));
    evq_clear(&q);				/* empty queue */
    evq_run_start(&q);
    assert_int_equal(push(&q, EV_LINE, "a"), 0);
    assert_int_equal(push(&q, EV_LINE, "b"), 0);
    assert_int_equal(push(&q, EV_LINE, "c"), 1);
    evq_clear(&q);
    assert_null(q.head);
    assert_null(q.tail);
    assert_int_equal(q.count, 0);
    assert_int_equal(q.mem, 0);
    assert_int_equal(q.pending_missed, 0);
    assert_int_equal(q.dropped, 1);
    assert_int_equal(q.lines, 3);
    assert_int_equal(q.maxmem, 2 * evq_cost(1));
    /* usable after a clear, with the whole bound available */
    assert_int_equal(push(&q, EV_LINE, "d"), 0);
    assert_int_equal(push(&q, EV_LINE, "e"), 0);
    expect(&q, EV_LINE, "d", POINT, 0);
    expect(&q, EV_LINE, "e", POINT, 0);
    evq_clear(&q);
}

/*
 * Records share chunks: interleaved pushes and pops across chunk
 * boundaries, records bigger than any chunk, keep order, contents and
 * alignment; an emptied queue holds no chunk (valgrind checks the rest).
 */
static void
test_chunks(void **state)
{
    struct evq		q;
    struct evrec	*r;
    static char		big[3 * 1024 * 1024];
    char		line[64];
    unsigned long	pushed = 0, popped = 0;
    size_t		len;
    int			round, i;

    (void)state;
    memset(big, 'x', sizeof(big));
    evq_init(&q, 1 << 30);
    q.lossless = 1;
    for (round = 0; round < 20; round++) {
	for (i = 0; i < 5000; i++, pushed++) {
	    len = (size_t)snprintf(line, sizeof(line), "%lu", pushed);
	    assert_int_equal(evq_push(&q, EV_LINE, line, len, 0, &tv0), 0);
	}
	if (round % 5 == 0) {		/* bigger than the biggest chunk */
	    assert_int_equal(evq_push(&q, EV_STDERR, big, sizeof(big), 0,
				      &tv0), 0);
	    pushed++;
	}
	for (i = 0; i < 3000 + round * 100 && (r = evq_peek(&q)); i++) {
	    assert_int_equal((uintptr_t)r % _Alignof(max_align_t), 0);
	    if (r->kind == EV_STDERR) {
		assert_int_equal(r->len, sizeof(big));
		assert_int_equal(r->data[sizeof(big) - 1], 'x');
		assert_int_equal(r->data[sizeof(big)], '\0');
	    } else {
		snprintf(line, sizeof(line), "%lu", popped);
		assert_string_equal(r->data, line);
	    }
	    popped++;
	    evq_pop(&q);
	}
	assert_int_equal(q.count, pushed - popped);
    }
    while (evq_peek(&q)) {
	evq_pop(&q);
	popped++;
    }
    assert_int_equal(popped, pushed);
    assert_int_equal(q.mem, 0);
    assert_null(q.chead);
    assert_null(q.ctail);
    /* a partly read queue is released by a clear */
    for (i = 0; i < 10000; i++)
	assert_int_equal(push(&q, EV_LINE, "abc"), 0);
    for (i = 0; i < 10; i++)
	evq_pop(&q);
    evq_clear(&q);
    assert_null(q.chead);
}

/* losses at the start of a run: START goes to the first record queued */
static void
test_start_after_drop(void **state)
{
    struct evq		q;

    (void)state;
    evq_init(&q, evq_cost(1));
    evq_run_start(&q);
    assert_int_equal(push(&q, EV_LINE, "too long for the bound"), 1);
    assert_int_equal(push(&q, EV_LINE, "a"), 0);
    expect(&q, EV_LINE, "a", START, 1);
    evq_clear(&q);
}

/* ---- the budget: chunks are charged to the queue's account ---- */

/*
 * Over its user's share a queue drops lines, counted as missed and as
 * budget drops, and tries a chunk of just the record's size first; END
 * records and lossless queues are charged regardless; everything is
 * given back when the records go.
 */
static void
test_budget(void **state)
{
    struct budget_acct	*a, *b;
    struct budget_usage	u;
    struct evq		q, lossless;
    char		line[100];
    int			i, queued = 0, dropped = 0, sts;

    (void)state;
    budget_configure(&(struct budget_limits){ 64 << 20, 8 << 10, 1, 1 });
    a = budget_get(6000);
    b = budget_get(6001);
    evq_init(&q, 1 << 20);
    q.acct = a;
    evq_run_start(&q);
    memset(line, 'z', sizeof(line));
    for (i = 0; i < 200; i++) {
	sts = evq_push(&q, EV_LINE, line, sizeof(line), 0, &tv0);
	assert_true(sts == 0 || sts == 1);
	if (sts == 0)
	    queued++;
	else
	    dropped++;
	assert_true(budget_used(a) <= 8 << 10);
    }
    assert_true(queued > 0);
    assert_true(dropped > 0);
    assert_true(queued * evq_cost(sizeof(line)) > 4 << 10);	/* used the share */
    budget_usage(a, &u);
    assert_int_equal(u.dropped, dropped);
    assert_int_equal(q.pending_missed, dropped);
    /* the END record is queued whatever the budget says */
    assert_int_equal(push_exit(&q, 0), 0);
    assert_int_equal(q.tail->missed, dropped);
    /* another user's queue is not held back by this one's share */
    evq_init(&lossless, 1 << 20);
    lossless.acct = b;
    assert_int_equal(push(&lossless, EV_LINE, "b"), 0);
    evq_clear(&lossless);
    assert_int_equal(budget_used(b), 0);
    /* a lossless queue goes on past the share (its producer waits) */
    lossless.acct = a;
    lossless.lossless = 1;
    for (i = 0; i < 10; i++)
	assert_int_equal(evq_push(&lossless, EV_LINE, line, sizeof(line), 0, &tv0), 0);
    assert_true(budget_used(a) > 8 << 10);
    evq_clear(&lossless);
    evq_clear(&q);
    assert_int_equal(budget_used(a), 0);
    budget_put(a);
    budget_put(b);
}

int
main(void)
{
    const struct CMUnitTest	tests[] = {
	cmocka_unit_test(test_flags_table),
	cmocka_unit_test(test_init_starts_run),
	cmocka_unit_test(test_record_contents),
	cmocka_unit_test(test_bound),
	cmocka_unit_test(test_chunks),
	cmocka_unit_test(test_bound_huge_line),
	cmocka_unit_test(test_exit_always_queued),
	cmocka_unit_test(test_take_missed),
	cmocka_unit_test(test_accounting),
	cmocka_unit_test(test_drop_lines),
	cmocka_unit_test(test_clear),
	cmocka_unit_test(test_start_after_drop),
	cmocka_unit_test(test_budget),
    };

    return cmocka_run_group_tests_name("evq: event records, flags and loss "
		"accounting", tests, NULL, NULL);
}

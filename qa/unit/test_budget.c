/*
 * test_budget.c - cmocka unit tests for budget.c: defaults, per-user
 * shares and the total, the PMDA's exempt account, run caps, accounts by
 * uid and their references, and when memory is trimmed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../../budget.h"

#define KB	1024ULL
#define MB	(1024ULL * 1024)
#define GB	(1024ULL * MB)

static struct budget_limits	small = { 10 * KB, 4 * KB, 3, 1 };

static void
configure(const struct budget_limits *l)
{
    budget_configure(l);
}

/* the default total: 256 MiB, an eighth of smaller machines, 4 MiB at least */
static void
test_default_total(void **state)
{
    static const struct { unsigned long long phys; size_t want; } rows[] = {
	{ 0, 256 * MB },
	{ 24 * GB, 256 * MB },
	{ 2 * GB, 256 * MB },
	{ 1 * GB, 128 * MB },
	{ 512 * MB, 64 * MB },
	{ 16 * MB, 4 * MB },
	{ 1 * MB, 4 * MB },
    };
    size_t	i;
    int		bad = 0;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
	if (budget_default_total(rows[i].phys) != rows[i].want) {
	    print_error("phys %llu: total %zu, want %zu\n", rows[i].phys,
			budget_default_total(rows[i].phys), rows[i].want);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
}

/* unset limits take their defaults; inconsistent ones are clamped */
static void
test_configure(void **state)
{
    static const struct {
	struct budget_limits	in, want;
    } rows[] = {
	{ { 64 * MB, 0, 0, 0 }, { 64 * MB, 16 * MB, 16, 4 } },
	{ { 64 * MB, 8 * MB, 5, 2 }, { 64 * MB, 8 * MB, 5, 2 } },
	{ { 8 * MB, 64 * MB, 2, 7 }, { 8 * MB, 8 * MB, 2, 2 } },
	{ { 8 * MB, 0, 1, 0 }, { 8 * MB, 2 * MB, 1, 1 } },
    };
    const struct budget_limits	*l;
    size_t			i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
	configure(&rows[i].in);
	l = budget_limits();
	assert_int_equal(l->total, rows[i].want.total);
	assert_int_equal(l->user, rows[i].want.user);
	assert_int_equal(l->runs, rows[i].want.runs);
	assert_int_equal(l->privruns, rows[i].want.privruns);
    }
    configure(&(struct budget_limits){ 0, 0, 0, 0 });
    assert_true(budget_limits()->total >= BUDGET_MIN_TOTAL);
    assert_true(budget_limits()->total <= BUDGET_DEFAULT_TOTAL);
    assert_int_equal(budget_limits()->user, budget_limits()->total / 4);
}

/*
 * A table of charges and releases by three accounts (two users and the
 * PMDA's own) with a 10 KiB total and a 4 KiB share, each with what it
 * must return and what is charged afterwards.
 */
enum who { A, B, PMDA };
enum op { CHARGE, FORCE, RELEASE, OVER };

static const struct step {
    enum op	op;
    enum who	who;
    size_t	n;
    int		sts;		/* of CHARGE and OVER */
    size_t	a, b, pmda;	/* charged afterwards */
} steps[] = {
    { CHARGE, A, 3 * KB, 0, 3 * KB, 0, 0 },
    { OVER, A, 0, 0, 3 * KB, 0, 0 },
    { CHARGE, A, 1 * KB, 0, 4 * KB, 0, 0 },		/* exactly the share */
    { OVER, A, 0, -EDQUOT, 4 * KB, 0, 0 },
    { CHARGE, A, 1, -EDQUOT, 4 * KB, 0, 0 },		/* nothing charged */
    { CHARGE, B, 4 * KB, 0, 4 * KB, 4 * KB, 0 },	/* B has its own share */
    { OVER, B, 0, -EDQUOT, 4 * KB, 4 * KB, 0 },
    { CHARGE, PMDA, 2 * KB, 0, 4 * KB, 4 * KB, 2 * KB },	/* total: 10 KiB */
    { OVER, PMDA, 0, -ENOMEM, 4 * KB, 4 * KB, 2 * KB },
    { CHARGE, PMDA, 1, -ENOMEM, 4 * KB, 4 * KB, 2 * KB },	/* the total binds it */
    { RELEASE, B, 3 * KB, 0, 4 * KB, 1 * KB, 2 * KB },
    { OVER, B, 0, 0, 4 * KB, 1 * KB, 2 * KB },
    { CHARGE, PMDA, 3 * KB, 0, 4 * KB, 1 * KB, 5 * KB },	/* beyond a share */
    { OVER, PMDA, 0, -ENOMEM, 4 * KB, 1 * KB, 5 * KB },
    { OVER, B, 0, -ENOMEM, 4 * KB, 1 * KB, 5 * KB },	/* the total is spent */
    { CHARGE, B, 1, -ENOMEM, 4 * KB, 1 * KB, 5 * KB },
    { FORCE, B, 5 * KB, 0, 4 * KB, 6 * KB, 5 * KB },	/* a lossless producer */
    { OVER, B, 0, -ENOMEM, 4 * KB, 6 * KB, 5 * KB },
    { RELEASE, PMDA, 5 * KB, 0, 4 * KB, 6 * KB, 0 },
    { OVER, B, 0, -ENOMEM, 4 * KB, 6 * KB, 0 },		/* 10 KiB still */
    { RELEASE, A, 1 * KB, 0, 3 * KB, 6 * KB, 0 },
    { OVER, B, 0, -EDQUOT, 3 * KB, 6 * KB, 0 },		/* over its share */
    { OVER, A, 0, 0, 3 * KB, 6 * KB, 0 },
    { RELEASE, B, 100 * KB, 0, 3 * KB, 0, 0 },		/* never below zero */
    { RELEASE, A, 3 * KB, 0, 0, 0, 0 },
};

static void
test_charges(void **state)
{
    struct budget_acct	*acct[3];
    size_t		i;
    int			sts, bad = 0;

    (void)state;
    configure(&small);
    acct[A] = budget_get(1000);
    acct[B] = budget_get(1001);
    acct[PMDA] = budget_pmda();
    assert_non_null(acct[A]);
    assert_non_null(acct[B]);
    assert_true(budget_exempt(acct[PMDA]));
    assert_false(budget_exempt(acct[A]));
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
	const struct step	*s = &steps[i];
	struct budget_acct	*a = acct[s->who];

	sts = 0;
	switch (s->op) {
	case CHARGE:
	    sts = budget_charge(a, s->n);
	    break;
	case FORCE:
	    budget_force(a, s->n);
	    break;
	case RELEASE:
	    budget_release(a, s->n);
	    break;
	case OVER:
	    sts = budget_over(a);
	    break;
	}
	if (sts != s->sts || budget_used(acct[A]) != s->a || budget_used(acct[B]) != s->b ||
	    budget_used(acct[PMDA]) != s->pmda ||
	    budget_used(NULL) != s->a + s->b + s->pmda) {
	    print_error("step %zu: sts %d (want %d), charged %zu %zu %zu "
			"(want %zu %zu %zu), total %zu\n", i, sts, s->sts,
			budget_used(acct[A]), budget_used(acct[B]), budget_used(acct[PMDA]),
			s->a, s->b, s->pmda, budget_used(NULL));
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
    budget_put(acct[A]);
    budget_put(acct[B]);
    budget_put(acct[PMDA]);
}

/*
 * one account per uid, one per anonymous context; uid 0 is the PMDA's
 * own; references keep it
 */
static void
test_accounts(void **state)
{
    struct budget_acct	*a, *a2, *b, *anon, *anon2, *root, *pmda;
    struct budget_usage	u;

    (void)state;
    configure(&small);
    a = budget_get(1000);
    a2 = budget_get(1000);
    b = budget_get(1001);
    anon = budget_get(BUDGET_ANON);
    root = budget_get(0);
    pmda = budget_pmda();
    assert_ptr_equal(a, a2);
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(anon, a);
    assert_ptr_equal(root, pmda);
    assert_int_equal(budget_uid(a), 1000);
    assert_int_equal(budget_uid(anon), BUDGET_ANON);
    assert_int_equal(budget_uid(root), 0);
    assert_false(budget_exempt(anon));

    /*
     * Anonymous contexts are not one user: another's account is its own,
     * its runs and charges capped apart from the first's (small: 3 runs,
     * 1 privileged)
     */
    anon2 = budget_get(BUDGET_ANON);
    assert_ptr_not_equal(anon2, anon);
    assert_int_equal(budget_uid(anon2), BUDGET_ANON);
    assert_int_equal(budget_run_begin(anon, 1), 0);
    assert_int_equal(budget_run_begin(anon, 1), -EAGAIN);
    assert_int_equal(budget_run_begin(anon2, 1), 0);
    assert_int_equal(budget_charge(anon, small.user), 0);
    assert_int_equal(budget_charge(anon2, small.user), 0);
    budget_usage(anon2, &u);
    assert_int_equal(u.used, small.user);
    assert_int_equal(u.privruns, 1);
    assert_int_equal(u.refused, 0);
    budget_release(anon, small.user);
    budget_release(anon2, small.user);
    budget_run_end(anon, 1);
    budget_run_end(anon2, 1);
    assert_null(budget_put(anon2));

    assert_int_equal(budget_charge(a, 100), 0);
    assert_int_equal(budget_run_begin(a, 0), 0);
    budget_put(a2);			/* a is still referenced */
    budget_usage(budget_get(1000), &u);	/* (a third reference) */
    assert_int_equal(u.used, 100);
    assert_int_equal(u.runs, 1);
    budget_put(a);
    budget_release(a, 100);
    budget_run_end(a, 0);
    assert_null(budget_put(a));		/* the last one: gone */
    a = budget_get(1000);		/* a new, empty account */
    budget_usage(a, &u);
    assert_int_equal(u.used, 0);
    assert_int_equal(u.runs, 0);
    assert_int_equal(u.refused, 0);

    /* the PMDA's account outlives any number of puts */
    budget_put(root);
    budget_put(pmda);
    budget_put(pmda);
    assert_int_equal(budget_charge(budget_pmda(), 1), 0);
    assert_int_equal(budget_used(budget_pmda()), 1);
    budget_release(budget_pmda(), 1);

    budget_put(a);
    budget_put(b);
    budget_put(anon);
}

/* runs: the per-user cap, the smaller privileged cap, the exempt PMDA */
static void
test_runs(void **state)
{
    struct budget_acct	*a, *b, *pmda;
    struct budget_usage	u;
    int			i;

    (void)state;
    configure(&small);			/* 3 runs, 1 privileged */
    a = budget_get(2000);
    b = budget_get(2001);
    pmda = budget_pmda();
    assert_int_equal(budget_run_begin(a, 1), 0);
    assert_int_equal(budget_run_begin(a, 1), -EAGAIN);	/* privileged cap */
    assert_int_equal(budget_run_begin(a, 0), 0);
    assert_int_equal(budget_run_begin(a, 0), 0);
    assert_int_equal(budget_run_begin(a, 0), -EAGAIN);	/* 3 runs */
    assert_int_equal(budget_run_begin(b, 1), 0);	/* another user */
    for (i = 0; i < 10; i++)
	assert_int_equal(budget_run_begin(pmda, 1), 0);	/* exempt */
    budget_usage(a, &u);
    assert_int_equal(u.runs, 3);
    assert_int_equal(u.privruns, 1);
    assert_int_equal(u.refused, 2);
    budget_usage(NULL, &u);
    assert_int_equal(u.runs, 14);
    assert_int_equal(u.privruns, 12);

    budget_run_end(a, 1);		/* the privileged one ended */
    assert_int_equal(budget_run_begin(a, 1), 0);
    budget_run_end(a, 0);
    assert_int_equal(budget_run_begin(a, 1), -EAGAIN);
    assert_int_equal(budget_run_begin(a, 0), 0);

    /* a user whose memory share is spent starts nothing */
    budget_run_end(a, 0);
    assert_int_equal(budget_charge(a, small.user), 0);
    assert_int_equal(budget_run_begin(a, 0), -EDQUOT);
    budget_release(a, small.user);
    /* nor does anyone while the total is spent, the PMDA included */
    budget_force(pmda, small.total);
    assert_int_equal(budget_run_begin(a, 0), -ENOMEM);
    assert_int_equal(budget_run_begin(pmda, 0), -ENOMEM);
    budget_release(pmda, small.total);
    assert_int_equal(budget_run_begin(a, 0), 0);

    /* ending more than began is harmless */
    for (i = 0; i < 5; i++)
	budget_run_end(b, 1);
    budget_usage(b, &u);
    assert_int_equal(u.runs, 0);
    assert_int_equal(u.privruns, 0);
    for (i = 0; i < 3; i++)
	budget_run_end(a, i == 0);
    for (i = 0; i < 10; i++)
	budget_run_end(pmda, 1);
    budget_usage(NULL, &u);
    assert_int_equal(u.runs, 0);
    assert_int_equal(u.privruns, 0);
    budget_put(a);
    budget_put(b);
    budget_put(pmda);
}

/* no account: nothing is charged or counted, nothing refused */
static void
test_null(void **state)
{
    struct budget_usage	before, after;

    (void)state;
    configure(&small);
    budget_usage(NULL, &before);
    assert_int_equal(budget_charge(NULL, 1 * GB), 0);
    budget_force(NULL, 1 * GB);
    budget_release(NULL, 1);
    budget_dropped(NULL);
    assert_int_equal(budget_over(NULL), 0);
    assert_int_equal(budget_run_begin(NULL, 1), 0);
    budget_run_end(NULL, 1);
    assert_null(budget_ref(NULL));
    assert_null(budget_put(NULL));
    budget_usage(NULL, &after);
    assert_memory_equal(&before, &after, sizeof(before));
}

/* drops are counted per account and in total */
static void
test_dropped(void **state)
{
    struct budget_acct	*a = budget_get(3000);
    struct budget_usage	u, all0, all;

    (void)state;
    budget_usage(NULL, &all0);
    budget_dropped(a);
    budget_dropped(a);
    budget_usage(a, &u);
    budget_usage(NULL, &all);
    assert_int_equal(u.dropped, 2);
    assert_int_equal(all.dropped, all0.dropped + 2);
    budget_put(a);
}

/* the tick trims once 1 MiB was released since the last time */
static void
test_trim(void **state)
{
    struct budget_acct	*a = budget_get(4000);

    (void)state;
    configure(&(struct budget_limits){ 64 * MB, 64 * MB, 1, 1 });
    budget_trim();			/* whatever earlier tests released */
    assert_int_equal(budget_trim(), 0);
    assert_int_equal(budget_charge(a, 2 * MB), 0);
    budget_release(a, 512 * KB);
    assert_int_equal(budget_trim(), 0);
    budget_release(a, 512 * KB);
    assert_int_equal(budget_trim(), 1);
    assert_int_equal(budget_trim(), 0);
    budget_note_freed(1 * MB);		/* freed outside the accounts */
    assert_int_equal(budget_trim(), 1);
    budget_release(a, 1 * MB);
    budget_malloc_init();		/* harmless at any time */
    assert_int_equal(budget_trim(), 1);
    budget_put(a);
}

int
main(void)
{
    const struct CMUnitTest	tests[] = {
	cmocka_unit_test(test_default_total),
	cmocka_unit_test(test_configure),
	cmocka_unit_test(test_charges),
	cmocka_unit_test(test_accounts),
	cmocka_unit_test(test_runs),
	cmocka_unit_test(test_null),
	cmocka_unit_test(test_dropped),
	cmocka_unit_test(test_trim),
    };

    return cmocka_run_group_tests_name("budget: memory shares and run caps",
		tests, NULL, NULL);
}

/*
 * budget.c - memory budget accounts and run caps.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "budget.h"

/* blocks this large are mmap'd: freed, they go back at once */
#define MMAP_THRESHOLD		(256 * 1024)
/* free heap top beyond this is given back by free() itself */
#define TRIM_THRESHOLD		(1024 * 1024)
/* released since the last malloc_trim before the tick trims again */
#define TRIM_AFTER		(1024 * 1024)

struct budget_acct {
    struct budget_acct	*next, *prev;
    uid_t		uid;
    int			exempt;		/* the PMDA's own: no per-user limits */
    int			refs;
    struct budget_usage	u;
};

static struct budget_limits	limits = {
    BUDGET_DEFAULT_TOTAL, BUDGET_DEFAULT_TOTAL / 4,
    BUDGET_DEFAULT_RUNS, BUDGET_DEFAULT_PRIVRUNS
};
static struct budget_acct	pmda_acct = { .uid = 0, .exempt = 1, .refs = 1 };
static struct budget_acct	*accts;		/* users' accounts */
static struct budget_usage	total;
static size_t			released;	/* since the last trim */

size_t
budget_default_total(unsigned long long phys)
{
    if (phys > 0 && phys / 8 < BUDGET_DEFAULT_TOTAL)
	return phys / 8 < BUDGET_MIN_TOTAL ? BUDGET_MIN_TOTAL : (size_t)(phys / 8);
    return BUDGET_DEFAULT_TOTAL;
}

void
budget_configure(const struct budget_limits *l)
{
    long	pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

    limits = *l;
    if (limits.total == 0)
	limits.total = budget_default_total(pages > 0 && psize > 0 ?
				(unsigned long long)pages * psize : 0);
    if (limits.user == 0)
	limits.user = limits.total / 4;
    if (limits.user > limits.total)
	limits.user = limits.total;
    if (limits.runs <= 0)
	limits.runs = BUDGET_DEFAULT_RUNS;
    if (limits.privruns <= 0)
	limits.privruns = BUDGET_DEFAULT_PRIVRUNS;
    if (limits.privruns > limits.runs)
	limits.privruns = limits.runs;
}

const struct budget_limits *
budget_limits(void)
{
    return &limits;
}

struct budget_acct *
budget_pmda(void)
{
    return budget_ref(&pmda_acct);
}

struct budget_acct *
budget_get(uid_t uid)
{
    struct budget_acct	*a;

    if (uid == 0)
	return budget_pmda();
    /* nothing says two anonymous clients are one: each its own account */
    for (a = accts; a != NULL && uid != BUDGET_ANON; a = a->next)
	if (a->uid == uid)
	    return budget_ref(a);
    if ((a = calloc(1, sizeof(*a))) == NULL)
	return NULL;
    a->uid = uid;
    a->refs = 1;
    a->next = accts;
    if (accts)
	accts->prev = a;
    accts = a;
    return a;
}

struct budget_acct *
budget_ref(struct budget_acct *a)
{
    if (a)
	a->refs++;
    return a;
}

struct budget_acct *
budget_put(struct budget_acct *a)
{
    if (a == NULL || --a->refs > 0 || a == &pmda_acct)
	return NULL;
    /* nothing can be charged to it any more: its holders are gone */
    if (a->prev)
	a->prev->next = a->next;
    else
	accts = a->next;
    if (a->next)
	a->next->prev = a->prev;
    free(a);
    return NULL;
}

/* would n more bytes take a over a limit? */
static int
over(const struct budget_acct *a, size_t n)
{
    if (total.used + n > limits.total || total.used + n < total.used)
	return -ENOMEM;
    if (!a->exempt && a->u.used + n > limits.user)
	return -EDQUOT;
    return 0;
}

int
budget_charge(struct budget_acct *a, size_t n)
{
    int		sts;

    if (a == NULL)
	return 0;
    if ((sts = over(a, n)) < 0)
	return sts;
    budget_force(a, n);
    return 0;
}

void
budget_force(struct budget_acct *a, size_t n)
{
    if (a == NULL)
	return;
    a->u.used += n;
    total.used += n;
}

void
budget_uncharge(struct budget_acct *a, size_t n)
{
    if (a == NULL)
	return;
    /* never below zero, whatever a caller got wrong */
    if (n > a->u.used)
	n = a->u.used;
    a->u.used -= n;
    total.used -= n < total.used ? n : total.used;
}

void
budget_release(struct budget_acct *a, size_t n)
{
    if (a == NULL)
	return;
    budget_uncharge(a, n);
    released += n;
}

int
budget_over(const struct budget_acct *a)
{
    if (a == NULL)
	return 0;
    if (total.used >= limits.total)
	return -ENOMEM;
    if (!a->exempt && a->u.used >= limits.user)
	return -EDQUOT;
    return 0;
}

void
budget_dropped(struct budget_acct *a)
{
    if (a == NULL)
	return;
    a->u.dropped++;
    total.dropped++;
}

int
budget_run_begin(struct budget_acct *a, int privileged)
{
    int		sts = 0;

    if (a == NULL)
	return 0;
    if (!a->exempt && (a->u.runs >= limits.runs ||
		       (privileged && a->u.privruns >= limits.privruns)))
	sts = -EAGAIN;
    else
	sts = budget_over(a);
    if (sts < 0) {
	a->u.refused++;
	total.refused++;
	return sts;
    }
    a->u.runs++;
    total.runs++;
    if (privileged) {
	a->u.privruns++;
	total.privruns++;
    }
    return 0;
}

void
budget_run_end(struct budget_acct *a, int privileged)
{
    if (a == NULL)
	return;
    if (a->u.runs > 0) {
	a->u.runs--;
	total.runs--;
    }
    if (privileged && a->u.privruns > 0) {
	a->u.privruns--;
	total.privruns--;
    }
}

void
budget_usage(const struct budget_acct *a, struct budget_usage *u)
{
    *u = a ? a->u : total;
}

size_t
budget_used(const struct budget_acct *a)
{
    return a ? a->u.used : total.used;
}

uid_t
budget_uid(const struct budget_acct *a)
{
    return a ? a->uid : 0;
}

int
budget_exempt(const struct budget_acct *a)
{
    return a ? a->exempt : 1;
}

void
budget_malloc_init(void)
{
    /*
     * Fixed thresholds: glibc otherwise raises the mmap threshold to the
     * size of each mmap'd block freed, and 1 MiB queue chunks then stay
     * on the heap, where fragmentation keeps them after they are freed.
     */
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
}

void
budget_note_freed(size_t n)
{
    released += n;
}

int
budget_trim(void)
{
    if (released < TRIM_AFTER)
	return 0;
    released = 0;
    malloc_trim(0);
    return 1;
}

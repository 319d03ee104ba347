/*
 * budget.h - the PMDA's memory budget and per-user run caps.
 *
 * Every byte a client can make the PMDA hold (record queues, partial-line
 * buffers) is charged to an account: one per user (uid), shared by all
 * of its contexts and runs; an anonymous client (pmcd named no uid) has
 * one of its own, per context.  Charges count against the user's share
 * (pmdapipe -S) and the total (-M); runs against the per-user caps on
 * concurrent runs (-R, and -P for runs granted capabilities).  Root's
 * clients and the PMDA's own (autostart) runs share one account that is
 * exempt from the per-user limits but not from the total.
 *
 * Pure accounting: no libpcp, no logging (callers log).  It also owns the
 * allocator policy that gives freed memory back to the system.
 */
#ifndef PIPE_BUDGET_H
#define PIPE_BUDGET_H

#include <stddef.h>
#include <sys/types.h>

#define BUDGET_ANON		((uid_t)-1)	/* a client pmcd named no uid for */
#define BUDGET_DEFAULT_TOTAL	(256ULL * 1024 * 1024)
#define BUDGET_MIN_TOTAL	(4ULL * 1024 * 1024)
#define BUDGET_DEFAULT_RUNS	16
#define BUDGET_DEFAULT_PRIVRUNS	4

struct budget_limits {
    size_t	total;		/* -M: bytes, everything charged */
    size_t	user;		/* -S: bytes, each user's share */
    int		runs;		/* -R: concurrent runs per user */
    int		privruns;	/* -P: concurrent privileged runs per user */
};

struct budget_acct;

/*
 * The limits: 0 fields take their defaults (total: 256 MiB, or an eighth
 * of physical memory where that is less; user: a quarter of the total;
 * runs 16; privruns 4, at most runs).
 */
void budget_configure(const struct budget_limits *);
const struct budget_limits *budget_limits(void);
/* the default total for a machine with phys bytes of memory (0: unknown) */
size_t budget_default_total(unsigned long long phys);

/*
 * The account of a user, with one more reference (uid 0 is the PMDA's
 * own account, as budget_pmda; BUDGET_ANON a new account each call, for
 * one anonymous context); NULL only when out of memory.
 */
struct budget_acct *budget_get(uid_t uid);
/* the PMDA's own account (autostart runs, root's clients), referenced */
struct budget_acct *budget_pmda(void);
struct budget_acct *budget_ref(struct budget_acct *);
/* drop a reference (NULL-safe); returns NULL */
struct budget_acct *budget_put(struct budget_acct *);

/*
 * Charge n bytes to a (NULL: nothing is charged).  Returns 0, or, with
 * nothing charged, -EDQUOT when the user's share would be exceeded and
 * -ENOMEM when the total would.
 */
int budget_charge(struct budget_acct *a, size_t n);
/* charge n bytes even beyond the limits (a producer that stops reading) */
void budget_force(struct budget_acct *a, size_t n);
void budget_release(struct budget_acct *a, size_t n);
/*
 * Lend a charge for memory still held: budget_uncharge gives n bytes
 * back for a moment (while what that memory holds moves to a queue),
 * budget_force takes the rest back once it is known.
 */
void budget_uncharge(struct budget_acct *a, size_t n);
/* 0 while a may charge more; else -EDQUOT or -ENOMEM, as budget_charge */
int budget_over(const struct budget_acct *a);
/* a line was dropped because a's charge was refused */
void budget_dropped(struct budget_acct *a);

/*
 * A run of a's starts: 0, or, with nothing counted but the refusal,
 * -EAGAIN when the user already has its cap of runs (-R) or of
 * privileged runs (-P), -EDQUOT / -ENOMEM when its share / the total
 * memory is spent (budget_over).
 */
int budget_run_begin(struct budget_acct *a, int privileged);
void budget_run_end(struct budget_acct *a, int privileged);

/* what is charged and counted */
struct budget_usage {
    size_t		used;		/* bytes charged */
    int			runs;		/* runs going on */
    int			privruns;	/* ... that are privileged */
    unsigned long long	dropped;	/* lines dropped for the budget */
    unsigned long long	refused;	/* runs refused */
};
/* a's usage, or with a NULL the total over every account */
void budget_usage(const struct budget_acct *a, struct budget_usage *);
/* bytes charged to a, or with a NULL to every account */
size_t budget_used(const struct budget_acct *a);
uid_t budget_uid(const struct budget_acct *a);
int budget_exempt(const struct budget_acct *a);

/*
 * The allocator: at start, have large blocks (queue chunks, long-line
 * buffers) mmap'd so that freeing them returns them; and on the PMDA's
 * tick give back freed heap pages once enough was released since the
 * last time.  budget_trim returns 1 when it trimmed.
 */
void budget_malloc_init(void);
int budget_trim(void);
/* memory freed outside the accounts (e.g. event arrays): trim for it too */
void budget_note_freed(size_t n);

#endif /* PIPE_BUDGET_H */

/*
 * evq.h - one client's queue of event records for one instance: lines,
 * stderr lines and exit status, with START/POINT/END flags, a memory
 * bound and loss accounting (records dropped are reported, never silent).
 */
#ifndef PIPE_EVQ_H
#define PIPE_EVQ_H

#include <stddef.h>
#include <sys/time.h>
#include "budget.h"

enum evkind {
    EV_LINE,		/* a line of stdout: pipe.line */
    EV_STDERR,		/* a line of stderr: pipe.stderr */
    EV_EXIT,		/* end of a run: pipe.exitstatus */
};

struct evrec {
    struct evrec	*next;
    struct timeval	tv;
    unsigned int	flags;		/* PM_EVENT_FLAG_* */
    enum evkind		kind;
    int			status;		/* EV_EXIT: exit code or 128+signal */
    unsigned int	missed;		/* records dropped just before this */
    size_t		len;		/* bytes of data, excluding the NUL */
    char		data[];		/* NUL-terminated copy */
};

/*
 * Records live in chunks appended in queue order and freed once their
 * last record is popped (records leave a queue only from its head), so a
 * line costs no malloc of its own.  Chunks grow from 1 KiB to 1 MiB while
 * a queue keeps filling; each is charged to the queue's budget account
 * (header included) until it is freed.
 */
struct evchunk {
    struct evchunk	*next;
    size_t		size;		/* bytes of buf */
    size_t		used;		/* bytes of buf handed out */
    size_t		live;		/* records not yet popped */
    _Alignas(max_align_t) unsigned char buf[];
};

struct evq {
    struct evrec	*head, *tail;
    struct evchunk	*chead, *ctail;	/* chunks holding head .. tail */
    size_t		chunk_size;	/* size of the next chunk */
    size_t		mem;		/* bytes held */
    size_t		maxmem;		/* bound on mem for lines */
    size_t		count;		/* records held */
    unsigned long long	lines;		/* lines ever offered */
    unsigned long long	bytes;		/* line bytes ever offered */
    unsigned long long	dropped;	/* records ever dropped */
    unsigned int	pending_missed;	/* dropped since the last queued record */
    int			need_start;	/* next record begins a run */
    int			lossless;	/* overflow = block: never drop */
    int			ring;		/* shared queue: drop the oldest */
    unsigned long long	head_seq;	/* sequence number of head */
    struct budget_acct	*acct;		/* chunks are charged to it (NULL: none) */
};

void evq_init(struct evq *, size_t maxmem);
/* drop every record and release their memory (NULL-safe fields) */
void evq_clear(struct evq *);
/* the next records belong to a new run: the first is flagged START */
void evq_run_start(struct evq *);

/*
 * Queue a record.  Lines are dropped (counted, and reported to the client
 * with the next record or fetch) when they would take the queue over
 * maxmem, or when the memory budget refuses the queue's account the
 * chunk they need, unless the queue is lossless (the producer is then
 * expected to stop reading once evq_full or budget_over says so); an
 * EV_EXIT record is always queued.  Returns 0 queued, 1 dropped, -ENOMEM.
 */
int evq_push(struct evq *, enum evkind, const char *data, size_t len,
		int status, const struct timeval *);

/* memory a record of len bytes costs against maxmem */
size_t evq_cost(size_t len);

static inline int evq_full(const struct evq *q) { return q->mem >= q->maxmem; }
/* would evq_push drop any line now (a full queue that drops, not a ring)? */
static inline int evq_drops_all(const struct evq *q)
{
    return !q->lossless && !q->ring && q->mem + evq_cost(0) > q->maxmem;
}
/*
 * n lines of bytes bytes (without their newlines) dropped as evq_push
 * would have dropped them while evq_drops_all says so: counted the same
 */
void evq_drop_lines(struct evq *, unsigned long n, unsigned long long bytes);
/* room again for a paused producer: below half the bound */
static inline int evq_low(const struct evq *q) { return q->mem < q->maxmem / 2; }
static inline struct evrec *evq_peek(const struct evq *q) { return q->head; }
/* unlink and free the head record */
void evq_pop(struct evq *);
/* records dropped after the last queued record: returns and clears */
unsigned int evq_take_missed(struct evq *);


/*
 * A reader of a shared (ring) queue: its position, as a sequence number,
 * in the queue of generation gen.  Readers take nothing away from the
 * queue or from each other.
 */
struct evq_cursor {
    unsigned long long	next;		/* sequence number of its next record */
    unsigned long	gen;		/* the queue it is positioned in */
    int			attached;
};

/*
 * Position c in q (generation gen): a new reader starts at the end, as
 * pmdaEventQueue readers do; a reader of an older generation of the queue
 * (the instance was removed and added back) starts at its beginning.  A
 * reader already attached to gen stays where it is.
 */
void evq_cursor_attach(struct evq_cursor *c, const struct evq *q,
		unsigned long gen);
/* q's first record at or after c; *missed: records c fell behind on */
const struct evrec *evq_cursor_first(struct evq_cursor *c, const struct evq *q,
		unsigned int *missed);

#endif /* PIPE_EVQ_H */

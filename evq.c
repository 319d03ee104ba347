/*
 * evq.c - per-client, per-instance event record queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcp/pmapi.h>
#include "evq.h"

#define CHUNK_MIN	1024
#define CHUNK_MAX	(1024 * 1024)

void
evq_init(struct evq *q, size_t maxmem)
{
    memset(q, 0, sizeof(*q));
    q->maxmem = maxmem;
    q->need_start = 1;
    q->chunk_size = CHUNK_MIN;
}

/*
 * Charge a new chunk of *csize bytes to the queue's account; when the
 * budget refuses it, a chunk of just the record's size will do.  A
 * lossless queue is charged regardless: its producer stops reading once
 * the budget is spent (budget_over); so is a record that must be queued
 * (force: an END record).  Returns 0, or 1 when refused.
 */
static int
chunk_charge(struct evq *q, size_t *csize, size_t size, int force)
{
    if (budget_charge(q->acct, sizeof(struct evchunk) + *csize) == 0)
	return 0;
    if (*csize > size &&
	budget_charge(q->acct, sizeof(struct evchunk) + size) == 0) {
	*csize = size;
	return 0;
    }
    if (!q->lossless && !force)
	return 1;
    budget_force(q->acct, sizeof(struct evchunk) + *csize);
    return 0;
}

/*
 * Room for a record of size bytes at the queue's tail, or NULL with
 * *sts set: -ENOMEM (malloc failed), or 1 (the budget refused it).
 */
static struct evrec *
chunk_alloc(struct evq *q, size_t size, int force, int *sts)
{
    struct evchunk	*c = q->ctail;
    size_t		csize;

    *sts = 0;

    size = (size + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    if (c == NULL || c->size - c->used < size) {
	if (c != NULL && q->chunk_size < CHUNK_MAX)
	    q->chunk_size *= 2;		/* still filling: grow */
	csize = size > q->chunk_size ? size : q->chunk_size;
	if ((*sts = chunk_charge(q, &csize, size, force)) != 0)
	    return NULL;
	if ((c = malloc(sizeof(*c) + csize)) == NULL) {
	    budget_uncharge(q->acct, sizeof(*c) + csize);
	    *sts = -ENOMEM;
	    return NULL;
	}
	c->next = NULL;
	c->size = csize;
	c->used = c->live = 0;
	if (q->ctail)
	    q->ctail->next = c;
	else
	    q->chead = c;
	q->ctail = c;
    }
    c->used += size;
    c->live++;
    return (struct evrec *)(c->buf + c->used - size);
}

/* the head record (in the head chunk) is gone */
static void
chunk_release(struct evq *q)
{
    struct evchunk	*c = q->chead;

    if (c == NULL || --c->live > 0)
	return;
    q->chead = c->next;
    if (q->chead == NULL) {
	q->ctail = NULL;
	q->chunk_size = CHUNK_MIN;	/* drained: start small again */
    }
    budget_release(q->acct, sizeof(*c) + c->size);
    free(c);
}

size_t
evq_cost(size_t len)
{
    return sizeof(struct evrec) + len + 1;
}

void
evq_pop(struct evq *q)
{
    struct evrec	*r = q->head;

    if (r == NULL)
	return;
    q->head = r->next;
    if (q->head == NULL)
	q->tail = NULL;
    q->mem -= evq_cost(r->len);
    q->count--;
    q->head_seq++;
    chunk_release(q);
}

void
evq_clear(struct evq *q)
{
    while (q->head)
	evq_pop(q);
    q->pending_missed = 0;
}

void
evq_run_start(struct evq *q)
{
    q->need_start = 1;
}

unsigned int
evq_take_missed(struct evq *q)
{
    unsigned int	n = q->pending_missed;

    q->pending_missed = 0;
    return n;
}

int
evq_push(struct evq *q, enum evkind kind, const char *data, size_t len,
	int status, const struct timeval *tv)
{
    struct evrec	*r;
    size_t		cost = evq_cost(len);
    int			sts;

    if (kind != EV_EXIT) {
	q->lines++;
	q->bytes += len;
	if (!q->lossless && !q->ring && q->mem + cost > q->maxmem) {
	    q->dropped++;
	    q->pending_missed++;
	    return 1;
	}
    }
    if ((r = chunk_alloc(q, cost, kind == EV_EXIT, &sts)) == NULL) {
	q->dropped++;
	q->pending_missed++;
	if (sts == -ENOMEM)
	    return -ENOMEM;
	budget_dropped(q->acct);	/* the budget refused it */
	return 1;
    }
    r->next = NULL;
    r->tv = *tv;
    r->kind = kind;
    r->status = status;
    r->len = len;
    if (len)
	memcpy(r->data, data, len);
    r->data[len] = '\0';
    r->missed = q->pending_missed;
    q->pending_missed = 0;
    if (kind == EV_EXIT)
	r->flags = PM_EVENT_FLAG_END | (q->need_start ? PM_EVENT_FLAG_START : 0);
    else
	r->flags = q->need_start ? PM_EVENT_FLAG_START : PM_EVENT_FLAG_POINT;
    q->need_start = 0;
    if (q->tail)
	q->tail->next = r;
    else
	q->head = r;
    q->tail = r;
    q->mem += cost;
    q->count++;
    /* a shared queue keeps the newest records; readers behind see a gap */
    while (q->ring && q->mem > q->maxmem && q->head != q->tail) {
	q->dropped++;
	evq_pop(q);
    }
    return 0;
}

void
evq_drop_lines(struct evq *q, unsigned long n, unsigned long long bytes)
{
    q->lines += n;
    q->bytes += bytes;
    q->dropped += n;
    q->pending_missed += n;
}

void
evq_cursor_attach(struct evq_cursor *c, const struct evq *q, unsigned long gen)
{
    if (!c->attached) {
	c->attached = 1;
	c->gen = gen;
	c->next = q->head_seq + q->count;
    } else if (c->gen != gen) {
	c->gen = gen;
	c->next = q->head_seq;
    }
}

const struct evrec *
evq_cursor_first(struct evq_cursor *c, const struct evq *q,
	unsigned int *missed)
{
    const struct evrec	*r;
    unsigned long long	seq;

    *missed = 0;
    if (c->next < q->head_seq) {
	*missed = (unsigned int)(q->head_seq - c->next);
	c->next = q->head_seq;
    }
    for (seq = q->head_seq, r = q->head; r != NULL && seq < c->next; r = r->next)
	seq++;
    return r;
}

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

/* room for a record of size bytes at the queue's tail, or NULL */
static struct evrec *
chunk_alloc(struct evq *q, size_t size)
{
    struct evchunk	*c = q->ctail;
    size_t		csize;

    size = (size + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    if (c == NULL || c->size - c->used < size) {
	if (c != NULL && q->chunk_size < CHUNK_MAX)
	    q->chunk_size *= 2;		/* still filling: grow */
	csize = size > q->chunk_size ? size : q->chunk_size;
	if ((c = malloc(sizeof(*c) + csize)) == NULL)
	    return NULL;
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

    if (kind != EV_EXIT) {
	q->lines++;
	q->bytes += len;
	if (!q->lossless && !q->ring && q->mem + cost > q->maxmem) {
	    q->dropped++;
	    q->pending_missed++;
	    return 1;
	}
    }
    if ((r = chunk_alloc(q, cost)) == NULL) {
	q->dropped++;
	q->pending_missed++;
	return -ENOMEM;
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

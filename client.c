/*
 * client.c - per-context table and the readers' queues.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "client.h"
#include "fetch.h"
#include "session.h"
#include "text.h"

static struct client	**clients;	/* indexed by context number */
static int		nclients;	/* size of clients[] */
static int		live;		/* clients in use */

struct client *
client_get(int ctx, int create)
{
    struct client	**nc, *c;
    int			n;

    if (ctx < 0)
	return NULL;
    if (ctx < nclients && clients[ctx] != NULL)
	return clients[ctx];
    if (!create)
	return NULL;
    if (ctx >= nclients) {
	n = ctx + 16;
	if ((nc = realloc(clients, n * sizeof(*nc))) == NULL)
	    return NULL;
	memset(nc + nclients, 0, (n - nclients) * sizeof(*nc));
	clients = nc;
	nclients = n;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL)
	return NULL;
    c->ctx = ctx;
    clients[ctx] = c;
    live++;
    return c;
}

/* ---- the sink a reader's runs write to ---- */

static int
reader_line(void *arg, enum evkind kind, const char *data, size_t len,
	const struct timeval *tv)
{
    struct reader	*r = arg;

    return evq_push(&r->q, kind, data, len, 0, tv);
}

/* overflow = block: the queue is full, or its user's memory is spent */
static int
reader_blocked(void *arg)
{
    struct reader	*r = arg;

    return r->q.lossless && (evq_full(&r->q) || budget_over(r->q.acct) < 0);
}

static void
reader_end(void *arg, int status, const char *reason)
{
    struct reader	*r = arg;
    struct timeval	now;

    gettimeofday(&now, NULL);
    evq_push(&r->q, EV_EXIT, reason, reason ? strlen(reason) : 0, status, &now);
    r->run = NULL;
}

static int
reader_full(void *arg)
{
    return evq_drops_all(&((struct reader *)arg)->q);
}

static void
reader_dropped(void *arg, unsigned long n, unsigned long long bytes)
{
    evq_drop_lines(&((struct reader *)arg)->q, n, bytes);
}

static const struct sink_ops reader_ops = {
    reader_line, reader_blocked, reader_end, reader_full, reader_dropped
};

/*
 * The budget account its queues and runs are charged to: its user's (the
 * uid pmcd passed; a client without one an account of its own), taken when
 * its first reader is made.
 */
static struct budget_acct *
client_acct(struct client *c)
{
    if (c->acct == NULL)
	c->acct = budget_get(c->id.have_uid ? c->id.uid : BUDGET_ANON);
    return c->acct;
}

struct reader *
client_reader(struct client *c, int inst, int create)
{
    struct reader	**nr, *r;
    int			n;

    if (inst < 0)
	return NULL;
    if (inst < c->nreaders && c->readers[inst] != NULL)
	return c->readers[inst];
    if (!create)
	return NULL;
    if (inst >= c->nreaders) {
	n = inst + 4;
	if ((nr = realloc(c->readers, n * sizeof(*nr))) == NULL)
	    return NULL;
	memset(nr + c->nreaders, 0, (n - c->nreaders) * sizeof(*nr));
	c->readers = nr;
	c->nreaders = n;
    }
    if (client_acct(c) == NULL || (r = calloc(1, sizeof(*r))) == NULL)
	return NULL;
    r->inst = inst;
    evq_init(&r->q, 0);
    r->q.acct = c->acct;
    r->sink.ops = &reader_ops;
    r->sink.arg = r;
    r->sink.acct = c->acct;
    c->readers[inst] = r;
    return r;
}

int
client_running(const struct client *c, int inst)
{
    return inst >= 0 && inst < c->nreaders && c->readers[inst] != NULL &&
	   c->readers[inst]->run != NULL;
}

int
client_start(struct client *c, int inst, const struct pipe_cmd *cmd,
	const struct params *p, const char *text, size_t maxmem,
	const char *who)
{
    struct reader	*r;

    if ((r = client_reader(c, inst, 1)) == NULL)
	return -ENOMEM;
    if (r->run != NULL) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s params "
			"\"%s\": already running (pid %d)", who,
			TEXT_LOGSTR(cmd->name), TEXT_LOGSTR(text),
			(int)session_pid(r->run));
	return PM_ERR_ISCONN;
    }
    r->q.maxmem = maxmem;	/* the bound may have changed with a reload */
    r->q.lossless = cmd->opts.overflow == OVERFLOW_BLOCK;
    evq_run_start(&r->q);
    return session_start(&r->sink, cmd, inst, p, text, who, &r->run);
}

int
client_fetch(struct client *c, int inst, pmAtomValue *atom)
{
    struct reader	*r = client_reader(c, inst, 0);
    int			arr, n, sts;

    if (r == NULL)
	return PMDA_FETCH_NOVALUES;
    if ((arr = fetch_begin(inst)) < 0)
	return arr;
    if ((n = fetch_records(arr, evq_peek(&r->q))) < 0)
	return n;
    while (n-- > 0)
	evq_pop(&r->q);
    if (r->q.head == NULL &&
	(sts = fetch_missed(arr, evq_take_missed(&r->q))) < 0)
	return sts;
    if (r->run && evq_low(&r->q))
	session_resume(r->run);
    return fetch_done(arr, atom);
}

static void
reader_free(struct reader *r)
{
    if (r->run)
	session_detach(r->run);
    r->run = NULL;
    evq_clear(&r->q);
    free(r);
}

void
client_end(int ctx)
{
    struct client	*c = client_get(ctx, 0);
    int			i;

    if (c == NULL)
	return;
    for (i = 0; i < c->nreaders; i++)
	if (c->readers[i])
	    reader_free(c->readers[i]);
    free(c->readers);
    /* its queues are gone: so is what they were charged */
    c->acct = budget_put(c->acct);
    identity_end(&c->id);
    free(c);
    clients[ctx] = NULL;
    live--;
}

void
client_end_all(void)
{
    int		i;

    for (i = 0; i < nclients; i++)
	client_end(i);
    free(clients);
    clients = NULL;
    nclients = 0;
}

const char *
client_who(const struct client *c, char *buf, size_t len)
{
    return identity_who(c ? &c->id : NULL, buf, len);
}

int
client_count(void)
{
    return live;
}

void
client_foreach_reader(void (*fn)(const struct reader *, void *), void *arg)
{
    int		i, j;

    for (i = 0; i < nclients; i++) {
	if (clients[i] == NULL)
	    continue;
	for (j = 0; j < clients[i]->nreaders; j++)
	    if (clients[i]->readers[j])
		fn(clients[i]->readers[j], arg);
    }
}

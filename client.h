/*
 * client.h - per-context table: each pmcd client context's identity and,
 * per instance, a reader: the queue of its own runs and the command
 * running for it, or its place in a shared instance's stream.  A reader's
 * queue is the sink its runs write to (sink.h): sessions never see it.
 */
#ifndef PIPE_CLIENT_H
#define PIPE_CLIENT_H

#include <pcp/pmapi.h>
#include <sys/types.h>
#include "budget.h"
#include "config.h"
#include "evq.h"
#include "params.h"
#include "policy.h"
#include "sink.h"

struct session;

struct reader {
    int			inst;
    struct evq		q;		/* records of its own runs */
    struct session	*run;		/* its command running, or NULL */
    struct sink		sink;		/* what run writes to: q */
    /* reading a shared (autostart) instance */
    struct evq_cursor	cursor;
    unsigned int	access_gen;	/* configuration the decision is for */
    int			access_sts;	/* 0 or PM_ERR_PERMISSION */
};

struct client {
    int			ctx;
    struct identity	id;		/* from pmcd's attributes; names by policy */
    struct budget_acct	*acct;		/* its user's, from its first reader on */
    struct reader	**readers;	/* indexed by instance id */
    int			nreaders;
};

/* the client for a context; created when create != 0 */
struct client *client_get(int ctx, int create);
/* the context went away: stop its commands and free its queues */
void client_end(int ctx);
/* its reader of inst, created when create != 0 */
struct reader *client_reader(struct client *, int inst, int create);
/* is a command of this client's running for inst? */
int client_running(const struct client *, int inst);
/*
 * Start cmd for the client (instance inst) with parameters p (text as
 * stored, for the log); maxmem bounds its queue.  PM_ERR_ISCONN while its
 * previous run for inst goes on.  Returns 0 or the error the store fails
 * with (logged).
 */
int client_start(struct client *, int inst, const struct pipe_cmd *cmd,
		const struct params *p, const char *text, size_t maxmem,
		const char *who);
/* this fetch's records of the client's own runs of inst (fetch.h) */
int client_fetch(struct client *, int inst, pmAtomValue *);
/* describe the client for logs: "user bob (uid 1000)" or "anonymous" */
const char *client_who(const struct client *, char *buf, size_t len);

int client_count(void);
/* call fn for every reader of every client */
void client_foreach_reader(void (*fn)(const struct reader *, void *), void *arg);
/* end every client (PMDA shutdown) */
void client_end_all(void);

#endif /* PIPE_CLIENT_H */

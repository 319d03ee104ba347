/*
 * shared.c - autostart instances.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "fetch.h"
#include "instances.h"
#include "loop.h"
#include "params.h"
#include "session.h"
#include "shared.h"
#include "sink.h"
#include "text.h"
#include "timeutil.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define STABLE_MS	60000	/* a run this long resets the back-off */

struct shared {
    int			id;
    struct evq		q;		/* a ring: keeps the newest records */
    unsigned long	gen;		/* a new queue each time one is made */
    struct session	*run;
    struct sink		sink;		/* what run writes to: q */
    long		backoff_ms;
    struct timespec	started;
    int			tfd;
    struct loop_watch	wtimer;
};

static struct shared	**shareds;	/* indexed by instance id */
static int		nshareds;
static unsigned long	generations;

static struct shared *
shared_get(int id)
{
    return id >= 0 && id < nshareds ? shareds[id] : NULL;
}

int
shared_is(int id)
{
    return shared_get(id) != NULL;
}

/* the delay before the next try: the current one, and double it */
static long
backoff_next(struct shared *sh)
{
    long	ms = sh->backoff_ms;

    sh->backoff_ms *= 2;
    if (sh->backoff_ms > BACKOFF_MAX_MS)
	sh->backoff_ms = BACKOFF_MAX_MS;
    return ms;
}

static void
shared_start(struct shared *sh)
{
    const struct pipe_cmd	*cmd = inst_cmd(sh->id);
    struct params		p;
    long			ms;
    int				sts;

    if (cmd == NULL || sh->run != NULL)
	return;
    sh->started = mono_now();
    if ((sts = params_parse(cmd->opts.params, &p)) < 0)
	pmNotifyErr(LOG_ERR, "autostart: %s: params \"%s\" are not valid",
		    TEXT_LOGSTR(cmd->name), TEXT_LOGSTR(cmd->opts.params));
    else {
	evq_run_start(&sh->q);
	sts = session_start(&sh->sink, cmd, sh->id, &p, cmd->opts.params,
			    "autostart", &sh->run);
	params_free(&p);
    }
    /* a failure is logged by session_start; try again later */
    if (sts < 0 && cmd->opts.restart != RESTART_NO && sh->tfd >= 0) {
	ms = backoff_next(sh);
	loop_timer_arm(sh->tfd, ms);
	pmNotifyErr(LOG_INFO, "autostart: %s: retrying in %ld ms",
		    TEXT_LOGSTR(cmd->name), ms);
    }
}

static void
on_restart_timer(void *arg, uint32_t events)
{
    struct shared	*sh = arg;

    (void)events;
    loop_timer_ack(sh->tfd);
    shared_start(sh);
}

/* ---- the sink its runs write to ---- */

static int
shared_line(void *arg, enum evkind kind, const char *data, size_t len,
	const struct timeval *tv)
{
    struct shared	*sh = arg;

    return evq_push(&sh->q, kind, data, len, 0, tv);
}

static int
shared_blocked(void *arg)
{
    (void)arg;
    return 0;		/* a ring never makes its command wait */
}

static void
shared_end(void *arg, int status, const char *reason)
{
    struct shared		*sh = arg;
    const struct pipe_cmd	*cmd = inst_cmd(sh->id);
    struct timeval		now;
    long			ms;

    gettimeofday(&now, NULL);
    evq_push(&sh->q, EV_EXIT, reason, reason ? strlen(reason) : 0, status, &now);
    sh->run = NULL;
    if (cmd == NULL || !cmd->opts.autostart)
	return;
    if (cmd->opts.restart == RESTART_NO ||
	(cmd->opts.restart == RESTART_ON_FAILURE && status == 0)) {
	pmNotifyErr(LOG_INFO, "autostart: %s exited with status %d, not "
		    "restarting (restart = %s)", TEXT_LOGSTR(cmd->name), status,
		    cmd->opts.restart == RESTART_NO ? "no" : "on-failure");
	return;
    }
    if (ms_since(&sh->started) >= STABLE_MS)
	sh->backoff_ms = BACKOFF_MIN_MS;
    ms = backoff_next(sh);
    pmNotifyErr(LOG_INFO, "autostart: %s exited with status %d, restarting "
		"in %ld ms", TEXT_LOGSTR(cmd->name), status, ms);
    if (sh->tfd >= 0)
	loop_timer_arm(sh->tfd, ms);
}

/* (a ring keeps the newest lines: it never drops every line, no full) */
static const struct sink_ops shared_ops = {
    shared_line, shared_blocked, shared_end, NULL, NULL
};

int
shared_attach(int id, struct evq_cursor *c)
{
    struct shared	*sh = shared_get(id);

    if (sh == NULL)
	return PM_ERR_INST;
    evq_cursor_attach(c, &sh->q, sh->gen);
    return 0;
}

int
shared_fetch(int id, struct evq_cursor *c, pmAtomValue *atom)
{
    struct shared	*sh = shared_get(id);
    const struct evrec	*r;
    unsigned int	missed;
    int			arr, n, sts;

    if (sh == NULL)
	return PM_ERR_INST;
    evq_cursor_attach(c, &sh->q, sh->gen);
    if ((arr = fetch_begin(id)) < 0)
	return arr;
    r = evq_cursor_first(c, &sh->q, &missed);
    if ((sts = fetch_missed(arr, missed)) < 0)
	return sts;
    if ((n = fetch_records(arr, r)) < 0)
	return n;
    c->next += n;
    return fetch_done(arr, atom);
}

size_t
shared_mem(int id)
{
    struct shared	*sh = shared_get(id);

    return sh ? sh->q.mem : 0;
}

pid_t
shared_pid(int id)
{
    struct shared	*sh = shared_get(id);

    return sh && sh->run ? session_pid(sh->run) : -1;
}

static void
shared_free(void *arg)
{
    struct shared	*sh = arg;

    evq_clear(&sh->q);
    budget_put(sh->q.acct);
    free(sh);
}

static void
shared_stop(int id)
{
    struct shared	*sh = shareds[id];

    if (sh == NULL)
	return;
    shareds[id] = NULL;
    if (sh->run)
	session_detach(sh->run);
    sh->run = NULL;
    if (sh->tfd >= 0) {
	loop_del(&sh->wtimer);
	close(sh->tfd);
    }
    loop_defer(shared_free, sh);
}

void
shared_sync(size_t maxmem)
{
    const struct pipe_cmd	*cmd;
    struct shared		**ns, *sh;
    int				id, n = inst_count();

    if (n > nshareds) {
	if ((ns = realloc(shareds, n * sizeof(*ns))) == NULL) {
	    pmNotifyErr(LOG_ERR, "autostart: out of memory");
	    return;
	}
	memset(ns + nshareds, 0, (n - nshareds) * sizeof(*ns));
	shareds = ns;
	nshareds = n;
    }
    for (id = 0; id < nshareds; id++) {
	cmd = inst_cmd(id);
	if (cmd == NULL || !cmd->opts.autostart) {
	    if (shareds[id]) {
		pmNotifyErr(LOG_INFO, "autostart: instance %s is no longer "
			    "configured to autostart: stopping it",
			    TEXT_LOGSTR(inst_name(id)));
		shared_stop(id);
	    }
	    continue;
	}
	if (shareds[id] != NULL)
	    continue;	/* running: changes apply to its next start */
	if ((sh = calloc(1, sizeof(*sh))) == NULL) {
	    pmNotifyErr(LOG_ERR, "autostart: out of memory");
	    continue;
	}
	sh->id = id;
	sh->gen = ++generations;
	sh->sink.ops = &shared_ops;
	sh->sink.arg = sh;
	evq_init(&sh->q, (cmd->opts.set & OPT_QUEUE) ? cmd->opts.queue : maxmem);
	sh->q.ring = 1;
	/* the PMDA's own: within the total, not a user's share or caps */
	sh->q.acct = sh->sink.acct = budget_pmda();
	sh->backoff_ms = BACKOFF_MIN_MS;
	sh->wtimer.fd = -1;
	if ((sh->tfd = loop_timer_new(&sh->wtimer, on_restart_timer, sh)) < 0)
	    sh->tfd = -1;	/* no restarts then; logged when needed */
	shareds[id] = sh;
	shared_start(sh);
    }
}

void
shared_stop_all(void)
{
    int		id;

    for (id = 0; id < nshareds; id++)
	shared_stop(id);
    free(shareds);
    shareds = NULL;
    nshareds = 0;
}

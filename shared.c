/*
 * shared.c - autostart instances.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "instances.h"
#include "loop.h"
#include "session.h"
#include "shared.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define STABLE_MS	60000	/* a run this long resets the back-off */

struct shared {
    struct slot		slot;		/* first: on_end gets &slot */
    int			id;
    long		backoff_ms;
    struct timespec	started;
    int			tfd;
    struct loop_watch	wtimer;
};

static struct shared	**shareds;	/* indexed by instance id */
static int		nshareds;
static unsigned long	generations;	/* a new queue each time one is made */

struct slot *
shared_slot(int id)
{
    if (id < 0 || id >= nshareds || shareds[id] == NULL)
	return NULL;
    return &shareds[id]->slot;
}

static long
elapsed_ms(const struct timespec *since)
{
    struct timespec	now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 +
	   (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void
shared_start(struct shared *sh)
{
    const struct pipe_cmd	*cmd = inst_cmd(sh->id);
    int				sts;

    if (cmd == NULL || sh->slot.run != NULL)
	return;
    clock_gettime(CLOCK_MONOTONIC, &sh->started);
    sts = session_start(&sh->slot, cmd, cmd->opts.params, "autostart");
    if (sts < 0) {
	/* the failure is logged by session_start; try again later */
	if (cmd->opts.restart != RESTART_NO && sh->tfd >= 0) {
	    loop_timer_arm(sh->tfd, sh->backoff_ms);
	    pmNotifyErr(LOG_INFO, "autostart: %s: retrying in %ld ms",
			cmd->name, sh->backoff_ms);
	    sh->backoff_ms *= 2;
	    if (sh->backoff_ms > BACKOFF_MAX_MS)
		sh->backoff_ms = BACKOFF_MAX_MS;
	}
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

static void
on_end(struct slot *slot, int status)
{
    struct shared		*sh = (struct shared *)slot;
    const struct pipe_cmd	*cmd = inst_cmd(sh->id);

    if (cmd == NULL || !cmd->opts.autostart)
	return;
    if (cmd->opts.restart == RESTART_NO ||
	(cmd->opts.restart == RESTART_ON_FAILURE && status == 0)) {
	pmNotifyErr(LOG_INFO, "autostart: %s exited with status %d, not "
		    "restarting (restart = %s)", cmd->name, status,
		    cmd->opts.restart == RESTART_NO ? "no" : "on-failure");
	return;
    }
    if (elapsed_ms(&sh->started) >= STABLE_MS)
	sh->backoff_ms = BACKOFF_MIN_MS;
    pmNotifyErr(LOG_INFO, "autostart: %s exited with status %d, restarting "
		"in %ld ms", cmd->name, status, sh->backoff_ms);
    if (sh->tfd >= 0)
	loop_timer_arm(sh->tfd, sh->backoff_ms);
    sh->backoff_ms *= 2;
    if (sh->backoff_ms > BACKOFF_MAX_MS)
	sh->backoff_ms = BACKOFF_MAX_MS;
}

static void
shared_free(void *arg)
{
    struct shared	*sh = arg;

    evq_clear(&sh->slot.q);
    free(sh);
}

static void
shared_stop(int id)
{
    struct shared	*sh = shareds[id];

    if (sh == NULL)
	return;
    shareds[id] = NULL;
    if (sh->slot.run)
	session_detach(sh->slot.run);
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
			    inst_name(id));
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
	sh->slot.inst = id;
	sh->slot.gen = ++generations;
	sh->slot.on_end = on_end;
	evq_init(&sh->slot.q, (cmd->opts.set & OPT_QUEUE) ? cmd->opts.queue :
		 maxmem);
	sh->slot.q.ring = 1;
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

/*
 * fakeloop.h - a stand-in for loop.c in unit tests: the same interface,
 * a plain table of watches the test pumps with fake_loop_run() (poll(2)
 * on the registered fds, then the deferred calls), and switches that
 * make loop_add or loop_timer_new fail.  Include it in one test file.
 */
#ifndef PIPE_FAKELOOP_H
#define PIPE_FAKELOOP_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "../../loop.h"

#define FAKE_MAXWATCH	64

static struct loop_watch	*fake_watches[FAKE_MAXWATCH];
static struct { void (*fn)(void *); void *arg; } fake_defers[FAKE_MAXWATCH];
static int			fake_ndefers;
static int			fake_fail_add;	/* the Nth loop_add from now fails */
static int			fake_fail_timers;	/* loop_timer_new fails */
static int			fake_timer_arms;	/* loop_timer_arm calls */
static long			fake_last_arm_ms;
static int			fake_prio_pending;	/* loop_prio_pending() */
static unsigned long		fake_batch;		/* rounds run */
/* loop_yield: called first in the next round, in order */
static struct loop_watch	*fake_yields[FAKE_MAXWATCH];
static int			fake_nyields;

int
loop_prio_pending(void)
{
    return fake_prio_pending;
}

unsigned long
loop_batch(void)
{
    return fake_batch;
}


int
loop_yield(struct loop_watch *w)
{
    int		i;

    for (i = 0; i < fake_nyields; i++)
	if (fake_yields[i] == w)
	    return 0;
    if (fake_nyields == FAKE_MAXWATCH)
	return -ENOMEM;
    fake_yields[fake_nyields++] = w;
    return 0;
}

static int
fake_registered(const struct loop_watch *w)
{
    int		j;

    for (j = 0; j < FAKE_MAXWATCH && fake_watches[j] != w; j++)
	;
    return j < FAKE_MAXWATCH && w->fd >= 0;
}

int
loop_add(struct loop_watch *w, int fd, uint32_t events, loop_fn fn, void *arg)
{
    int		i;

    (void)events;
    if (fake_fail_add > 0 && --fake_fail_add == 0)
	return -ENOSPC;
    for (i = 0; i < FAKE_MAXWATCH; i++)
	if (fake_watches[i] == NULL) {
	    w->fd = fd;
	    w->fn = fn;
	    w->arg = arg;
	    w->served = 0;
	    fake_watches[i] = w;
	    return 0;
	}
    return -ENOSPC;
}

void
loop_del(struct loop_watch *w)
{
    int		i;

    for (i = 0; i < FAKE_MAXWATCH; i++) {
	if (fake_watches[i] == w)
	    fake_watches[i] = NULL;
	if (fake_yields[i] == w)
	    fake_yields[i] = NULL;
    }
    w->fd = -1;
}

int
loop_defer(void (*fn)(void *), void *arg)
{
    fake_defers[fake_ndefers].fn = fn;
    fake_defers[fake_ndefers].arg = arg;
    fake_ndefers++;
    return 0;
}

int
loop_timer_arm(int tfd, long ms)
{
    struct itimerspec	its;

    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (ms % 1000) * 1000000;
    fake_timer_arms++;
    fake_last_arm_ms = ms;
    return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

int
loop_timer_new(struct loop_watch *w, loop_fn fn, void *arg)
{
    int		fd, sts;

    if (fake_fail_timers)
	return -EMFILE;
    if ((fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
	return -errno;
    if ((sts = loop_add(w, fd, 0, fn, arg)) < 0) {
	close(fd);
	return sts;
    }
    return fd;
}

void
loop_timer_ack(int tfd)
{
    uint64_t	n;

    if (read(tfd, &n, sizeof(n)) < 0)
	return;
}

static int __attribute__((unused))
fake_nwatches(void)
{
    int		i, n = 0;

    for (i = 0; i < FAKE_MAXWATCH; i++)
	n += fake_watches[i] != NULL;
    return n;
}

/* wait up to ms for one round of events, dispatch them, run the deferred */
static void
fake_loop_run(int ms)
{
    struct pollfd	pfd[FAKE_MAXWATCH];
    struct loop_watch	*w[FAKE_MAXWATCH], *turns[FAKE_MAXWATCH];
    int			i, j, n = 0, nturns = fake_nyields;

    fake_batch++;
    memcpy(turns, fake_yields, sizeof(turns));
    fake_nyields = 0;
    for (i = 0; i < nturns; i++)
	if (turns[i] != NULL && fake_registered(turns[i])) {
	    turns[i]->served = fake_batch;
	    turns[i]->fn(turns[i]->arg, POLLIN);
	}
    for (i = 0; i < FAKE_MAXWATCH; i++)
	if (fake_watches[i]) {
	    w[n] = fake_watches[i];
	    pfd[n].fd = fake_watches[i]->fd;
	    pfd[n].events = POLLIN;
	    n++;
	}
    if (poll(pfd, n, ms) > 0)
	for (i = 0; i < n; i++) {
	    if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
		continue;
	    /* skip watches removed by an earlier handler of this round */
	    for (j = 0; j < FAKE_MAXWATCH && fake_watches[j] != w[i]; j++)
		;
	    if (j < FAKE_MAXWATCH && w[i]->fd == pfd[i].fd &&
		w[i]->served != fake_batch)
		w[i]->fn(w[i]->arg, pfd[i].revents);
	}
    for (i = 0; i < fake_ndefers; i++)
	fake_defers[i].fn(fake_defers[i].arg);
    fake_ndefers = 0;
}

int
loop_once(int timeout_ms)
{
    fake_loop_run(timeout_ms < 0 ? 1000 : timeout_ms);
    return 0;
}

#endif /* PIPE_FAKELOOP_H */

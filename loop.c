/*
 * loop.c - epoll registry and dispatch.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "loop.h"

#define LOOP_BATCH	64

struct deferred {
    void	(*fn)(void *);
    void	*arg;
};

static int		epfd = -1;
static struct deferred	*defers;
static size_t		ndefers, maxdefers;
/* watches removed during a batch: their pending events are skipped */
static struct loop_watch **dead;
static size_t		ndead, maxdead;
/* watches served first (loop_prio) */
static struct loop_watch *prio[LOOP_MAXPRIO];
static int		nprio;
static unsigned long	batch;
/* watches that yielded: called first in the next batch */
static struct loop_watch **yields, **turns;
static size_t		nyields, maxyields, nturns, maxturns;

int
loop_init(void)
{
    if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
	return -errno;
    return 0;
}

void
loop_fini(void)
{
    if (epfd >= 0)
	close(epfd);
    epfd = -1;
    free(defers);
    free(dead);
    free(yields);
    free(turns);
    defers = NULL;
    dead = NULL;
    yields = turns = NULL;
    ndefers = maxdefers = ndead = maxdead = 0;
    nyields = maxyields = nturns = maxturns = 0;
    nprio = 0;
}

int
loop_prio(struct loop_watch *w)
{
    int		i;

    if (w->fd < 0)
	return -EBADF;
    for (i = 0; i < nprio; i++)
	if (prio[i] == w)
	    return 0;
    if (nprio == LOOP_MAXPRIO)
	return -ENOSPC;
    prio[nprio++] = w;
    return 0;
}

static int
is_prio(const struct loop_watch *w)
{
    int		i;

    for (i = 0; i < nprio; i++)
	if (prio[i] == w)
	    return 1;
    return 0;
}

int
loop_add(struct loop_watch *w, int fd, uint32_t events, loop_fn fn, void *arg)
{
    struct epoll_event	ev = { .events = events, .data.ptr = w };

    w->fd = fd;
    w->fn = fn;
    w->arg = arg;
    w->served = 0;
    w->yielded = 0;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
	w->fd = -1;
	return -errno;
    }
    return 0;
}

int
loop_mod(struct loop_watch *w, uint32_t events)
{
    struct epoll_event	ev = { .events = events, .data.ptr = w };

    if (w->fd < 0)
	return -EBADF;
    return epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

/* a removed watch out of a yield list (its slot left NULL) */
static void
unyield(struct loop_watch **list, size_t n, const struct loop_watch *w)
{
    size_t	i;

    for (i = 0; i < n; i++)
	if (list[i] == w)
	    list[i] = NULL;
}

int
loop_yield(struct loop_watch *w)
{
    struct loop_watch	**ny;

    if (w->fd < 0)
	return -EBADF;
    if (w->yielded)
	return 0;
    if (nyields == maxyields) {
	size_t	n = maxyields ? maxyields * 2 : 64;

	if ((ny = realloc(yields, n * sizeof(*ny))) == NULL)
	    return -ENOMEM;
	yields = ny;
	maxyields = n;
    }
    yields[nyields++] = w;
    w->yielded = 1;
    return 0;
}

void
loop_del(struct loop_watch *w)
{
    struct loop_watch	**nd;
    int			i;

    if (w->fd < 0)
	return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
    w->fd = -1;
    for (i = 0; i < nprio; i++)
	if (prio[i] == w) {
	    prio[i] = prio[--nprio];
	    break;
	}
    if (w->yielded) {
	unyield(yields, nyields, w);
	unyield(turns, nturns, w);
	w->yielded = 0;
    }
    if (ndead == maxdead) {
	maxdead = maxdead ? maxdead * 2 : 16;
	if ((nd = realloc(dead, maxdead * sizeof(*nd))) == NULL) {
	    maxdead = ndead;
	    return;
	}
	dead = nd;
    }
    dead[ndead++] = w;
}

int
loop_defer(void (*fn)(void *), void *arg)
{
    struct deferred	*nd;

    if (ndefers == maxdefers) {
	size_t	n = maxdefers ? maxdefers * 2 : 16;

	if ((nd = realloc(defers, n * sizeof(*nd))) == NULL)
	    return -ENOMEM;
	defers = nd;
	maxdefers = n;
    }
    defers[ndefers].fn = fn;
    defers[ndefers].arg = arg;
    ndefers++;
    return 0;
}

static int
is_dead(struct loop_watch *w)
{
    size_t	i;

    for (i = 0; i < ndead; i++)
	if (dead[i] == w)
	    return 1;
    return 0;
}

static void
run_deferred(void)
{
    size_t	i;

    /* handlers run here may defer more work: loop until none is left */
    for (i = 0; i < ndefers; i++)
	defers[i].fn(defers[i].arg);
    ndefers = 0;
}

/* a watch removed (and maybe re-added) earlier in this batch */
static int
gone(struct loop_watch *w)
{
    return w->fd < 0 || (ndead && is_dead(w));
}

/* poll(2) the priority watches' fds, no wait: how many are ready */
static int
poll_prio(struct pollfd *pfd, struct loop_watch **w)
{
    int		i, n = nprio;

    for (i = 0; i < n; i++) {
	w[i] = prio[i];
	pfd[i].fd = w[i]->fd;
	pfd[i].events = POLLIN;
	pfd[i].revents = 0;
    }
    return n == 0 ? 0 : poll(pfd, n, 0);
}

int
loop_prio_pending(void)
{
    struct pollfd	pfd[LOOP_MAXPRIO];
    struct loop_watch	*w[LOOP_MAXPRIO];

    return poll_prio(pfd, w) > 0;
}

unsigned long
loop_batch(void)
{
    return batch;
}

/*
 * Between two other handlers: serve the priority watches whose fds are
 * readable now (one poll(2), no wait).
 */
static void
serve_prio(void)
{
    struct pollfd	pfd[LOOP_MAXPRIO];
    struct loop_watch	*w[LOOP_MAXPRIO];
    int			i, n = nprio;

    if (poll_prio(pfd, w) <= 0)
	return;
    for (i = 0; i < n; i++) {
	if (pfd[i].revents == 0 || gone(w[i]) || w[i]->fd != pfd[i].fd)
	    continue;
	w[i]->fn(w[i]->arg, (pfd[i].revents & POLLIN ? EPOLLIN : 0) |
		 (pfd[i].revents & POLLHUP ? EPOLLHUP : 0) |
		 (pfd[i].revents & POLLERR ? EPOLLERR : 0));
    }
}

/* a non-priority watch's turn in this batch (once: yielded ones first) */
static void
serve(struct loop_watch *w, uint32_t events)
{
    if (gone(w) || w->served == batch)
	return;
    w->served = batch;
    w->fn(w->arg, events);
    /* what arrived meanwhile goes before the rest of the batch */
    if (nprio > 0)
	serve_prio();
}

/*
 * The watches that yielded in the last batch, in order: their fds were
 * still ready, so they are called as epoll would call them.
 */
static void
serve_turns(void)
{
    struct loop_watch	**t = turns, *w;
    size_t		i, tmax = maxturns;

    /* the turns owed now; what yields in this batch goes to the other list */
    turns = yields;
    maxturns = maxyields;
    nturns = nyields;
    yields = t;
    maxyields = tmax;
    nyields = 0;
    for (i = 0; i < nturns; i++) {
	if ((w = turns[i]) == NULL)
	    continue;		/* removed since */
	w->yielded = 0;
	serve(w, EPOLLIN);
    }
    nturns = 0;
}

int
loop_once(int timeout_ms)
{
    struct epoll_event	ev[LOOP_BATCH];
    struct loop_watch	*w;
    int			i, n;

    ndead = 0;
    /* with turns owed, look for what is ready but do not wait */
    n = epoll_wait(epfd, ev, LOOP_BATCH, nyields ? 0 : timeout_ms);
    if (n < 0)
	return errno == EINTR ? 0 : -errno;
    batch++;
    /* priority watches of the batch first */
    for (i = 0; i < n && nprio > 0; i++) {
	w = ev[i].data.ptr;
	if (!is_prio(w))
	    continue;
	ev[i].data.ptr = NULL;
	if (!gone(w))
	    w->fn(w->arg, ev[i].events);
    }
    serve_turns();
    for (i = 0; i < n; i++)
	if ((w = ev[i].data.ptr) != NULL)
	    serve(w, ev[i].events);
    run_deferred();
    ndead = 0;
    return n;
}

int
loop_timer_arm(int tfd, long ms)
{
    struct itimerspec	its;

    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (ms % 1000) * 1000000L;
    return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

int
loop_timer_new(struct loop_watch *w, loop_fn fn, void *arg)
{
    int		tfd, sts;

    if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
	return -errno;
    if ((sts = loop_add(w, tfd, EPOLLIN, fn, arg)) < 0) {
	close(tfd);
	return sts;
    }
    return tfd;
}

void
loop_timer_ack(int tfd)
{
    uint64_t	n;
    ssize_t	r;

    r = read(tfd, &n, sizeof(n));
    (void)r;
}

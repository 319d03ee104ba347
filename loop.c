/*
 * loop.c - epoll registry and dispatch.
 */
#include <errno.h>
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
    defers = NULL;
    dead = NULL;
    ndefers = maxdefers = ndead = maxdead = 0;
}

int
loop_add(struct loop_watch *w, int fd, uint32_t events, loop_fn fn, void *arg)
{
    struct epoll_event	ev = { .events = events, .data.ptr = w };

    w->fd = fd;
    w->fn = fn;
    w->arg = arg;
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

void
loop_del(struct loop_watch *w)
{
    struct loop_watch	**nd;

    if (w->fd < 0)
	return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
    w->fd = -1;
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

int
loop_once(int timeout_ms)
{
    struct epoll_event	ev[LOOP_BATCH];
    struct loop_watch	*w;
    int			i, n;

    ndead = 0;
    n = epoll_wait(epfd, ev, LOOP_BATCH, timeout_ms);
    if (n < 0)
	return errno == EINTR ? 0 : -errno;
    for (i = 0; i < n; i++) {
	w = ev[i].data.ptr;
	/* a watch removed (and maybe re-added) earlier in this batch */
	if (w->fd < 0 || (ndead && is_dead(w)))
	    continue;
	w->fn(w->arg, ev[i].events);
    }
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

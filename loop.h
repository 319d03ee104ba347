/*
 * loop.h - the PMDA's one event loop: an epoll registry of fds (pmcd's
 * pipe, a signalfd, pidfds, command pipes, timerfds).  Nothing in a
 * handler may block.
 */
#ifndef PIPE_LOOP_H
#define PIPE_LOOP_H

#include <stdint.h>

typedef void (*loop_fn)(void *arg, uint32_t events);

struct loop_watch {
    int		fd;		/* -1 when not registered */
    loop_fn	fn;
    void	*arg;
    unsigned long served;	/* the batch that last called fn (loop.c's) */
    int		yielded;	/* queued by loop_yield (loop.c's) */
};

int loop_init(void);
void loop_fini(void);
/* register fd; w must stay at a fixed address until loop_del */
int loop_add(struct loop_watch *w, int fd, uint32_t events, loop_fn, void *arg);
int loop_mod(struct loop_watch *w, uint32_t events);
/* unregister (safe on an unregistered watch); the fd is not closed */
void loop_del(struct loop_watch *w);
/*
 * Serve a registered watch first (pmcd's requests): in each batch before
 * the other watches, and between them whenever its fd has become
 * readable.  At most LOOP_MAXPRIO watches; -ENOSPC beyond.
 */
#define LOOP_MAXPRIO	4
int loop_prio(struct loop_watch *w);
/*
 * For a handler with more work than it should do at once: 1 when a
 * priority watch's fd is readable now (pmcd has a request waiting), so
 * the handler should return and let the loop serve it.
 */
int loop_prio_pending(void);
/* the current batch's serial: changes at each loop_once */
unsigned long loop_batch(void);
/*
 * A handler that stopped with work left (its fd still ready) and wants
 * its turn back: in the next batch it is called first, after the
 * priority watches, in the order of the calls (round robin), whether
 * or not epoll reports it in that batch.  -ENOMEM: it waits for epoll.
 */
int loop_yield(struct loop_watch *w);
/*
 * Run fn(arg) once the current batch of events is dispatched: the way to
 * free an object whose watches may still be in that batch.
 */
int loop_defer(void (*fn)(void *), void *arg);
/* wait up to timeout_ms (-1: forever) and dispatch; -errno on failure */
int loop_once(int timeout_ms);

/* a one-shot timerfd helper: arm (ms > 0) or disarm (ms == 0) */
int loop_timer_arm(int tfd, long ms);
/* a new disarmed timerfd watched by w; returns the fd or -errno */
int loop_timer_new(struct loop_watch *w, loop_fn, void *arg);
/* consume a timerfd's expiry count (call from its handler) */
void loop_timer_ack(int tfd);

#endif /* PIPE_LOOP_H */

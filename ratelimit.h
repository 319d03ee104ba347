/*
 * ratelimit.h - how many of a run of events are logged: at most `burst`
 * per window, the rest counted, and the count reported once (a summary
 * line) with the first event logged after the window, or when the owner
 * goes away.  Pure: the caller passes the time.
 */
#ifndef PIPE_RATELIMIT_H
#define PIPE_RATELIMIT_H

struct ratelimit {
    long long		start_ms;	/* the current window's start */
    unsigned int	logged;		/* events logged in it */
    unsigned long	suppressed;	/* events not logged, not yet reported */
};

/*
 * An event at now_ms (a monotonic clock): returns 1 when it is to be
 * logged, 0 when it is only counted.  *report is set to the count of
 * events suppressed in the window that ended, to be reported before this
 * one (0: nothing to report).
 */
int ratelimit_event(struct ratelimit *, long long now_ms, unsigned int burst,
		long window_ms, unsigned long *report);

/* the suppressed events not reported yet (now reported: the count is reset) */
unsigned long ratelimit_flush(struct ratelimit *);

#endif /* PIPE_RATELIMIT_H */

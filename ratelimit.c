/*
 * ratelimit.c - a burst per window, the rest counted (ratelimit.h).
 */
#include "ratelimit.h"

int
ratelimit_event(struct ratelimit *rl, long long now_ms, unsigned int burst,
	long window_ms, unsigned long *report)
{
    *report = 0;
    if (rl->logged == 0 || now_ms - rl->start_ms >= window_ms) {
	*report = ratelimit_flush(rl);
	rl->start_ms = now_ms;
	rl->logged = 0;
    }
    if (rl->logged < burst) {
	rl->logged++;
	return 1;
    }
    rl->suppressed++;
    return 0;
}

unsigned long
ratelimit_flush(struct ratelimit *rl)
{
    unsigned long	n = rl->suppressed;

    rl->suppressed = 0;
    return n;
}

/*
 * timeutil.h - elapsed time on the monotonic clock, the one helper every
 * module uses for it.
 */
#ifndef PIPE_TIMEUTIL_H
#define PIPE_TIMEUTIL_H

#include <time.h>

static inline struct timespec
mono_now(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

/* nanoseconds from since until now (monotonic) */
static inline long long
ns_since(const struct timespec *since)
{
    struct timespec	now = mono_now();

    return (now.tv_sec - since->tv_sec) * 1000000000LL +
	   (now.tv_nsec - since->tv_nsec);
}

static inline long
ms_since(const struct timespec *since)
{
    return (long)(ns_since(since) / 1000000);
}

#endif /* PIPE_TIMEUTIL_H */

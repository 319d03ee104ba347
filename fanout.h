/*
 * fanout.h - pmpipe's driver: one run per host (hostrun.c), all at once,
 * each in a thread of its own; SIGINT, SIGTERM or SIGHUP stops them all.
 */
#ifndef PIPE_FANOUT_H
#define PIPE_FANOUT_H

#include "hostrun.h"

/*
 * Run o on each of the n host specs and wait for every run to end.
 * Returns pmpipe's exit status: the largest of the runs' statuses (a
 * host that could not be reached or refused counts as 1), or 128 + the
 * signal that stopped them.
 */
int fanout(const char *const *specs, int n, const struct run_opts *o);

#endif /* PIPE_FANOUT_H */

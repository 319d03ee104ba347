/*
 * fanout.c - run pmpipe on several hosts at once.
 *
 * The signals that stop pmpipe are blocked in every thread and taken by
 * one thread with sigwait: the first one sets the stop and wakes every
 * run, which then leaves its fetch loop and destroys its context, so
 * each host's PMDA stops the command as for any client that goes away.
 * A second signal exits at once (a run may be stuck connecting).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "fanout.h"

static void *
signals(void *arg)
{
    struct runctl	*ctl = arg;
    sigset_t		set;
    int			sig;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    for (;;) {
	if (sigwait(&set, &sig) != 0)
	    continue;
	pthread_mutex_lock(&ctl->stop_lock);
	if (ctl->stop)
	    _exit(128 + sig);
	ctl->stop = sig;
	pthread_cond_broadcast(&ctl->wake);
	pthread_mutex_unlock(&ctl->stop_lock);
    }
    return NULL;
}

static int
ctl_init(struct runctl *ctl)
{
    pthread_condattr_t	ca;
    int			sts;

    memset(ctl, 0, sizeof(*ctl));
    pthread_mutex_init(&ctl->stop_lock, NULL);
    pthread_mutex_init(&ctl->out_lock, NULL);
    pthread_mutex_init(&ctl->prompt_lock, NULL);
    if ((sts = pthread_condattr_init(&ca)) != 0)
	return -sts;
    /* wait_tick's deadlines are CLOCK_MONOTONIC */
    if ((sts = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0)
	sts = pthread_cond_init(&ctl->wake, &ca);
    pthread_condattr_destroy(&ca);
    return -sts;
}

int
fanout(const char *const *specs, int n, const struct run_opts *o)
{
    struct runctl	ctl;
    struct hostrun	*runs;
    pthread_t		*tids, sigtid;
    sigset_t		set, old;
    int			i, sts, worst = 0, *started;

    if ((sts = ctl_init(&ctl)) < 0) {
	fprintf(stderr, "%s: %s\n", pmGetProgname(), strerror(-sts));
	return 1;
    }
    runs = calloc(n, sizeof(*runs));
    tids = calloc(n, sizeof(*tids));
    started = calloc(n, sizeof(*started));
    if (runs == NULL || tids == NULL || started == NULL) {
	fprintf(stderr, "%s: out of memory\n", pmGetProgname());
	free(runs);
	free(tids);
	free(started);
	return 1;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    if ((sts = pthread_create(&sigtid, NULL, signals, &ctl)) != 0) {
	fprintf(stderr, "%s: %s\n", pmGetProgname(), strerror(sts));
	worst = 1;
	goto out;
    }
    for (i = 0; i < n; i++) {
	if ((sts = hostrun_init(&runs[i], specs[i], o, &ctl)) < 0 ||
	    (sts = -pthread_create(&tids[i], NULL, hostrun, &runs[i])) < 0) {
	    fprintf(stderr, "%s: %s: %s\n", pmGetProgname(),
		    runs[i].name ? runs[i].name : specs[i], strerror(-sts));
	    runs[i].status = 1;
	    continue;
	}
	started[i] = 1;
    }
    for (i = 0; i < n; i++) {
	if (started[i])
	    pthread_join(tids[i], NULL);
	if (runs[i].status > worst)
	    worst = runs[i].status;
	hostrun_free(&runs[i]);
    }
    pthread_cancel(sigtid);
    pthread_join(sigtid, NULL);
    if (ctl.stop)
	worst = 128 + ctl.stop;
out:
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(runs);
    free(tids);
    free(started);
    return worst;
}

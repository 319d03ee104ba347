/*
 * churn.c - fetch latency while commands start and stop, for
 * bench/churn.sh.
 *
 *	build/churn [-h host] [-n churners] [-t secs] [-f flooders -F FLOOD]
 *		[-c] MEASURE [CHURN]
 *
 * The measuring client (this process) starts the command of instance
 * MEASURE by storing its parameters into pipe.firehose, waits for its
 * first record, then fetches pipe.firehose every 10 ms for SECS seconds
 * (default 10) and records how long each pmFetch took.  Meanwhile
 * CHURNERS processes (default 0) each loop: connect, start the command of
 * instance CHURN, fetch every 10 ms until its first record arrives (no
 * record in 2 s is a failure), disconnect (the PMDA then stops the
 * command).  A cycle still running at the end is not counted.
 *
 * With -f, before anything is measured one more process opens FLOODERS
 * contexts and starts the command of instance FLOOD in each (a flood of
 * output nobody fetches), then holds them until 1 s after the end (a
 * probe or fetch begun before the end is not timed against 200 contexts
 * leaving at once, which is churn's subject, not the flood's); measuring
 * starts 2 s after the last started.  With -c a prober process opens a
 * new context every 0.2 s while measuring: connect, look up
 * pipe.numclients, fetch it (from the PMDA), disconnect, and records how
 * long that took.
 *
 * Connections go to "unix:" by default: identity reaches the PMDA only
 * over the local socket, and "local:" would fall back to TCP when pmcd's
 * listen backlog (5) is full.  A refused connection is retried after a
 * short, growing, jittered pause and counted.
 *
 * Prints one line of "name value" pairs: fetches, fetch errors, p50, p99
 * and max fetch time in ms, records the measuring client received, and
 * for the churners: cycles, failures by kind, connection retries,
 * churners that had to be killed because they did not stop in time, and
 * p50, p99 and max of their pmStore times (the PMDA starting a command);
 * flooders started and failed; probes, failed probes and p50, p99 and
 * max of the probes' times.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "../firehose.h"

#define STEP		0.010	/* fetch interval, s */
#define FIRST_LIMIT	2.0	/* a churner's store to first record, s */
#define REAP_LIMIT	15.0	/* churners must be gone this long after the end */
#define MAX_STORES	2048	/* store times kept per churner */
#define PROBE_STEP	0.2	/* a new connection every 0.2 s (-c) */
#define MAX_PROBES	4096
#define FLOOD_WARMUP	2.0	/* s from the last flood started to measuring */
#define FLOOD_HOLD	1.0	/* s the flooders stay after measuring ended */

/* what one churner did; only that churner writes its slot */
struct tally {
    unsigned long	cycles;		/* store ... first record ... disconnect */
    unsigned long	timeouts;	/* no record within FIRST_LIMIT */
    unsigned long	storefail;	/* pmStore failed */
    unsigned long	fetchfail;	/* pmFetch failed */
    unsigned long	connretry;	/* pmNewContext failed and was retried */
    int			nstores;
    float		store_ms[MAX_STORES];	/* each pmStore's wall time */
};

/* shared with the churners (MAP_SHARED): filled in before they start */
struct shared {
    int			ready;		/* 0: the parent gave up, just exit */
    pmID		pmid;		/* pipe.firehose */
    pmInDom		indom;
    int			inst;		/* CHURN */
    double		deadline;	/* CLOCK_MONOTONIC, s */
    int			floods;		/* flood commands started (-f) */
    int			floodfail;
    int			nprobes;	/* -c: connections measured */
    int			probefail;
    float		probe_ms[MAX_PROBES];
    struct tally	tally[];
};

static const char	*host = "unix:";

static void
usage(void)
{
    fprintf(stderr, "Usage: %s [-h host] [-n churners] [-t secs] "
	    "[-f flooders -F FLOOD] [-c] MEASURE [CHURN]\n", pmGetProgname());
    exit(2);
}

static double
now(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_until(double t)
{
    struct timespec	ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
	;
}

/*
 * Fixed-rate ticks (as pmpipe and pmlogger): a fetch that overran the
 * interval is followed at once by the next, and the schedule restarts.
 */
static void
wait_tick(double *next)
{
    double	t = now();

    *next += STEP;
    if (t >= *next)
	*next = t;
    else
	sleep_until(*next);
}

/* complain once per kind per process: 100 churners could say a lot */
static void
once(int *said, const char *what, int sts)
{
    if (*said)
	return;
    *said = 1;
    fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), what, pmErrStr(sts));
}

/* connect, retrying a refused connection until the deadline */
static int
connect_retry(double deadline, unsigned long *retries)
{
    static int	said;
    double	pause = 0.001;
    int		sts;

    while ((sts = pmNewContext(PM_CONTEXT_HOST, host)) < 0) {
	(*retries)++;
	once(&said, "connect (retried)", sts);
	if (now() + pause >= deadline)
	    break;
	/* jitter, so that refused clients do not come back together */
	sleep_until(now() + pause + pause * (random() % 1000) / 1000.0);
	if (pause < 0.1)
	    pause *= 2;
    }
    return sts;
}

/* one fetch of pipe.firehose: the records it returned, or a PM_ERR_* */
static int
fetch(pmID pmid, double *ms)
{
    pmResult	*rp;
    pmValueSet	*vsp;
    double	t0 = now();
    int		sts;

    sts = pmFetch(1, &pmid, &rp);
    if (ms)
	*ms = (now() - t0) * 1e3;
    if (sts < 0)
	return sts;
    vsp = rp->vset[0];
    if (vsp->numval < 0)
	sts = vsp->numval;
    else if (vsp->numval > 0 && vsp->valfmt != PM_VAL_INSITU &&
	     vsp->vlist[0].value.pval->vtype == PM_TYPE_EVENT)
	sts = ((const pmEventArray *)vsp->vlist[0].value.pval)->ea_nrecords;
    else
	sts = 0;
    pmFreeResult(rp);
    return sts;
}

/*
 * Fetch every STEP until a record arrives (1) or LIMIT passes (0), or a
 * fetch fails (PM_ERR_*).
 */
static int
first_record(pmID pmid, double limit)
{
    double	next = now();
    int		sts;

    for (;;) {
	if ((sts = fetch(pmid, NULL)) != 0)
	    return sts < 0 ? sts : 1;
	if (now() >= limit)
	    return 0;
	wait_tick(&next);
    }
}

static void
churner(struct shared *sh, int id, int go)
{
    struct tally	*t = &sh->tally[id];
    char		params[32], c;
    double		t0, t1, limit;
    int			ctx, sts, said_store = 0, said_fetch = 0;

    /* wait for the go: the parent closes its end of the pipe */
    while (read(go, &c, 1) < 0 && errno == EINTR)
	;
    close(go);
    if (!sh->ready)
	return;
    srandom(getpid());
    /* letters and digits only: the stock PMDA takes nothing else */
    pmsprintf(params, sizeof(params), "churner%d", id);
    while (now() < sh->deadline) {
	if ((ctx = connect_retry(sh->deadline, &t->connretry)) < 0)
	    break;
	t0 = now();
	sts = firehose_start(sh->pmid, sh->indom, sh->inst, params);
	t1 = now();
	if (t1 < sh->deadline && t->nstores < MAX_STORES)
	    t->store_ms[t->nstores++] = (t1 - t0) * 1e3;
	if (sts < 0) {
	    if (t1 < sh->deadline) {
		t->storefail++;
		once(&said_store, "store", sts);
	    }
	} else {
	    limit = t1 + FIRST_LIMIT;
	    sts = first_record(sh->pmid, limit < sh->deadline ? limit : sh->deadline);
	    if (sts == 1)
		t->cycles++;
	    else if (sts < 0 && now() < sh->deadline) {
		t->fetchfail++;
		once(&said_fetch, "fetch", sts);
	    } else if (sts == 0 && limit <= sh->deadline)
		t->timeouts++;
	    /* else the end cut the cycle short: not counted */
	}
	pmDestroyContext(ctx);
    }
}

/*
 * -f: open n contexts, start instance flood's command in each, say so on
 * ready (one byte), then hold them until the parent's go and FLOOD_HOLD
 * after the deadline are past.
 */
static void
flooder(struct shared *sh, int n, const char *flood, int ready, int go)
{
    const char	*name = "pipe.firehose";
    pmDesc	desc;
    pmID	pmid;
    char	params[32], c = 1;
    unsigned long retries = 0;
    int		*ctxs, i, inst = -1, sts, said = 0;

    if ((ctxs = calloc(n, sizeof(int))) == NULL)
	_exit(1);
    for (i = 0; i < n; i++) {
	if ((ctxs[i] = connect_retry(now() + 30, &retries)) < 0) {
	    sh->floodfail++;
	    continue;
	}
	if (inst < 0 &&
	    ((sts = pmLookupName(1, &name, &pmid)) < 0 ||
	     (sts = pmLookupDesc(pmid, &desc)) < 0 ||
	     (sts = inst = pmLookupInDom(desc.indom, flood)) < 0)) {
	    fprintf(stderr, "%s: flooder: %s: %s\n", pmGetProgname(), flood,
		    pmErrStr(sts));
	    _exit(1);
	}
	pmsprintf(params, sizeof(params), "flood%d", i);
	if ((sts = firehose_start(pmid, desc.indom, inst, params)) < 0) {
	    sh->floodfail++;
	    once(&said, "flood store", sts);
	} else
	    sh->floods++;
    }
    if (write(ready, &c, 1) != 1)
	_exit(1);
    close(ready);
    while (read(go, &c, 1) < 0 && errno == EINTR)
	;
    if (sh->ready)
	sleep_until(sh->deadline + FLOOD_HOLD);
    for (i = 0; i < n; i++)
	if (ctxs[i] >= 0)
	    pmDestroyContext(ctxs[i]);
    _exit(0);
}

/* -c: a new connection and a fetch from the PMDA every PROBE_STEP */
static void
prober(struct shared *sh, int go)
{
    const char	*name = "pipe.numclients";
    unsigned long retries = 0;
    pmResult	*rp;
    pmID	pmid;
    double	t0, next;
    char	c;
    int		ctx, sts, said = 0;

    while (read(go, &c, 1) < 0 && errno == EINTR)
	;
    close(go);
    if (!sh->ready)
	return;
    for (next = now(); now() < sh->deadline && sh->nprobes < MAX_PROBES;
	 next += PROBE_STEP) {
	sleep_until(next);
	t0 = now();
	if ((sts = ctx = connect_retry(sh->deadline, &retries)) >= 0 &&
	    (sts = pmLookupName(1, &name, &pmid)) >= 0 &&
	    (sts = pmFetch(1, &pmid, &rp)) >= 0) {
	    sts = rp->vset[0]->numval > 0 ? 0 :
		  rp->vset[0]->numval < 0 ? rp->vset[0]->numval : PM_ERR_VALUE;
	    pmFreeResult(rp);
	}
	if (ctx >= 0)
	    pmDestroyContext(ctx);
	if (sts < 0) {
	    sh->probefail++;
	    once(&said, "probe", sts);
	    continue;
	}
	sh->probe_ms[sh->nprobes++] = (now() - t0) * 1e3;
    }
}

/* wait for the churners, bounded; kill those still there: how many */
static int
reap(pid_t *pids, int n, double limit)
{
    int		i, left = n, status, stuck = 0;
    pid_t	pid;

    for (;;) {
	while (left > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
	    for (i = 0; i < n; i++)
		if (pids[i] == pid)
		    pids[i] = 0;
	    left--;
	}
	if (left == 0 || now() >= limit)
	    break;
	sleep_until(now() + 0.01);
    }
    for (i = 0; i < n; i++) {
	if (pids[i] > 0) {
	    kill(pids[i], SIGKILL);
	    waitpid(pids[i], &status, 0);
	    stuck++;
	}
    }
    return stuck;
}

static int
cmp_double(const void *a, const void *b)
{
    double	x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* nearest rank */
static double
percentile(const double *v, int n, double p)
{
    int		i;

    if (n == 0)
	return 0;
    i = (int)(p * n + 0.999999) - 1;
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/*
 * A helper process (churner, flooder, prober): in the child, dies with
 * the parent and closes the write end of the go pipe; -1 (said) when
 * fork fails.
 */
static pid_t
helper_fork(pid_t parent, int gofd)
{
    pid_t	pid;

    if ((pid = fork()) < 0) {
	perror("churn: fork");
	return -1;
    }
    if (pid == 0) {
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
	    _exit(1);
	close(gofd);
    }
    return pid;
}

int
main(int argc, char **argv)
{
    const char		*name = "pipe.firehose", *measure, *churn = NULL;
    const char		*flood = NULL;
    struct shared	*sh;
    struct tally	sum = { 0 };
    pmDesc		desc;
    pmID		pmid;
    unsigned long	retries = 0, records = 0;
    size_t		shsize;
    double		secs = 10, start, span, next, ms;
    double		*times = NULL, *stores = NULL;
    pid_t		*pids = NULL, parent = getpid();
    char		*end;
    int			opt, nchurn = 0, go[2], inst, sts, i, stuck = 0;
    int			nfetch = 0, maxfetch, errors = 0, said = 0, nstore = 0, j;
    int			nflood = 0, probe = 0, nproc, ready[2];
    double		*probes = NULL;
    char		c;

    pmSetProgname(argv[0]);
    while ((opt = getopt(argc, argv, "cf:F:h:n:t:?")) != -1) {
	switch (opt) {
	case 'c':
	    probe = 1;
	    break;
	case 'f':
	    nflood = (int)strtol(optarg, &end, 10);
	    if (*end != '\0' || nflood < 0 || nflood > 1000)
		usage();
	    break;
	case 'F':
	    flood = optarg;
	    break;
	case 'h':
	    host = optarg;
	    break;
	case 'n':
	    nchurn = (int)strtol(optarg, &end, 10);
	    if (*end != '\0' || nchurn < 0 || nchurn > 1000)
		usage();
	    break;
	case 't':
	    secs = strtod(optarg, &end);
	    if (*end != '\0' || secs <= 0 || secs > 3600)
		usage();
	    break;
	default:
	    usage();
	}
    }
    if (optind >= argc || argc - optind > 2)
	usage();
    measure = argv[optind];
    if (optind + 1 < argc)
	churn = argv[optind + 1];
    if ((nchurn > 0 && churn == NULL) || (nflood > 0 && flood == NULL))
	usage();

    /* fork the churners first, so that they share no context with us */
    shsize = sizeof(struct shared) + nchurn * sizeof(struct tally);
    sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE,
	      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED || pipe2(go, O_CLOEXEC) < 0 ||
	pipe2(ready, O_CLOEXEC) < 0 ||
	(pids = calloc(nchurn + 3, sizeof(pid_t))) == NULL) {
	perror("churn: setup");
	return 1;
    }
    nproc = nchurn;
    /* the floods first: they must run before anything is measured */
    if (nflood > 0) {
	if ((pids[nproc] = helper_fork(parent, go[1])) < 0)
	    return 1;
	if (pids[nproc] == 0) {
	    close(ready[0]);
	    flooder(sh, nflood, flood, ready[1], go[0]);
	}
	nproc++;
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
	    fprintf(stderr, "%s: the flooder failed\n", pmGetProgname());
	    reap(pids + nchurn, 1, 0);
	    return 1;
	}
	sleep_until(now() + FLOOD_WARMUP);
    }
    close(ready[0]);
    if (probe) {
	if ((pids[nproc] = helper_fork(parent, go[1])) < 0)
	    return 1;
	if (pids[nproc] == 0) {
	    prober(sh, go[0]);
	    _exit(0);
	}
	nproc++;
    }
    for (i = 0; i < nchurn; i++) {
	if ((pids[i] = helper_fork(parent, go[1])) < 0) {
	    reap(pids, i, 0);
	    return 1;
	}
	if (pids[i] == 0) {
	    churner(sh, i, go[0]);
	    _exit(0);
	}
    }
    close(go[0]);

    /* the measuring client: look up, start its command, first record */
    if ((sts = connect_retry(now() + 10, &retries)) < 0) {
	fprintf(stderr, "%s: cannot connect to pmcd on %s: %s\n",
		pmGetProgname(), host, pmErrStr(sts));
	goto fail;
    }
    if ((sts = pmLookupName(1, &name, &pmid)) < 0 ||
	(sts = pmLookupDesc(pmid, &desc)) < 0) {
	fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), name, pmErrStr(sts));
	goto fail;
    }
    if (churn) {
	if ((sts = sh->inst = pmLookupInDom(desc.indom, churn)) < 0) {
	    fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), churn, pmErrStr(sts));
	    goto fail;
	}
    }
    if ((sts = inst = pmLookupInDom(desc.indom, measure)) < 0 ||
	(sts = firehose_start(pmid, desc.indom, inst, "measure")) < 0) {
	fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), measure, pmErrStr(sts));
	goto fail;
    }
    if ((sts = first_record(pmid, now() + 5)) <= 0) {
	fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), measure,
		sts == 0 ? "no record within 5 s of the store" : pmErrStr(sts));
	goto fail;
    }

    maxfetch = (int)(secs / STEP) + 16;
    if ((times = malloc(maxfetch * sizeof(double))) == NULL) {
	perror("churn: malloc");
	goto fail;
    }

    /* go */
    sh->pmid = pmid;
    sh->indom = desc.indom;
    start = now();
    sh->deadline = start + secs;
    sh->ready = 1;
    close(go[1]);
    next = now();
    while (now() < sh->deadline && nfetch < maxfetch) {
	sts = fetch(pmid, &ms);
	times[nfetch++] = ms;
	if (sts >= 0)
	    records += sts;
	else {
	    errors++;
	    once(&said, "measuring fetch", sts);
	}
	wait_tick(&next);
    }
    span = now() - start;
    pmDestroyContext(pmWhichContext());

    stuck = reap(pids, nproc, sh->deadline + REAP_LIMIT);
    if (nchurn > 0 &&
	(stores = malloc(nchurn * MAX_STORES * sizeof(double))) == NULL) {
	perror("churn: malloc");
	return 1;
    }
    for (i = 0; i < nchurn; i++) {
	for (j = 0; j < sh->tally[i].nstores; j++)
	    stores[nstore++] = sh->tally[i].store_ms[j];
	sum.cycles += sh->tally[i].cycles;
	sum.timeouts += sh->tally[i].timeouts;
	sum.storefail += sh->tally[i].storefail;
	sum.fetchfail += sh->tally[i].fetchfail;
	sum.connretry += sh->tally[i].connretry;
    }
    qsort(times, nfetch, sizeof(double), cmp_double);
    if (nstore > 0)
	qsort(stores, nstore, sizeof(double), cmp_double);
    if (sh->nprobes > 0 &&
	(probes = malloc(sh->nprobes * sizeof(double))) == NULL) {
	perror("churn: malloc");
	return 1;
    }
    for (i = 0; i < sh->nprobes; i++)
	probes[i] = sh->probe_ms[i];
    if (sh->nprobes > 0)
	qsort(probes, sh->nprobes, sizeof(double), cmp_double);
    printf("fetches %d errors %d p50 %.3f p99 %.3f max %.3f records %lu "
	   "retries %lu churners %d secs %.3f cycles %lu timeouts %lu "
	   "storefail %lu fetchfail %lu connretry %lu stuck %d "
	   "stores %d store_p50 %.3f store_p99 %.3f store_max %.3f "
	   "floods %d floodfail %d probes %d probefail %d conn_p50 %.3f "
	   "conn_p99 %.3f conn_max %.3f\n",
	   nfetch, errors, percentile(times, nfetch, 0.50),
	   percentile(times, nfetch, 0.99), nfetch ? times[nfetch - 1] : 0,
	   records, retries, nchurn, span, sum.cycles, sum.timeouts,
	   sum.storefail, sum.fetchfail, sum.connretry, stuck, nstore,
	   percentile(stores, nstore, 0.50), percentile(stores, nstore, 0.99),
	   nstore ? stores[nstore - 1] : 0, sh->floods, sh->floodfail,
	   sh->nprobes, sh->probefail, percentile(probes, sh->nprobes, 0.50),
	   percentile(probes, sh->nprobes, 0.99),
	   sh->nprobes ? probes[sh->nprobes - 1] : 0);
    free(probes);
    free(stores);
    free(times);
    free(pids);
    return 0;

fail:
    /* the churners see ready == 0 and leave */
    close(go[1]);
    reap(pids, nproc, now() + REAP_LIMIT);
    free(pids);
    return 1;
}

/*
 * pmpipe - run a pmdapipe command and print its output, like a local
 * command: stdout lines to stdout, stderr lines to stderr, the command's
 * exit status as ours.
 *
 *	pmpipe [-h host] [-t interval] [-c] INSTANCE [PARAMS...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "evwalk.h"
#include "firehose.h"

enum { P_FIREHOSE, P_LINE, P_STDERR, P_EXIT, P_REASON, P_N };

static const char *names[P_N] = {
    "pipe.firehose", "pipe.line", "pipe.stderr", "pipe.exitstatus",
    "pipe.endreason",
};

struct counts {
    unsigned long long	records, lines, errlines, bytes, missed;
};

static void
usage(void)
{
    fprintf(stderr, "Usage: %s [-h host] [-t interval] [-c] [-T secs] INSTANCE [PARAMS...]\n"
	    "  -h host      pmcd host (default local:, which passes your identity)\n"
	    "  -t interval  fetch interval, e.g. 0.25 or 1s (default 0.25)\n"
	    "  -c           count records instead of printing them\n"
	    "  -T secs      stop after this long even if the command has not ended\n",
	    pmGetProgname());
    exit(1);
}

static void
report_missed(int n, int count)
{
    if (!count)
	fprintf(stderr, "%s: %d record(s) missed: the client did not keep up "
		"with the command\n", pmGetProgname(), n);
}

/*
 * Walk a packed event array in place (pmUnpackEventRecords builds a
 * pmResult per record, which costs more than the PMDA spends producing
 * it).  Returns 1 when a record ended the run, -EPROTO when the array
 * is malformed (nothing of it is read past its end).
 */
static int
records(const pmValueBlock *vb, const pmID *ids, int have_exit, int count,
	struct counts *c, int *status)
{
    struct evwalk		w;
    const pmEventRecord		*er;
    const pmEventParameter	*ep;
    const char			*vbuf;
    size_t			vlen;
    int				end = 0, exited, sts;

    if ((sts = evwalk_init(&w, vb)) < 0)
	return sts;
    while ((sts = evwalk_record(&w, &er)) > 0) {
	c->records++;
	exited = 0;
	if (er->er_flags & PM_EVENT_FLAG_MISSED) {
	    c->missed += er->er_nparams;
	    report_missed(er->er_nparams, count);
	    continue;
	}
	while ((sts = evwalk_param(&w, &ep, &vbuf, &vlen)) > 0) {
	    if (ep->ep_pmid == ids[P_LINE] || ep->ep_pmid == ids[P_STDERR]) {
		int	err = ep->ep_pmid == ids[P_STDERR];

		/* packed strings are not NUL-terminated: use the length */
		vlen = strnlen(vbuf, vlen);
		if (err)
		    c->errlines++;
		else
		    c->lines++;
		c->bytes += vlen;
		if (!count)
		    fprintf(err ? stderr : stdout, "%.*s\n", (int)vlen, vbuf);
	    } else if (ep->ep_pmid == ids[P_EXIT]) {
		if (vlen < sizeof(*status))
		    return -EPROTO;
		memcpy(status, vbuf, sizeof(*status));
		exited = 1;
	    } else if (ep->ep_pmid == ids[P_REASON] && !count) {
		vlen = strnlen(vbuf, vlen);
		fprintf(stderr, "%s: ended by pmdapipe: %.*s\n",
			pmGetProgname(), (int)vlen, vbuf);
	    }
	}
	if (sts < 0)
	    return sts;
	/* the stock agent flags every record END: only an exit status ends */
	if ((er->er_flags & PM_EVENT_FLAG_END) && have_exit && exited)
	    end = 1;
    }
    return sts < 0 ? sts : end;
}

/* seconds from t0 to now */
static double
since(const struct timespec *t0)
{
    struct timespec	now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Fetches start every interval (a fixed rate, as pmlogger samples): the
 * time a fetch takes is not added to the interval.  A fetch that overran
 * is followed at once by the next, and the schedule restarts from now.
 */
static void
wait_tick(struct timespec *next, long long step)
{
    struct timespec	now;
    long long		ns;

    ns = next->tv_nsec + step % 1000000000LL;
    next->tv_sec += step / 1000000000LL + ns / 1000000000LL;
    next->tv_nsec = ns % 1000000000LL;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next->tv_sec ||
	(now.tv_sec == next->tv_sec && now.tv_nsec >= next->tv_nsec)) {
	*next = now;
	return;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
	;
}

int
main(int argc, char **argv)
{
    const char		*host = "local:", *inst_name;
    struct counts	c = { 0 };
    struct timespec	t0, next;
    double		first = 0, last = 0;
    long long		step;
    pmResult		*rp;
    pmDesc		desc;
    pmID		ids[P_N];
    char		*params = NULL, *end;
    double		interval = 0.25, limit = 0;
    size_t		len = 0;
    int			sts, i, n, inst, opt, count = 0, status = 0;
    int			have_exit, done = 0, seen_end = 0;

    pmSetProgname(argv[0]);
    while ((opt = getopt(argc, argv, "ch:t:T:?")) != -1) {
	switch (opt) {
	case 'c':
	    count = 1;
	    break;
	case 'h':
	    host = optarg;
	    break;
	case 'T':
	    limit = strtod(optarg, &end);
	    if (*end != '\0' || limit <= 0)
		usage();
	    break;
	case 't':
	    interval = strtod(optarg, &end);
	    if (*end == 's')
		end++;
	    if (*end != '\0' || interval <= 0 || interval > 3600)
		usage();
	    break;
	default:
	    usage();
	}
    }
    if (optind >= argc)
	usage();
    inst_name = argv[optind++];
    for (i = optind; i < argc; i++)
	len += strlen(argv[i]) + 1;
    if ((params = calloc(1, len + 1)) == NULL)
	return 1;
    for (i = optind; i < argc; i++) {
	if (i > optind)
	    strcat(params, " ");
	strcat(params, argv[i]);
    }

    if ((sts = pmNewContext(PM_CONTEXT_HOST, host)) < 0) {
	fprintf(stderr, "%s: cannot connect to pmcd on %s: %s\n",
		pmGetProgname(), host, pmErrStr(sts));
	return 1;
    }
    for (i = 0; i < P_N; i++)
	if (pmLookupName(1, &names[i], &ids[i]) < 0)
	    ids[i] = PM_ID_NULL;
    if (ids[P_FIREHOSE] == PM_ID_NULL || ids[P_LINE] == PM_ID_NULL) {
	fprintf(stderr, "%s: no pipe metrics on %s: is pmdapipe installed?\n",
		pmGetProgname(), host);
	return 1;
    }
    /* the stock agent has no exit status: there END ends nothing */
    have_exit = ids[P_EXIT] != PM_ID_NULL;
    if ((sts = pmLookupDesc(ids[P_FIREHOSE], &desc)) < 0 ||
	(sts = inst = pmLookupInDom(desc.indom, inst_name)) < 0) {
	fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), inst_name,
		sts == PM_ERR_INST ? "no such pipe instance" : pmErrStr(sts));
	return 1;
    }
    if ((sts = firehose_start(ids[P_FIREHOSE], desc.indom, inst, params)) < 0) {
	fprintf(stderr, "%s: cannot start %s: %s\n", pmGetProgname(),
		inst_name, pmErrStr(sts));
	return 1;
    }
    step = (long long)(interval * 1e9);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    next = t0;
    while (!done) {
	if ((sts = pmFetch(1, &ids[P_FIREHOSE], &rp)) < 0) {
	    fprintf(stderr, "%s: fetch: %s\n", pmGetProgname(), pmErrStr(sts));
	    return 1;
	}
	n = 0;
	if (rp->numpmid == 1 && rp->vset[0]->numval > 0 &&
	    rp->vset[0]->valfmt != PM_VAL_INSITU &&
	    rp->vset[0]->vlist[0].value.pval->vtype == PM_TYPE_EVENT) {
	    const pmValueBlock	*vb = rp->vset[0]->vlist[0].value.pval;

	    if ((n = ((const pmEventArray *)vb)->ea_nrecords) > 0) {
		last = since(&t0);
		if (c.records == 0)
		    first = last;
		if ((done = records(vb, ids, have_exit, count, &c, &status)) < 0) {
		    fprintf(stderr, "%s: %s: malformed event records from pmcd\n",
			    pmGetProgname(), inst_name);
		    return 1;
		}
		seen_end = 1;
	    }
	} else if (rp->numpmid == 1 && rp->vset[0]->numval < 0) {
	    fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), inst_name,
		    pmErrStr(rp->vset[0]->numval));
	    return 1;
	}
	pmFreeResult(rp);
	if (!have_exit && seen_end && n == 0 && limit == 0)
	    done = 1;	/* stock agent: output stopped */
	if (limit > 0 && since(&t0) >= limit)
	    done = 1;
	if (!done && !count)
	    fflush(stdout);
	if (!done)
	    wait_tick(&next, step);
    }
    if (count)
	printf("records %llu lines %llu stderr %llu bytes %llu missed %llu "
	       "exit %d seconds %.3f first %.6f last %.6f\n", c.records,
	       c.lines, c.errlines, c.bytes, c.missed, status, since(&t0),
	       first, last);
    free(params);
    pmDestroyContext(pmWhichContext());
    return status;
}

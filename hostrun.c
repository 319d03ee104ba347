/*
 * hostrun.c - one pmpipe run on one host.
 *
 * The run's lines go into its own buffers while a fetch is walked and
 * are written, under the output lock, once per fetch: lines of different
 * hosts never mix within a line, and the runs do not take turns line by
 * line.  pmpipe's own messages are lines of the run's stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "evwalk.h"
#include "firehose.h"
#include "hostrun.h"
#include "timeutil.h"

enum { P_FIREHOSE, P_LINE, P_STDERR, P_EXIT, P_REASON, P_N };

static const char *names[P_N] = {
    "pipe.firehose", "pipe.line", "pipe.stderr", "pipe.exitstatus",
    "pipe.endreason",
};

int
hostrun_init(struct hostrun *r, const char *spec, const struct run_opts *o,
	struct runctl *ctl)
{
    memset(r, 0, sizeof(*r));
    r->spec = spec;
    r->o = o;
    r->ctl = ctl;
    r->status = 1;
    /* never show the attributes: they may hold a password */
    if ((r->name = strndup(spec, strcspn(spec, "?"))) == NULL)
	return -ENOMEM;
    return 0;
}

void
hostrun_free(struct hostrun *r)
{
    free(r->name);
    free(r->out.buf);
    free(r->err.buf);
    r->name = r->out.buf = r->err.buf = NULL;
}

static int
put(struct outbuf *b, const char *s, size_t n)
{
    size_t	want;
    char	*nb;

    if (b->len + n > b->size) {
	want = b->size ? b->size : 4096;
	while (want < b->len + n)
	    want *= 2;
	if ((nb = realloc(b->buf, want)) == NULL)
	    return -ENOMEM;
	b->buf = nb;
	b->size = want;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return 0;
}

/* one line of the run's stdout or stderr: prefix, text, newline */
static void
line(struct hostrun *r, int err, const char *s, size_t n)
{
    struct outbuf	*b = err ? &r->err : &r->out;

    if (r->o->prefix && (put(b, r->name, strlen(r->name)) < 0 ||
			 put(b, ": ", 2) < 0))
	return;
    if (put(b, s, n) < 0 || put(b, "\n", 1) < 0)
	return;
}

/* write what the run has buffered */
static void
flush(struct hostrun *r)
{
    if (r->out.len == 0 && r->err.len == 0)
	return;
    pthread_mutex_lock(&r->ctl->out_lock);
    if (r->out.len) {
	fwrite(r->out.buf, 1, r->out.len, stdout);
	fflush(stdout);
    }
    if (r->err.len) {
	fwrite(r->err.buf, 1, r->err.len, stderr);
	fflush(stderr);
    }
    pthread_mutex_unlock(&r->ctl->out_lock);
    r->out.len = r->err.len = 0;
}

/* pmpipe's own message, a line of the run's stderr */
static void
msg(struct hostrun *r, const char *fmt, ...)
{
    char	text[1024];
    int		n;
    va_list	ap;

    n = snprintf(text, sizeof(text), "%s: ", pmGetProgname());
    va_start(ap, fmt);
    vsnprintf(text + n, sizeof(text) - n, fmt, ap);
    va_end(ap);
    line(r, 1, text, strlen(text));
    flush(r);
}

static const char *
errstr(int sts, char *buf, size_t len)
{
    return pmErrStr_r(sts, buf, len);
}

/*
 * Walk a packed event array in place (pmUnpackEventRecords builds a
 * pmResult per record, which costs more than the PMDA spends producing
 * it).  Returns 1 when a record ended the run, -EPROTO when the array
 * is malformed (nothing of it is read past its end).
 */
static int
records(struct hostrun *r, const pmValueBlock *vb, const pmID *ids,
	int have_exit)
{
    struct evwalk		w;
    const pmEventRecord		*er;
    const pmEventParameter	*ep;
    const char			*vbuf;
    size_t			vlen;
    int				end = 0, exited, sts, count = r->o->count;

    if ((sts = evwalk_init(&w, vb)) < 0)
	return sts;
    while ((sts = evwalk_record(&w, &er)) > 0) {
	r->records++;
	exited = 0;
	if (er->er_flags & PM_EVENT_FLAG_MISSED) {
	    r->missed += er->er_nparams;
	    if (!count)
		msg(r, "%d record(s) missed: the client did not keep up with "
		    "the command", er->er_nparams);
	    continue;
	}
	while ((sts = evwalk_param(&w, &ep, &vbuf, &vlen)) > 0) {
	    if (ep->ep_pmid == ids[P_LINE] || ep->ep_pmid == ids[P_STDERR]) {
		int	err = ep->ep_pmid == ids[P_STDERR];

		/* packed strings are not NUL-terminated: use the length */
		vlen = strnlen(vbuf, vlen);
		if (err)
		    r->errlines++;
		else
		    r->lines++;
		r->bytes += vlen;
		if (!count)
		    line(r, err, vbuf, vlen);
	    } else if (ep->ep_pmid == ids[P_EXIT]) {
		if (vlen < sizeof(r->status))
		    return -EPROTO;
		memcpy(&r->status, vbuf, sizeof(r->status));
		exited = 1;
	    } else if (ep->ep_pmid == ids[P_REASON] && !count) {
		vlen = strnlen(vbuf, vlen);
		msg(r, "run ended: %.*s", (int)vlen, vbuf);
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
    return ns_since(t0) / 1e9;
}

static int
stopping(struct runctl *ctl)
{
    int		sig;

    pthread_mutex_lock(&ctl->stop_lock);
    sig = ctl->stop;
    pthread_mutex_unlock(&ctl->stop_lock);
    return sig;
}

/*
 * Fetches start every interval (a fixed rate, as pmlogger samples): the
 * time a fetch takes is not added to the interval.  A fetch that overran
 * is followed at once by the next, and the schedule restarts from now.
 * Returns early, non-zero, when the runs are stopped.
 */
static int
wait_tick(struct runctl *ctl, struct timespec *next, long long step)
{
    struct timespec	now;
    long long		ns;
    int			sig;

    ns = next->tv_nsec + step % 1000000000LL;
    next->tv_sec += step / 1000000000LL + ns / 1000000000LL;
    next->tv_nsec = ns % 1000000000LL;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next->tv_sec ||
	(now.tv_sec == next->tv_sec && now.tv_nsec >= next->tv_nsec)) {
	*next = now;
	return stopping(ctl);
    }
    pthread_mutex_lock(&ctl->stop_lock);
    while (!ctl->stop &&
	   pthread_cond_timedwait(&ctl->wake, &ctl->stop_lock, next) != ETIMEDOUT)
	;
    sig = ctl->stop;
    pthread_mutex_unlock(&ctl->stop_lock);
    return sig;
}

/*
 * The spec's user name when it has no password, so that libpcp may ask
 * for one on the terminal: a pointer into spec and its length, or NULL.
 */
static const char *
prompt_user(const char *spec, size_t *len)
{
    const char	*attrs = strchr(spec, '?'), *p, *u = NULL;

    for (p = attrs; p != NULL && *p; p += strcspn(p, "&,")) {
	p++;
	if (strncmp(p, "password=", 9) == 0 || strncmp(p, "pass=", 5) == 0)
	    return NULL;
	if (strncmp(p, "username=", 9) == 0)
	    u = p + 9;
	else if (strncmp(p, "user=", 5) == 0)
	    u = p + 5;
    }
    if (u != NULL)
	*len = strcspn(u, "&,");
    return u;
}

/*
 * Connect.  With several hosts, connections that may ask for a password
 * are made one at a time, and the terminal libpcp asks on says for which
 * host first.
 */
static int
connect_host(struct hostrun *r)
{
    const char	*console = getenv("PCP_CONSOLE"), *user;
    char	note[512];
    size_t	ulen;
    int		sts, fd;

    if (!r->o->many || (user = prompt_user(r->spec, &ulen)) == NULL)
	return pmNewContext(PM_CONTEXT_HOST, r->spec);
    pthread_mutex_lock(&r->ctl->prompt_lock);
    if (stopping(r->ctl)) {
	pthread_mutex_unlock(&r->ctl->prompt_lock);
	return PM_ERR_TIMEOUT;
    }
    if (console == NULL)
	console = "/dev/tty";
    if (strcmp(console, "none") != 0 &&
	(fd = open(console, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC)) >= 0) {
	snprintf(note, sizeof(note), "%s: connecting to %s as %.*s\n",
		 pmGetProgname(), r->name, (int)ulen, user);
	if (write(fd, note, strlen(note)) < 0) {
	    /* the prompt that follows fails the same way */
	}
	close(fd);
    }
    sts = pmNewContext(PM_CONTEXT_HOST, r->spec);
    pthread_mutex_unlock(&r->ctl->prompt_lock);
    return sts;
}

/* the run after the context is up: 0, or 1 after a message */
static int
run(struct hostrun *r)
{
    const struct run_opts *o = r->o;
    struct timespec	t0, next;
    long long		step;
    pmResult		*rp;
    pmDesc		desc;
    pmID		ids[P_N];
    char		ebuf[PM_MAXERRMSGLEN];
    int			sts, i, n, inst, have_exit, done = 0, seen_end = 0;

    for (i = 0; i < P_N; i++)
	if ((sts = pmLookupName(1, &names[i], &ids[i])) < 0) {
	    ids[i] = PM_ID_NULL;
	    /* not an unknown name: the context failed (e.g. authentication) */
	    if (sts != PM_ERR_NAME) {
		msg(r, "%s on %s: %s", names[i], r->name,
		    errstr(sts, ebuf, sizeof(ebuf)));
		return 1;
	    }
	}
    if (ids[P_FIREHOSE] == PM_ID_NULL || ids[P_LINE] == PM_ID_NULL) {
	msg(r, "no pipe metrics on %s: is pmdapipe installed?", r->name);
	return 1;
    }
    /* the stock agent has no exit status: there END ends nothing */
    have_exit = ids[P_EXIT] != PM_ID_NULL;
    if ((sts = pmLookupDesc(ids[P_FIREHOSE], &desc)) < 0 ||
	(sts = inst = pmLookupInDom(desc.indom, o->inst)) < 0) {
	msg(r, "%s: %s", o->inst, sts == PM_ERR_INST ? "no such pipe instance" :
	    errstr(sts, ebuf, sizeof(ebuf)));
	return 1;
    }
    r->start = since(&o->t0);
    if ((sts = firehose_start(ids[P_FIREHOSE], desc.indom, inst, o->params)) < 0) {
	msg(r, "cannot start %s: %s", o->inst, errstr(sts, ebuf, sizeof(ebuf)));
	return 1;
    }
    r->status = 0;
    step = (long long)(o->interval * 1e9);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    next = t0;
    while (!done) {
	if ((sts = pmFetch(1, &ids[P_FIREHOSE], &rp)) < 0) {
	    msg(r, "fetch: %s", errstr(sts, ebuf, sizeof(ebuf)));
	    return 1;
	}
	n = 0;
	if (rp->numpmid == 1 && rp->vset[0]->numval > 0 &&
	    rp->vset[0]->valfmt != PM_VAL_INSITU &&
	    rp->vset[0]->vlist[0].value.pval->vtype == PM_TYPE_EVENT) {
	    const pmValueBlock	*vb = rp->vset[0]->vlist[0].value.pval;

	    if ((n = ((const pmEventArray *)vb)->ea_nrecords) > 0) {
		r->last = since(&t0);
		if (r->records == 0)
		    r->first = r->last;
		if ((done = records(r, vb, ids, have_exit)) < 0) {
		    pmFreeResult(rp);
		    flush(r);
		    msg(r, "%s: malformed event records from pmcd", o->inst);
		    return 1;
		}
		seen_end = 1;
	    }
	} else if (rp->numpmid == 1 && rp->vset[0]->numval < 0) {
	    sts = rp->vset[0]->numval;
	    pmFreeResult(rp);
	    msg(r, "%s: %s", o->inst, errstr(sts, ebuf, sizeof(ebuf)));
	    return 1;
	}
	pmFreeResult(rp);
	flush(r);
	if (!have_exit && seen_end && n == 0 && o->limit == 0)
	    done = 1;	/* stock agent: output stopped */
	if (o->limit > 0 && since(&t0) >= o->limit)
	    done = 1;
	if (!done && wait_tick(r->ctl, &next, step))
	    done = 1;	/* stopped: the context goes, the PMDA stops the command */
    }
    if (o->count) {
	char	summary[512];

	snprintf(summary, sizeof(summary), "records %llu lines %llu stderr %llu "
		 "bytes %llu missed %llu exit %d seconds %.3f first %.6f "
		 "last %.6f start %.6f", r->records, r->lines, r->errlines,
		 r->bytes, r->missed, r->status, since(&t0), r->first, r->last,
		 r->start);
	line(r, 0, summary, strlen(summary));
	flush(r);
    }
    return r->status;
}

void *
hostrun(void *arg)
{
    struct hostrun	*r = arg;
    char		ebuf[PM_MAXERRMSGLEN];
    int			ctx;

    if ((ctx = connect_host(r)) < 0) {
	if (!stopping(r->ctl))
	    msg(r, "cannot connect to pmcd on %s: %s", r->name,
		errstr(ctx, ebuf, sizeof(ebuf)));
	r->status = 1;
	return NULL;
    }
    r->status = run(r);
    flush(r);
    pmDestroyContext(ctx);
    return NULL;
}

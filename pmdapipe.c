/*
 * pmdapipe - a PMDA that runs administrator-approved commands on behalf
 * of clients and returns their output as event records.
 *
 * PMDA glue only: metric tables, dispatch callbacks, option parsing and
 * the event loop set-up.  See config.c (pipe.conf), session.c (a run of
 * a command), launch.c (fork/exec), evq.c (record queues).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "access.h"
#include "cgroup.h"
#include "client.h"
#include "config.h"
#include "domain.h"
#include "evq.h"
#include "instances.h"
#include "launch.h"
#include "lines.h"
#include "loop.h"
#include "params.h"
#include "session.h"
#include "shared.h"

#define DEFAULT_MAXMEM		(2 * 1024 * 1024)
#define DEFAULT_GRACE_MS	5000
/*
 * One instance's event array must stay under the 24-bit length of a
 * pmValueBlock (16 MiB): cap what one fetch returns; the rest stays
 * queued for the next fetch.
 */
#define FETCH_MAXBYTES		(15 * 1024 * 1024)
#define FETCH_MAXRECORDS	(1024 * 1024)
#define PMCD_PIPE_SIZE		(1024 * 1024)

enum { PIPE_INDOM_SERIAL = 0 };

enum {
    M_NUMCLIENTS, M_MAXMEMORY, M_COMMANDS, M_LINE, M_FIREHOSE,
    M_QMEMUSED, M_QCOUNT, M_QBYTES, M_QNUMCLIENTS, M_STDERR, M_EXITSTATUS,
    M_STARTS, M_FAILURES, M_RUNNING, M_DENIED, M_ENDREASON, M_PEAKMEM,
    M_CPUTIME, M_CONTAINMENT, M_QDROPPED, M_RELOAD, M_AUTOSTART, M_NMETRICS
};

static pmdaIndom indomtab[] = {
    { PIPE_INDOM_SERIAL, 0, NULL },
};

#define UNITS_NONE	PMDA_PMUNITS(0, 0, 0, 0, 0, 0)
#define UNITS_COUNT	PMDA_PMUNITS(0, 0, 1, 0, 0, PM_COUNT_ONE)
#define UNITS_BYTES	PMDA_PMUNITS(1, 0, 0, PM_SPACE_BYTE, 0, 0)
#define UNITS_USEC	PMDA_PMUNITS(0, 1, 0, 0, PM_TIME_USEC, 0)
#define METRIC(cl, it, type, indom, sem, units) \
    { NULL, { PMDA_PMID(cl, it), type, indom, sem, units } }

static pmdaMetric metrictab[] = {
    [M_NUMCLIENTS] = METRIC(0, 0, PM_TYPE_U32, PM_INDOM_NULL, PM_SEM_INSTANT, UNITS_COUNT),
    [M_MAXMEMORY] = METRIC(0, 1, PM_TYPE_U64, PM_INDOM_NULL, PM_SEM_DISCRETE, UNITS_BYTES),
    [M_COMMANDS] = METRIC(0, 2, PM_TYPE_STRING, PIPE_INDOM_SERIAL, PM_SEM_DISCRETE, UNITS_NONE),
    [M_LINE] = METRIC(0, 3, PM_TYPE_STRING, PM_INDOM_NULL, PM_SEM_INSTANT, UNITS_NONE),
    [M_FIREHOSE] = METRIC(0, 4, PM_TYPE_EVENT, PIPE_INDOM_SERIAL, PM_SEM_INSTANT, UNITS_NONE),
    [M_QMEMUSED] = METRIC(0, 5, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_INSTANT, UNITS_BYTES),
    [M_QCOUNT] = METRIC(0, 6, PM_TYPE_U32, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_QBYTES] = METRIC(0, 7, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_BYTES),
    [M_QNUMCLIENTS] = METRIC(0, 8, PM_TYPE_U32, PIPE_INDOM_SERIAL, PM_SEM_INSTANT, UNITS_NONE),
    [M_STDERR] = METRIC(0, 9, PM_TYPE_STRING, PM_INDOM_NULL, PM_SEM_INSTANT, UNITS_NONE),
    [M_EXITSTATUS] = METRIC(0, 10, PM_TYPE_32, PM_INDOM_NULL, PM_SEM_INSTANT, UNITS_NONE),
    [M_STARTS] = METRIC(1, 0, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_FAILURES] = METRIC(1, 1, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_RUNNING] = METRIC(1, 2, PM_TYPE_U32, PIPE_INDOM_SERIAL, PM_SEM_INSTANT, UNITS_COUNT),
    [M_DENIED] = METRIC(1, 3, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_ENDREASON] = METRIC(0, 11, PM_TYPE_STRING, PM_INDOM_NULL, PM_SEM_INSTANT, UNITS_NONE),
    [M_PEAKMEM] = METRIC(1, 4, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_INSTANT, UNITS_BYTES),
    [M_CPUTIME] = METRIC(1, 5, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_USEC),
    [M_QDROPPED] = METRIC(0, 12, PM_TYPE_U64, PIPE_INDOM_SERIAL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_RELOAD] = METRIC(2, 1, PM_TYPE_U32, PM_INDOM_NULL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_CONTAINMENT] = METRIC(2, 0, PM_TYPE_STRING, PM_INDOM_NULL, PM_SEM_DISCRETE, UNITS_NONE),
    [M_AUTOSTART] = METRIC(1, 6, PM_TYPE_U32, PIPE_INDOM_SERIAL, PM_SEM_DISCRETE, UNITS_NONE),
};

/* the PMDA's state: one instance of it, owned by main() */
static struct {
    pmdaInterface	dispatch;
    struct pipe_config	*cfg;		/* current; reloads swap it */
    const char		*config;	/* -c FILE, or NULL for the defaults */
    struct session_opts	so;
    size_t		maxmem;
    int			*arrays;	/* event array per instance, -1 unset */
    int			narrays;
    unsigned int	reloads;
    int			fetch_ctx;	/* context of the fetch in progress */
    int			stop;
    struct loop_watch	wpmcd, wsig, wtick;
    int			sigfd, tickfd;
} pmda = { .maxmem = DEFAULT_MAXMEM, .sigfd = -1, .tickfd = -1 };

static int reload(const char *why);
static void rebuild_indom(void);

/* ---- fetch ---- */

struct qsum {
    int			inst;
    unsigned long long	mem;
    unsigned int	nclients;
};

static void
sum_slot(struct slot *s, void *arg)
{
    struct qsum	*q = arg;

    if (s->inst != q->inst)
	return;
    q->mem += s->q.mem;
    q->nclients++;
}

/* bytes a record takes in a packed event array (and its missed record) */
static size_t
record_size(const struct evrec *r)
{
    size_t	rec = sizeof(pmEventRecord) - sizeof(pmEventParameter);
    size_t	param = sizeof(pmEventParameter);

    return (r->missed ? rec : 0) + rec + param + ((r->len + 1 + 3) & ~3UL) +
	   (r->kind == EV_EXIT ? param + 4 : 0);
}

static int
add_record(int arr, const struct evrec *r)
{
    pmAtomValue	atom;
    int		sts;

    if (r->missed &&
	(sts = pmdaEventAddMissedRecord(arr, (struct timeval *)&r->tv, r->missed)) < 0)
	return sts;
    if ((sts = pmdaEventAddRecord(arr, (struct timeval *)&r->tv, r->flags)) < 0)
	return sts;
    switch (r->kind) {
    case EV_LINE:
	atom.cp = (char *)r->data;
	return pmdaEventAddParam(arr, metrictab[M_LINE].m_desc.pmid,
				 PM_TYPE_STRING, &atom);
    case EV_STDERR:
	atom.cp = (char *)r->data;
	return pmdaEventAddParam(arr, metrictab[M_STDERR].m_desc.pmid,
				 PM_TYPE_STRING, &atom);
    case EV_EXIT:
	atom.l = r->status;
	if ((sts = pmdaEventAddParam(arr, metrictab[M_EXITSTATUS].m_desc.pmid,
				     PM_TYPE_32, &atom)) < 0 || r->len == 0)
	    return sts;
	atom.cp = (char *)r->data;	/* the PMDA ended it: say why */
	return pmdaEventAddParam(arr, metrictab[M_ENDREASON].m_desc.pmid,
				 PM_TYPE_STRING, &atom);
    }
    return 0;
}

static int
event_array(int inst)
{
    int		arr;

    if ((arr = pmda.arrays[inst]) < 0) {
	if ((arr = pmdaEventNewArray()) < 0)
	    return arr;
	pmda.arrays[inst] = arr;
    }
    pmdaEventResetArray(arr);
    return arr;
}

static int check_access(const struct client *, int, const char *, char *, size_t);

/* make s a reader of shared slot sh (no-op when it is one already) */
static void
reader_attach(struct slot *s, const struct slot *sh)
{
    if (!s->reader) {
	/* like pmdaEventQueue: a new reader sees what arrives from now on */
	s->reader = 1;
	s->gen = sh->gen;
	s->cursor = sh->q.head_seq + sh->q.count;
    } else if (s->gen != sh->gen) {
	/* the instance was removed and added back: a new queue, all new */
	s->gen = sh->gen;
	s->cursor = sh->q.head_seq;
    }
}

/*
 * A reader of a shared (autostart) instance: records from its cursor on,
 * a missed record for any it fell behind on.  Access rules apply.
 */
static int
fetch_shared(struct client *c, int inst, struct slot *sh, pmAtomValue *atom)
{
    struct slot		*s;
    struct evrec	*r;
    unsigned long long	seq;
    size_t		bytes = 0;
    char		who[256];
    int			arr, n = 0, sts;

    if (c == NULL || (s = client_slot(c, inst, 1, 0)) == NULL)
	return -ENOMEM;
    /* decided once per configuration: a refused reader is logged once */
    if (s->access_gen != pmda.reloads + 1) {
	client_who(c, who, sizeof(who));
	s->access_ok = check_access(c, inst, "(shared: fetch)", who,
				    sizeof(who)) == 0;
	s->access_gen = pmda.reloads + 1;
    }
    if (!s->access_ok)
	return PM_ERR_PERMISSION;
    reader_attach(s, sh);
    if ((arr = event_array(inst)) < 0)
	return arr;
    if (s->cursor < sh->q.head_seq) {
	struct timeval	now;

	gettimeofday(&now, NULL);
	if ((sts = pmdaEventAddMissedRecord(arr, &now,
			(int)(sh->q.head_seq - s->cursor))) < 0)
	    return sts;
	s->cursor = sh->q.head_seq;
    }
    for (seq = sh->q.head_seq, r = sh->q.head; r && seq < s->cursor; r = r->next)
	seq++;
    for (; r != NULL; r = r->next) {
	if (n > 0 && (bytes + record_size(r) > FETCH_MAXBYTES ||
		      n >= FETCH_MAXRECORDS))
	    break;
	if ((sts = add_record(arr, r)) < 0)
	    return sts;
	bytes += record_size(r);
	n++;
	s->cursor++;
    }
    if (pmdaEventGetAddr(arr)->ea_nrecords == 0)
	return PMDA_FETCH_NOVALUES;	/* nothing new: no value, as stock */
    atom->vbp = (pmValueBlock *)pmdaEventGetAddr(arr);
    return PMDA_FETCH_STATIC;
}

/* move queued records into this instance's event array, within a budget */
static int
fetch_records(int inst, pmAtomValue *atom)
{
    struct client	*c = client_get(pmda.fetch_ctx, 1);
    struct slot		*s, *sh;
    struct evrec	*r;
    struct timeval	now;
    unsigned int	missed;
    size_t		bytes = 0;
    int			arr, n = 0, sts;

    if ((sh = shared_slot(inst)) != NULL)
	return fetch_shared(c, inst, sh, atom);
    if ((s = c ? client_slot(c, inst, 0, 0) : NULL) == NULL)
	return PMDA_FETCH_NOVALUES;
    if ((arr = event_array(inst)) < 0)
	return arr;
    while ((r = evq_peek(&s->q)) != NULL) {
	if (n > 0 && (bytes + record_size(r) > FETCH_MAXBYTES ||
		      n >= FETCH_MAXRECORDS))
	    break;		/* the rest waits for the next fetch */
	if ((sts = add_record(arr, r)) < 0)
	    return sts;
	bytes += record_size(r);
	n++;
	evq_pop(&s->q);
    }
    if (s->q.head == NULL && (missed = evq_take_missed(&s->q)) > 0) {
	gettimeofday(&now, NULL);
	if ((sts = pmdaEventAddMissedRecord(arr, &now, missed)) < 0)
	    return sts;
    }
    if (s->run)
	session_resume(s->run);
    if (pmdaEventGetAddr(arr)->ea_nrecords == 0)
	return PMDA_FETCH_NOVALUES;	/* nothing new: no value, as stock */
    atom->vbp = (pmValueBlock *)pmdaEventGetAddr(arr);
    return PMDA_FETCH_STATIC;
}

static int
pipe_fetch_cb(pmdaMetric *mdesc, unsigned int inst, pmAtomValue *atom)
{
    unsigned int	cluster = pmID_cluster(mdesc->m_desc.pmid);
    unsigned int	item = pmID_item(mdesc->m_desc.pmid);
    struct inst_stats	*is;
    struct qsum		q;

    if (mdesc->m_desc.indom != PM_INDOM_NULL && (int)inst >= inst_count())
	return PM_ERR_INST;
    is = session_stats(inst);
    if (cluster == 0) {
	switch (item) {
	case 0:
	    atom->ul = client_count();
	    return PMDA_FETCH_STATIC;
	case 1:
	    atom->ull = pmda.maxmem;
	    return PMDA_FETCH_STATIC;
	case 2:
	    if (inst_cmd(inst) == NULL)	/* removed by a reload */
		return PMDA_FETCH_NOVALUES;
	    atom->cp = inst_cmd(inst)->command;
	    return PMDA_FETCH_STATIC;
	case 3: case 9: case 10: case 11:	/* event parameters: in records only */
	    return PMDA_FETCH_NOVALUES;
	case 4:
	    return fetch_records(inst, atom);
	case 5: case 8:
	    memset(&q, 0, sizeof(q));
	    q.inst = inst;
	    client_foreach_slot(sum_slot, &q);
	    if (shared_slot(inst))
		q.mem += shared_slot(inst)->q.mem;
	    if (item == 5)
		atom->ull = q.mem;
	    else
		atom->ul = q.nclients;
	    return PMDA_FETCH_STATIC;
	case 6:
	    atom->ul = (unsigned int)is->lines;
	    return PMDA_FETCH_STATIC;
	case 7:
	    atom->ull = is->bytes;
	    return PMDA_FETCH_STATIC;
	case 12:
	    atom->ull = is->dropped;
	    return PMDA_FETCH_STATIC;
	}
    } else if (cluster == 1) {
	switch (item) {
	case 0:
	    atom->ull = is->starts;
	    return PMDA_FETCH_STATIC;
	case 1:
	    atom->ull = is->failures;
	    return PMDA_FETCH_STATIC;
	case 2:
	    atom->ul = is->running;
	    return PMDA_FETCH_STATIC;
	case 3:
	    atom->ull = is->denied;
	    return PMDA_FETCH_STATIC;
	case 4:
	    atom->ull = is->peak_memory;
	    return PMDA_FETCH_STATIC;
	case 5:
	    atom->ull = is->cpu_usec;
	    return PMDA_FETCH_STATIC;
	case 6:
	    if (inst_cmd(inst) == NULL)
		return PMDA_FETCH_NOVALUES;
	    atom->ul = inst_cmd(inst)->opts.autostart ? 1 : 0;
	    return PMDA_FETCH_STATIC;
	}
    } else if (cluster == 2 && item == 0) {
	atom->cp = (char *)cgroup_tier_name(cgroup_tier());
	return PMDA_FETCH_STATIC;
    } else if (cluster == 2 && item == 1) {
	atom->ul = pmda.reloads;
	return PMDA_FETCH_STATIC;
    }
    return PM_ERR_PMID;
}

/* ---- store: start a command ---- */

/*
 * May this client start instance inst?  Denials are logged and counted
 * and fail the store with PM_ERR_PERMISSION; who gets the reason for
 * the start log line appended.
 */
static int
check_access(const struct client *c, int inst, const char *params,
	char *who, size_t len)
{
    const struct pipe_cmd	*cmd = inst_cmd(inst);
    struct client_identity	id;
    struct access_subject	subj;
    struct access_decision	d;
    size_t			n;
    int				sts;

    if ((sts = client_identity(c, &id, &subj)) < 0)
	return sts;
    access_decide(pmda.cfg, &subj, cmd->name, &d);
    client_identity_free(&id);
    if (!d.allow) {
	session_stats(inst)->denied++;
	if (d.rule)
	    pmNotifyErr(LOG_NOTICE, "deny: %s instance %s params \"%s\": "
			"%s %s:%d", who, cmd->name, params,
			access_reason_text(d.reason), d.rule->file, d.rule->line);
	else
	    pmNotifyErr(LOG_NOTICE, "deny: %s instance %s params \"%s\": %s",
			who, cmd->name, params, access_reason_text(d.reason));
	return PM_ERR_PERMISSION;
    }
    n = strlen(who);
    if (d.rule)
	snprintf(who + n, len - n, " [allowed by %s:%d]", d.rule->file,
		 d.rule->line);
    else
	snprintf(who + n, len - n, " [%s]", d.reason == ACCESS_ROOT ?
		 "root" : "uncontrolled instance");
    return 0;
}

/*
 * pidparam = N: parameter N names a process the client owns (root may
 * name any).  The process could exit and its PID be reused before the
 * command attaches: commands must tolerate that, as any tracer must.
 */
static int
check_pid_param(const struct client *c, int inst, const struct pipe_cmd *cmd,
	const char *text, const char *who)
{
    struct params	p;
    struct stat		sb;
    char		path[64];
    const char		*arg, *d;
    int			sts, n = cmd->opts.pidparam;

    if ((sts = params_parse(text, &p)) < 0)
	return sts;		/* session_start logs bad parameters */
    if (p.n < n) {
	params_free(&p);
	return PM_ERR_BADSTORE;
    }
    arg = p.v[n - 1];
    for (d = arg; *d; d++)
	if (*d < '0' || *d > '9')
	    break;
    if (*d != '\0' || *arg == '\0' || strlen(arg) > 10) {
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: parameter %d \"%s\" "
		    "is not a process id", who, cmd->name, n, arg);
	params_free(&p);
	return PM_ERR_BADSTORE;
    }
    snprintf(path, sizeof(path), "/proc/%s", arg);
    if (stat(path, &sb) < 0) {
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: no process %s",
		    who, cmd->name, arg);
	params_free(&p);
	return PM_ERR_BADSTORE;
    }
    if (!c->have_uid || (c->uid != 0 && c->uid != sb.st_uid)) {
	pmNotifyErr(LOG_NOTICE, "deny: %s instance %s: process %s belongs "
		    "to uid %u, not to the client", who, cmd->name, arg,
		    (unsigned)sb.st_uid);
	session_stats(inst)->denied++;
	params_free(&p);
	return PM_ERR_PERMISSION;
    }
    params_free(&p);
    return 0;
}

/* do parameter texts a and b hold the same parameters? */
static int
same_params(const char *a, const char *b)
{
    struct params	pa, pb;
    int			i, same;

    if (params_parse(a, &pa) < 0)
	return 0;
    if (params_parse(b, &pb) < 0) {
	params_free(&pa);
	return 0;
    }
    same = pa.n == pb.n;
    for (i = 0; same && i < pa.n; i++)
	same = strcmp(pa.v[i], pb.v[i]) == 0;
    params_free(&pa);
    params_free(&pb);
    return same;
}

/*
 * A store into a shared (autostart) instance with no parameters or its
 * own: join its stream, as the first fetch would (the usual
 * "pmevent -x '' -i NAME" works).  Other parameters cannot apply to a
 * command that is already running for everyone.
 */
static int
join_shared(struct client *c, int inst, const struct pipe_cmd *cmd,
	struct slot *sh, const char *params, const char *who, int dry_run)
{
    struct slot	*s;
    char	why[256];
    int		sts;

    if (params[0] != '\0' && !same_params(params, cmd->opts.params)) {
	pmNotifyErr(LOG_INFO, "deny: %s instance %s params \"%s\": a shared "
		    "(autostart) instance runs with params \"%s\": store "
		    "those or none to join it", who, cmd->name, params,
		    cmd->opts.params);
	return PM_ERR_BADSTORE;
    }
    snprintf(why, sizeof(why), "%s", who);
    if ((sts = check_access(c, inst, params, why, sizeof(why))) < 0)
	return sts;
    if (dry_run)
	return 0;
    if ((s = client_slot(c, inst, 1, 0)) == NULL)
	return -ENOMEM;
    s->access_ok = 1;
    s->access_gen = pmda.reloads + 1;
    if (!s->reader)
	pmNotifyErr(LOG_INFO, "join: %s instance %s (shared, pid %d)", why,
		    cmd->name, sh->run ? (int)session_pid(sh->run) : -1);
    reader_attach(s, sh);
    return 0;
}

/* check (dry_run) or start one value of a store into pipe.firehose */
static int
store_one(struct client *c, pmValueSet *vsp, int j, int dry_run)
{
    pmValue		*v = &vsp->vlist[j];
    const struct pipe_cmd *cmd;
    struct slot		*s, *sh;
    char		who[256];
    int			sts;

    client_who(c, who, sizeof(who));
    if ((cmd = inst_cmd(v->inst)) == NULL) {
	pmNotifyErr(LOG_INFO, "deny: %s: store to %s instance %d%s%s",
		    who, inst_name(v->inst) ? "removed" : "unknown", v->inst,
		    inst_name(v->inst) ? " " : "",
		    inst_name(v->inst) ? inst_name(v->inst) : "");
	return PM_ERR_INST;
    }
    if (vsp->valfmt == PM_VAL_INSITU || v->value.pval == NULL ||
	v->value.pval->vtype != PM_TYPE_STRING) {
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: parameters must be a "
		    "string value", who, cmd->name);
	return PM_ERR_TYPE;
    }
    if ((sh = shared_slot(v->inst)) != NULL)
	return join_shared(c, v->inst, cmd, sh, v->value.pval->vbuf, who,
			   dry_run);
    if ((sts = check_access(c, v->inst, v->value.pval->vbuf, who,
			    sizeof(who))) < 0)
	return sts;
    if ((cmd->opts.set & OPT_PIDPARAM) &&
	(sts = check_pid_param(c, v->inst, cmd, v->value.pval->vbuf, who)) < 0)
	return sts;
    if (dry_run)
	return 0;
    if ((s = client_slot(c, v->inst, 1, (cmd->opts.set & OPT_QUEUE) ?
			 cmd->opts.queue : pmda.maxmem)) == NULL)
	return -ENOMEM;
    return session_start(s, cmd, v->value.pval->vbuf, who);
}

/*
 * The client context of a request is pe->e_context: pmdaGetContext() is
 * only brought up to date by pmdaFetch, so a store or a fetch must never
 * use it before that (it names whichever context fetched last).
 */
static int
pipe_store(pmResult *result, pmdaExt *pe)
{
    struct client	*c = client_get(pe->e_context, 1);
    pmValueSet		*vsp;
    int			i, j, sts;

    if (c == NULL)
	return -ENOMEM;
    for (i = 0; i < result->numpmid; i++) {
	vsp = result->vset[i];
	if (pmID_cluster(vsp->pmid) == 2 && pmID_item(vsp->pmid) == 1) {
	    if (!c->have_uid || c->uid != 0) {
		pmNotifyErr(LOG_NOTICE, "deny: reload requested by a client "
			    "that is not root");
		return PM_ERR_PERMISSION;
	    }
	    if ((sts = reload("pmstore pipe.control.reload")) < 0)
		return sts;
	    continue;
	}
	if (pmID_cluster(vsp->pmid) != 0 || pmID_item(vsp->pmid) != 4)
	    return PM_ERR_PERMISSION;	/* only pipe.firehose is writable */
	if (vsp->numval <= 0)
	    return PM_ERR_BADSTORE;
	/* all or nothing: check every value before starting any command */
	for (j = 0; j < vsp->numval; j++)
	    if ((sts = store_one(c, vsp, j, 1)) < 0)
		return sts;
	for (j = 0; j < vsp->numval; j++)
	    if ((sts = store_one(c, vsp, j, 0)) < 0)
		return sts;
    }
    return 0;
}

static int
pipe_fetch(int numpmid, pmID *pmidlist, pmResult **resp, pmdaExt *pe)
{
    pmda.fetch_ctx = pe->e_context;
    return pmdaFetch(numpmid, pmidlist, resp, pe);
}

/* ---- client contexts ---- */

static int
pipe_attribute(int ctx, int attr, const char *value, int length, pmdaExt *pe)
{
    struct client	*c = client_get(ctx, 1);
    struct passwd	*pw;

    if (pmDebugOptions.appl0)
	pmNotifyErr(LOG_DEBUG, "attribute: ctx %d attr %d value %.*s",
		    ctx, attr, length, value ? value : "");
    if (c != NULL) {
	switch (attr) {
	case PMDA_ATTR_USERID:
	    c->uid = (uid_t)strtoul(value, NULL, 10);
	    c->have_uid = 1;
	    free(c->username);
	    c->username = (pw = getpwuid(c->uid)) ? strdup(pw->pw_name) : NULL;
	    break;
	case PMDA_ATTR_GROUPID:
	    c->gid = (gid_t)strtoul(value, NULL, 10);
	    c->have_gid = 1;
	    break;
	}
    }
    return pmdaAttribute(ctx, attr, value, length, pe);
}

static void
pipe_end_context(int ctx)
{
    client_end(ctx);
    rebuild_indom();	/* a removed instance may have lost its last client */
}

/* ---- event loop handlers ---- */

static void
on_pmcd(void *arg, uint32_t events)
{
    (void)arg;
    (void)events;
    if (__pmdaMainPDU(&pmda.dispatch) < 0) {
	pmNotifyErr(LOG_INFO, "pmcd closed the connection, shutting down");
	pmda.stop = 1;
    }
}

static void
on_signal(void *arg, uint32_t events)
{
    struct signalfd_siginfo	si;

    (void)arg;
    (void)events;
    while (read(pmda.sigfd, &si, sizeof(si)) == sizeof(si)) {
	if (si.ssi_signo == SIGHUP) {
	    reload("SIGHUP");
	    continue;
	}
	pmNotifyErr(LOG_INFO, "caught signal %d from pid %u, shutting down",
		    si.ssi_signo, si.ssi_pid);
	pmda.stop = 1;
    }
}

static void
on_tick(void *arg, uint32_t events)
{
    (void)arg;
    (void)events;
    loop_timer_ack(pmda.tickfd);
    cgroup_retry();
}

static int
setup_loop(void)
{
    struct itimerspec	its = { { 1, 0 }, { 1, 0 } };
    sigset_t		mask;
    int			sts;

    if ((sts = loop_init()) < 0)
	return sts;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
	return -errno;
    signal(SIGPIPE, SIG_IGN);
    if ((pmda.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
	return -errno;
    if ((sts = loop_add(&pmda.wsig, pmda.sigfd, EPOLLIN, on_signal, NULL)) < 0)
	return sts;
    if ((pmda.tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
	return -errno;
    timerfd_settime(pmda.tickfd, 0, &its, NULL);
    if ((sts = loop_add(&pmda.wtick, pmda.tickfd, EPOLLIN, on_tick, NULL)) < 0)
	return sts;
    return loop_add(&pmda.wpmcd, __pmdaInFd(&pmda.dispatch), EPOLLIN, on_pmcd, NULL);
}

/* ---- start-up ---- */

static void
raise_nofile(void)
{
    struct rlimit	rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
	return;
    launch_set_base_nofile(&rl);	/* commands keep the usual limit */
    if (rl.rlim_cur < rl.rlim_max) {
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
	    pmNotifyErr(LOG_WARNING, "cannot raise open file limit: %s",
			strerror(errno));
    }
}

static int
parse_size(const char *s, size_t *out)
{
    char		*end;
    unsigned long long	v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
	return -EINVAL;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    }
    if (*end == 'b' || *end == 'B')
	end++;
    if (*end != '\0' || v == 0)
	return -EINVAL;
    *out = (size_t)v;
    return 0;
}

/* a parse trace line (-D appl0,appl1,appl2): stderr with -C, else the log */
static void
config_trace(void *arg, const char *text)
{
    if (*(int *)arg)
	fprintf(stderr, "%s\n", text);
    else
	pmNotifyErr(LOG_DEBUG, "config: %s", text);
}

static int
load_config(const char *file, int check, struct pipe_config **out)
{
    struct config_diag	diag = { 0 };
    char		main_conf[PATH_MAX], conf_dir[PATH_MAX];
    size_t		i;
    int			errors;

    if (file == NULL) {
	snprintf(main_conf, sizeof(main_conf), "%s/pipe/pipe.conf",
		 pmGetConfig("PCP_PMDAS_DIR"));
	snprintf(conf_dir, sizeof(conf_dir), "%s/pipe.conf.d",
		 pmGetConfig("PCP_SYSCONF_DIR"));
    }
    *out = NULL;
    diag.trace = (pmDebugOptions.appl1 ? CONFIG_TRACE_LINES : 0) |
		 (pmDebugOptions.appl0 ? CONFIG_TRACE_PARSED : 0) |
		 (pmDebugOptions.appl2 ? CONFIG_TRACE_RESULT : 0);
    diag.trace_fn = config_trace;
    diag.trace_arg = &check;
    errors = config_load(file ? file : main_conf, file != NULL,
			 file ? NULL : conf_dir, out, &diag);
    for (i = 0; i < diag.nmsgs; i++) {
	if (check)
	    fprintf(stderr, "%s\n", diag.msgs[i]);
	else
	    pmNotifyErr(LOG_ERR, "%s", diag.msgs[i]);
    }
    diag_clear(&diag);
    for (i = 0; errors >= 0 && i < (*out)->ncmds; i++) {
	const struct pipe_cmd	*cmd = &(*out)->cmds[i];
	struct passwd		*pw = getpwnam(cmd->user);

	if (pw == NULL || pw->pw_uid != 0 || access_controlled(*out, cmd->name))
	    continue;
	if (check)
	    fprintf(stderr, "%s:%d: warning: instance \"%s\" runs as root and "
		    "no [access] rule covers it: any local user may run it\n",
		    cmd->file, cmd->line, cmd->name);
	else
	    pmNotifyErr(LOG_WARNING, "%s:%d: instance \"%s\" runs as root and "
			"no [access] rule covers it: any local user may run it",
			cmd->file, cmd->line, cmd->name);
    }
    for (i = 0; errors >= 0 && i < (*out)->ncmds; i++) {
	const struct pipe_cmd	*cmd = &(*out)->cmds[i];
	struct params		p;
	char			**argv;

	if (!cmd->opts.autostart)
	    continue;
	if (params_parse(cmd->opts.params, &p) < 0 ||
	    params_argv(cmd, &p, &argv) < 0) {
	    if (check)
		fprintf(stderr, "%s:%d: instance \"%s\": autostart params "
			"\"%s\" are not valid for its command (needs %d)\n",
			cmd->file, cmd->line, cmd->name, cmd->opts.params,
			cmd->nparams);
	    else
		pmNotifyErr(LOG_ERR, "%s:%d: instance \"%s\": autostart params "
			    "\"%s\" are not valid for its command (needs %d)",
			    cmd->file, cmd->line, cmd->name, cmd->opts.params,
			    cmd->nparams);
	    errors++;
	} else
	    argv_free(argv);
	params_free(&p);
    }
    if (errors < 0) {
	if (check)
	    fprintf(stderr, "%s: %s\n", pmGetProgname(), strerror(-errors));
	else
	    pmNotifyErr(LOG_ERR, "cannot load configuration: %s",
			strerror(-errors));
	return errors;
    }
    return errors;
}

static void
mark_slot(struct slot *s, void *arg)
{
    ((char *)arg)[s->inst] = 1;
}

/*
 * The instance domain lists every instance of the current configuration,
 * plus removed ones some client still holds a queue for; the ids of the
 * rest stay reserved in the cache.
 */
static void
rebuild_indom(void)
{
    char	*used;
    int		i, count = inst_count();

    if ((used = calloc(count + 1, 1)) == NULL)
	return;
    client_foreach_slot(mark_slot, used);
    for (i = 0; i < count; i++)
	inst_show(i, inst_cmd(i) != NULL || used[i]);
    free(used);
}

/* make cfg current (it is then owned here); the old one is freed */
static int
apply_config(struct pipe_config *cfg)
{
    int		*arrays, count, i;

    if ((count = inst_apply(cfg)) < 0)
	return count;
    if (count > pmda.narrays) {
	if ((arrays = realloc(pmda.arrays, count * sizeof(int))) == NULL)
	    return -ENOMEM;
	for (i = pmda.narrays; i < count; i++)
	    arrays[i] = -1;
	pmda.arrays = arrays;
	pmda.narrays = count;
    }
    session_configure(&pmda.so, count);
    config_free(pmda.cfg);
    pmda.cfg = cfg;
    rebuild_indom();
    return 0;
}

/*
 * Re-read the configuration.  A configuration with any error is rejected
 * whole and the current one stays; running commands are never disturbed.
 */
static int
reload(const char *why)
{
    struct pipe_config	*cfg = NULL;
    size_t		before = pmda.cfg ? pmda.cfg->ncmds : 0;
    int			errors, sts;

    pmNotifyErr(LOG_INFO, "reload (%s): reading the configuration", why);
    errors = load_config(pmda.config, 0, &cfg);
    if (errors != 0) {
	pmNotifyErr(LOG_ERR, "reload rejected: %s; keeping the current "
		    "configuration (%zu command(s))", errors < 0 ?
		    strerror(-errors) : "the new configuration has errors",
		    before);
	config_free(cfg);
	return errors < 0 ? errors : -EINVAL;
    }
    if ((sts = apply_config(cfg)) < 0) {
	pmNotifyErr(LOG_ERR, "reload failed: %s", strerror(-sts));
	config_free(cfg);
	return sts;
    }
    pmda.reloads++;
    shared_sync(pmda.maxmem);
    pmNotifyErr(LOG_INFO, "reload done: %zu command(s), %zu access rule(s)",
		pmda.cfg->ncmds, pmda.cfg->nrules);
    return 0;
}

static pmLongOptions longopts[] = {
    PMDA_OPTIONS_HEADER("Options"),
    PMOPT_DEBUG,
    PMDAOPT_DOMAIN,
    PMDAOPT_LOGFILE,
    { "config", 1, 'c', "FILE", "configuration file (default: pipe.conf + pipe.conf.d/)" },
    { "check", 0, 'C', 0, "check the configuration, print errors, exit 0/1" },
    { "cgroup", 1, 'G', "DIR", "cgroup v2 root for commands: DIR, auto or none" },
    { "grace", 1, 'k', "SECS", "SIGTERM to SIGKILL grace period (default 5)" },
    { "maxline", 1, 'L', "SIZE", "longest line delivered whole (default 1M)" },
    { "memory", 1, 'm', "SIZE", "maximum queued bytes per client (default 2M)" },
    PMOPT_HELP,
    PMDA_OPTIONS_END
};

static pmdaOptions opts = {
    .short_options = "c:CD:d:G:k:l:L:m:?",
    .long_options = longopts,
};

int
main(int argc, char **argv)
{
    struct session_opts	so = { DEFAULT_GRACE_MS, LINES_DEFAULT_MAX };
    struct pipe_config	*cfg = NULL;
    char		helppath[PATH_MAX], *config = NULL, *end;
    const char		*cgroot = "auto";
    double		grace;
    int			c, check = 0, sts, errors;

    pmSetProgname(argv[0]);
    snprintf(helppath, sizeof(helppath), "%s/pipe/help",
	     pmGetConfig("PCP_PMDAS_DIR"));
    pmdaDaemon(&pmda.dispatch, PMDA_INTERFACE_6, pmGetProgname(), PIPE,
	       "pipe.log", helppath);

    while ((c = pmdaGetOptions(argc, argv, &opts, &pmda.dispatch)) != EOF) {
	switch (c) {
	case 'c':
	    config = opts.optarg;
	    break;
	case 'C':
	    check = 1;
	    break;
	case 'G':
	    cgroot = opts.optarg;
	    break;
	case 'k':
	    grace = strtod(opts.optarg, &end);
	    if (*end != '\0' || grace < 0 || grace > 3600) {
		pmprintf("%s: -k wants seconds (0 to 3600)\n", pmGetProgname());
		opts.errors++;
	    } else
		so.grace_ms = (long)(grace * 1000);
	    break;
	case 'L':
	    if (parse_size(opts.optarg, &so.maxline) < 0 || so.maxline < 1024) {
		pmprintf("%s: -L wants a size of at least 1K\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	case 'm':
	    if (parse_size(opts.optarg, &pmda.maxmem) < 0) {
		pmprintf("%s: -m wants a size (e.g. 2M)\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	default:
	    opts.errors++;
	}
    }
    if (opts.errors || opts.optind != argc) {
	pmdaUsageMessage(&opts);
	exit(1);
    }
    pmda.config = config;
    pmda.so = so;
    if (check) {
	errors = load_config(config, 1, &cfg);
	if (errors == 0) {
	    printf("%s: configuration OK: %zu command(s), %zu access rule(s)\n",
		   pmGetProgname(), cfg->ncmds, cfg->nrules);
	    for (c = 0; c < (int)cfg->ncmds; c++)
		printf("%s: runs %s as %s\n", cfg->cmds[c].name,
		       config_run_text(&cfg->cmds[c]), cfg->cmds[c].user);
	}
	config_free(cfg);
	exit(errors == 0 ? 0 : 1);
    }

    pmdaOpenLog(&pmda.dispatch);
    errors = load_config(config, 0, &cfg);
    if (errors != 0) {
	/* fail closed: a broken access rule must not open anything */
	pmNotifyErr(LOG_ERR, "configuration has %s: serving no commands "
		    "(check it with %s -C, then send SIGHUP)", errors < 0 ?
		    strerror(-errors) : "errors", pmGetProgname());
	config_free(cfg);
	cfg = config_new();
    }
    pmda.dispatch.version.six.fetch = pipe_fetch;
    pmda.dispatch.version.six.store = pipe_store;
    pmda.dispatch.version.six.attribute = pipe_attribute;
    pmdaSetFetchCallBack(&pmda.dispatch, pipe_fetch_cb);
    pmdaSetEndContextCallBack(&pmda.dispatch, pipe_end_context);
    pmdaSetCommFlags(&pmda.dispatch, PMDA_FLAG_AUTHORIZE);
    pmdaInit(&pmda.dispatch, indomtab, 1, metrictab, M_NMETRICS);
    /* instance ids: the saved name -> id map, before the first config */
    inst_init(indomtab[PIPE_INDOM_SERIAL].it_indom);
    if (cfg == NULL || apply_config(cfg) < 0) {
	pmNotifyErr(LOG_ERR, "out of memory");
	exit(1);
    }
    pmNotifyErr(LOG_INFO, "%zu command(s), %zu access rule(s), queue limit "
		"%zu bytes per client, line limit %zu bytes, grace %ld ms",
		pmda.cfg->ncmds, pmda.cfg->nrules, pmda.maxmem, so.maxline,
		so.grace_ms);

    if ((sts = cgroup_setup(cgroot)) < 0)
	pmNotifyErr(LOG_WARNING, "containment: %s: no usable cgroup2 (%s: %s): "
		    "commands are tracked and killed by process group, limits "
		    "enforced with rlimits", cgroup_tier_name(cgroup_tier()),
		    cgroot, strerror(-sts));
    else if (cgroup_tier() == TIER_CGROUP_KILL)
	pmNotifyErr(LOG_WARNING, "containment: %s: commands run under %s, "
		    "which lacks the memory/pids/cpu controllers: limits are "
		    "enforced with rlimits", cgroup_tier_name(cgroup_tier()),
		    cgroup_base());
    else
	pmNotifyErr(LOG_INFO, "containment: %s: commands run under %s",
		    cgroup_tier_name(cgroup_tier()), cgroup_base());
    if (sts > 0)
	pmNotifyErr(LOG_WARNING, "killed the commands of %d session(s) left "
		    "behind by an earlier pmdapipe that did not stop cleanly",
		    sts);
    raise_nofile();

    pmdaConnect(&pmda.dispatch);
    /* big event arrays: fewer round trips through the pipe to pmcd */
    if (pmda.dispatch.version.any.ext->e_outfd >= 0)
	(void)fcntl(pmda.dispatch.version.any.ext->e_outfd, F_SETPIPE_SZ,
		    PMCD_PIPE_SIZE);

    if ((sts = setup_loop()) < 0) {
	pmNotifyErr(LOG_ERR, "event loop set-up failed: %s", strerror(-sts));
	exit(1);
    }
    shared_sync(pmda.maxmem);
    while (!pmda.stop) {
	if ((sts = loop_once(-1)) < 0) {
	    pmNotifyErr(LOG_ERR, "event loop: %s", strerror(-sts));
	    break;
	}
    }
    loop_del(&pmda.wpmcd);
    shared_stop_all();
    client_end_all();
    session_shutdown();
    for (c = 0; c < pmda.narrays; c++)
	if (pmda.arrays[c] >= 0)
	    pmdaEventReleaseArray(pmda.arrays[c]);
    free(pmda.arrays);
    pmda.cfg = config_free(pmda.cfg);
    inst_free();
    loop_fini();
    pmNotifyErr(LOG_INFO, "exiting");
    return 0;
}

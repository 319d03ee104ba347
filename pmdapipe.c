/*
 * pmdapipe - a PMDA that runs administrator-approved commands on behalf
 * of clients and returns their output as event records.
 *
 * PMDA glue only: metric table, dispatch callbacks, option parsing and
 * the event loop set-up.  See README.md (Architecture) for the modules:
 * config.c (pipe.conf), policy.c (who may do what), client.c and shared.c
 * (the queues clients read), session.c (a run of a command), launch.c
 * (fork/exec), fetch.c (records into event arrays).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "budget.h"
#include "cgroup.h"
#include "cgroup_v1.h"
#include "client.h"
#include "config.h"
#include "domain.h"
#include "fetch.h"
#include "instances.h"
#include "launch.h"
#include "lines.h"
#include "loop.h"
#include "options.h"
#include "params.h"
#include "policy.h"
#include "session.h"
#include "shared.h"
#include "text.h"
#include "trust.h"
#include "users.h"

#define DEFAULT_MAXMEM		(2 * 1024 * 1024)
#define DEFAULT_GRACE_MS	5000
#define PMCD_PIPE_SIZE		(1024 * 1024)

enum { PIPE_INDOM_SERIAL = 0 };

enum {
    M_NUMCLIENTS, M_MAXMEMORY, M_COMMANDS, M_LINE, M_FIREHOSE,
    M_QMEMUSED, M_QCOUNT, M_QBYTES, M_QNUMCLIENTS, M_STDERR, M_EXITSTATUS,
    M_STARTS, M_FAILURES, M_RUNNING, M_DENIED, M_ENDREASON, M_PEAKMEM,
    M_CPUTIME, M_CONTAINMENT, M_QDROPPED, M_RELOAD, M_AUTOSTART,
    M_MEMUSED, M_MEMLIMIT, M_MEMUSERLIMIT, M_MEMDROPPED, M_MEMREFUSED,
    M_NMETRICS
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
    [M_MEMUSED] = METRIC(3, 0, PM_TYPE_U64, PM_INDOM_NULL, PM_SEM_INSTANT, UNITS_BYTES),
    [M_MEMLIMIT] = METRIC(3, 1, PM_TYPE_U64, PM_INDOM_NULL, PM_SEM_DISCRETE, UNITS_BYTES),
    [M_MEMUSERLIMIT] = METRIC(3, 2, PM_TYPE_U64, PM_INDOM_NULL, PM_SEM_DISCRETE, UNITS_BYTES),
    [M_MEMDROPPED] = METRIC(3, 3, PM_TYPE_U64, PM_INDOM_NULL, PM_SEM_COUNTER, UNITS_COUNT),
    [M_MEMREFUSED] = METRIC(3, 4, PM_TYPE_U64, PM_INDOM_NULL, PM_SEM_COUNTER, UNITS_COUNT),
};

/* the PMDA's state: one instance of it, owned by main() */
static struct {
    pmdaInterface	dispatch;
    struct pipe_config	*cfg;		/* current; reloads swap it */
    const char		*config;	/* -c FILE, or NULL for the defaults */
    struct session_opts	so;
    struct budget_limits budget;	/* -M, -S, -R, -P */
    size_t		maxmem;
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
sum_reader(const struct reader *r, void *arg)
{
    struct qsum	*q = arg;

    if (r->inst != q->inst)
	return;
    q->mem += r->q.mem;
    q->nclients++;
}

/*
 * The client's names from the system, for a decision: when the system is
 * slow to answer (LDAP, SSSD), the request fails with "try again" rather
 * than hold up every other client of pmcd.
 */
static int
resolve(struct client *c)
{
    char	who[64];
    int		sts;

    if ((sts = identity_resolve(&c->id)) == -EAGAIN) {
	pmNotifyErr(LOG_WARNING, "%s: the system has not said who this is "
		    "within %d ms: try again", client_who(c, who, sizeof(who)),
		    USERS_WAIT_MS);
	return PM_ERR_AGAIN;
    }
    return sts;
}

/*
 * pipe.firehose[inst] for the client fetching: the records of its own
 * runs, or, for a shared instance, what arrived since its last fetch -
 * if the access rules let it read (decided once per configuration).
 */
static int
fetch_firehose(int inst, pmAtomValue *atom)
{
    struct client	*c = client_get(pmda.fetch_ctx, 1);
    const struct pipe_cmd *cmd = inst_cmd(inst);
    struct reader	*r;
    char		who[256];
    int			sts;

    if (c == NULL)
	return -ENOMEM;
    if (cmd == NULL || !shared_is(inst))
	return client_fetch(c, inst, atom);
    if ((r = client_reader(c, inst, 1)) == NULL)
	return -ENOMEM;
    if (r->access_gen != pmda.reloads + 1) {
	if ((sts = resolve(c)) < 0)
	    return sts;		/* (decided at a later fetch) */
	client_who(c, who, sizeof(who));
	r->access_sts = policy_check(pmda.cfg, &c->id, inst, cmd, NULL,
				     "(shared: fetch)", who, sizeof(who));
	r->access_gen = pmda.reloads + 1;
    }
    if (r->access_sts < 0)
	return r->access_sts;
    return shared_fetch(inst, &r->cursor, atom);
}

static int
pipe_fetch_cb(pmdaMetric *mdesc, unsigned int inst, pmAtomValue *atom)
{
    unsigned int	cluster = pmID_cluster(mdesc->m_desc.pmid);
    unsigned int	item = pmID_item(mdesc->m_desc.pmid);
    struct inst_stats	*is;
    struct budget_usage	bu;
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
	    return fetch_firehose(inst, atom);
	case 5: case 8:
	    memset(&q, 0, sizeof(q));
	    q.inst = inst;
	    client_foreach_reader(sum_reader, &q);
	    q.mem += shared_mem(inst);
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
	    atom->ull = policy_denied(inst);
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
    } else if (cluster == 3) {
	budget_usage(NULL, &bu);
	switch (item) {
	case 0:
	    atom->ull = bu.used;
	    return PMDA_FETCH_STATIC;
	case 1:
	    atom->ull = budget_limits()->total;
	    return PMDA_FETCH_STATIC;
	case 2:
	    atom->ull = budget_limits()->user;
	    return PMDA_FETCH_STATIC;
	case 3:
	    atom->ull = bu.dropped;
	    return PMDA_FETCH_STATIC;
	case 4:
	    atom->ull = bu.refused;
	    return PMDA_FETCH_STATIC;
	}
    }
    return PM_ERR_PMID;
}

/* ---- store: start a command ---- */

/* one value of a store, checked and ready to start */
struct plan {
    int			inst;
    const struct pipe_cmd *cmd;
    const char		*text;		/* the parameters as stored */
    struct params	p;
    int			join;		/* a shared instance: join its stream */
    char		who[320];	/* the client, and what allowed it */
};

/*
 * Check one value of a store into pipe.firehose: instance, value, the
 * parameters (parsed once, here), and policy.  Nothing is started.
 */
static int
plan_value(struct client *c, const pmValueSet *vsp, int j, struct plan *pl)
{
    const pmValue	*v = &vsp->vlist[j];
    struct params	own;
    const char		*name, *text;	/* for the log (text.h) */
    size_t		len;
    int			same, sts;

    pl->inst = v->inst;
    client_who(c, pl->who, sizeof(pl->who));
    if ((pl->cmd = inst_cmd(v->inst)) == NULL) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s: store to %s instance "
			"%d%s%s", pl->who, inst_name(v->inst) ? "removed" :
			"unknown", v->inst, inst_name(v->inst) ? " " : "",
			TEXT_LOGSTR(inst_name(v->inst)));
	return PM_ERR_INST;
    }
    name = TEXT_LOGSTR(pl->cmd->name);
    if (vsp->valfmt == PM_VAL_INSITU || v->value.pval == NULL ||
	v->value.pval->vtype != PM_TYPE_STRING) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s: parameters "
			"must be a string value", pl->who, name);
	return PM_ERR_TYPE;
    }
    /* a string ends within its value block, at its first NUL */
    len = v->value.pval->vlen > PM_VAL_HDR_SIZE ?
	  v->value.pval->vlen - PM_VAL_HDR_SIZE : 0;
    if (memchr(v->value.pval->vbuf, '\0', len) == NULL) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s: parameters "
			"without a terminating NUL in their %zu bytes",
			pl->who, name, len);
	return PM_ERR_BADSTORE;
    }
    pl->text = v->value.pval->vbuf;
    if ((sts = params_parse(pl->text, &pl->p)) < 0) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s: bad "
			"parameters \"%s\" (allowed: letters, digits, '.', "
			"'_', '-', no leading '-'; separated by spaces or "
			"commas)", pl->who, name, TEXT_LOGSTR(pl->text));
	return sts;
    }
    text = TEXT_LOGSTR(pl->text);
    if (shared_is(v->inst)) {
	/*
	 * No parameters, or its own: join its stream as the first fetch
	 * would (the usual "pmevent -x '' -i NAME" works).  Others cannot
	 * apply to a command that already runs for everyone.
	 */
	if (params_parse(pl->cmd->opts.params, &own) < 0)
	    return PM_ERR_BADSTORE;
	same = pl->p.n == 0 || params_same(&pl->p, &own);
	params_free(&own);
	if (!same) {
	    policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s params "
			    "\"%s\": a shared (autostart) instance runs with "
			    "params \"%s\": store those or none to join it",
			    pl->who, name, text,
			    TEXT_LOGSTR(pl->cmd->opts.params));
	    return PM_ERR_BADSTORE;
	}
	pl->join = 1;
	return policy_check(pmda.cfg, &c->id, pl->inst, pl->cmd, NULL,
			    pl->text, pl->who, sizeof(pl->who));
    }
    if (client_running(c, v->inst)) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s params "
			"\"%s\": already running", pl->who, name, text);
	return PM_ERR_ISCONN;
    }
    /* checked here, with every value of the store, before any starts */
    if (pl->p.n < pl->cmd->nparams) {
	policy_deny_log(&c->id, LOG_INFO, "deny: %s instance %s params "
			"\"%s\": %d parameter(s) given, %d needed", pl->who,
			name, text, pl->p.n, pl->cmd->nparams);
	return PM_ERR_BADSTORE;
    }
    return policy_check(pmda.cfg, &c->id, pl->inst, pl->cmd, &pl->p,
			pl->text, pl->who, sizeof(pl->who));
}

/* carry out a checked value: join the shared stream or start the command */
static int
plan_run(struct client *c, const struct plan *pl)
{
    const struct pipe_cmd	*cmd = pl->cmd;
    struct reader		*r;

    if (!pl->join)
	return client_start(c, pl->inst, cmd, &pl->p, pl->text,
			    (cmd->opts.set & OPT_QUEUE) ? cmd->opts.queue :
			    pmda.maxmem, pl->who);
    if ((r = client_reader(c, pl->inst, 1)) == NULL)
	return -ENOMEM;
    r->access_sts = 0;
    r->access_gen = pmda.reloads + 1;
    if (!r->cursor.attached)
	pmNotifyErr(LOG_INFO, "join: %s instance %s (shared, pid %d)", pl->who,
		    TEXT_LOGSTR(cmd->name), (int)shared_pid(pl->inst));
    return shared_attach(pl->inst, &r->cursor);
}

/*
 * All or nothing: every value is checked before any command starts.  The
 * client's identity is resolved once for the whole store.
 */
static int
store_firehose(struct client *c, const pmValueSet *vsp)
{
    struct plan	*plans;
    int		j, n = 0, sts = 0;

    if (vsp->numval <= 0)
	return PM_ERR_BADSTORE;
    if ((sts = resolve(c)) < 0)
	return sts;
    if ((plans = calloc(vsp->numval, sizeof(*plans))) == NULL)
	return -ENOMEM;
    for (n = 0; n < vsp->numval && sts == 0; n++)
	sts = plan_value(c, vsp, n, &plans[n]);
    for (j = 0; j < vsp->numval && sts == 0; j++)
	sts = plan_run(c, &plans[j]);
    for (j = 0; j < n; j++)
	params_free(&plans[j].p);
    free(plans);
    return sts;
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
    int			i, sts;

    if (c == NULL)
	return -ENOMEM;
    for (i = 0; i < result->numpmid; i++) {
	vsp = result->vset[i];
	if (pmID_cluster(vsp->pmid) == 2 && pmID_item(vsp->pmid) == 1) {
	    if (!c->id.have_uid || c->id.uid != 0) {
		policy_deny_log(&c->id, LOG_NOTICE, "deny: reload requested "
				"by a client that is not root");
		return PM_ERR_PERMISSION;
	    }
	    if ((sts = reload("pmstore pipe.control.reload")) < 0)
		return sts;
	    continue;
	}
	if (pmID_cluster(vsp->pmid) != 0 || pmID_item(vsp->pmid) != 4)
	    return PM_ERR_PERMISSION;	/* only pipe.firehose is writable */
	if ((sts = store_firehose(c, vsp)) < 0)
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

/* what pmcd tells of a client; names are resolved later, by policy */
static int
pipe_attribute(int ctx, int attr, const char *value, int length, pmdaExt *pe)
{
    struct client	*c = client_get(ctx, 1);

    if (pmDebugOptions.appl0)
	pmNotifyErr(LOG_DEBUG, "attribute: ctx %d attr %d value \"%s\"",
		    ctx, attr, text_log(value ? value : "", length > 0 ?
		    (size_t)length : 0, TEXT_LOG_MAX, (char[TEXT_LOG_BUF]){ 0 }));
    if (c != NULL && value != NULL) {
	switch (attr) {
	case PMDA_ATTR_USERID:
	    identity_set_uid(&c->id, (uid_t)strtoul(value, NULL, 10));
	    break;
	case PMDA_ATTR_GROUPID:
	    identity_set_gid(&c->id, (gid_t)strtoul(value, NULL, 10));
	    break;
	case PMDA_ATTR_USERNAME:	/* authenticated by pmcd (SASL) */
	    if (identity_set_sasl_user(&c->id, value, strnlen(value, length)) < 0)
		pmNotifyErr(LOG_ERR, "attribute: out of memory");
	    break;
	case PMDA_ATTR_PROCESSID:	/* only with a unix socket's credentials */
	    identity_set_local(&c->id);
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
    session_tick();
    /* between requests: large event arrays go, freed pages go back */
    budget_note_freed(fetch_trim());
    budget_trim();
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
    /* (after the signals are blocked: its thread must not take them) */
    if ((sts = users_init()) < 0)
	return sts;
    if ((sts = loop_add(&pmda.wsig, pmda.sigfd, EPOLLIN, on_signal, NULL)) < 0)
	return sts;
    if ((pmda.tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
	return -errno;
    timerfd_settime(pmda.tickfd, 0, &its, NULL);
    if ((sts = loop_add(&pmda.wtick, pmda.tickfd, EPOLLIN, on_tick, NULL)) < 0)
	return sts;
    if ((sts = loop_add(&pmda.wpmcd, __pmdaInFd(&pmda.dispatch), EPOLLIN,
			on_pmcd, NULL)) < 0)
	return sts;
    /* pmcd's requests before command output, however much there is */
    return loop_prio(&pmda.wpmcd);
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

/* -k: seconds, 0 to max */
static int
parse_seconds(const char *s, double max, double *out)
{
    char	*end = NULL;
    double	v;

    if (s == NULL || *s == '\0')
	return -EINVAL;
    v = strtod(s, &end);
    if (end == NULL || *end != '\0' || v < 0 || v > max)
	return -EINVAL;
    *out = v;
    return 0;
}

/* -R, -P: a count, 1 to max */
static int
parse_count(const char *s, long max, int *out)
{
    char	*end = NULL;
    long	v;

    if (s == NULL || *s == '\0')
	return -EINVAL;
    v = strtol(s, &end, 10);
    if (end == NULL || *end != '\0' || v < 1 || v > max)
	return -EINVAL;
    *out = (int)v;
    return 0;
}

/* -m, -L, -M, -S: a size (options.c's parser), at least min bytes */
static int
parse_size(const char *s, size_t min, size_t *out)
{
    unsigned long long	v;

    if (options_parse_bytes(s, &v) < 0 || v < min || v > SIZE_MAX)
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
    /* the agent runs as root: only what root alone can change is read */
    const struct trust_rules trust = { 0, NULL };
    struct config_diag	diag = { 0 };
    char		main_conf[PATH_MAX], conf_dir[PATH_MAX];
    const char		*w;
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
			 file ? NULL : conf_dir, &trust, out, &diag);
    for (i = 0; i < diag.nmsgs; i++) {
	if (check)
	    fprintf(stderr, "%s\n", diag.msgs[i]);
	else if (diag.is_error[i])
	    pmNotifyErr(LOG_ERR, "%s", diag.msgs[i]);
	else if ((w = strstr(diag.msgs[i], ": warning: ")) != NULL)
	    /* the log says Warning already */
	    pmNotifyErr(LOG_WARNING, "%.*s: %s", (int)(w - diag.msgs[i]),
			diag.msgs[i], w + strlen(": warning: "));
	else
	    pmNotifyErr(LOG_WARNING, "%s", diag.msgs[i]);
    }
    diag_clear(&diag);
    if (errors < 0) {
	if (check)
	    fprintf(stderr, "%s: %s\n", pmGetProgname(), strerror(-errors));
	else
	    pmNotifyErr(LOG_ERR, "cannot load configuration: %s",
			strerror(-errors));
    }
    return errors;
}

static void
mark_reader(const struct reader *r, void *arg)
{
    ((char *)arg)[r->inst] = 1;
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
    client_foreach_reader(mark_reader, used);
    for (i = 0; i < count; i++)
	inst_show(i, inst_cmd(i) != NULL || used[i]);
    free(used);
}

/* ask the system now for the users commands run as (off the loop) */
static void
prefetch_users(const struct pipe_config *cfg)
{
    size_t	i;

    for (i = 0; cfg != NULL && i < cfg->ncmds; i++)
	users_prefetch_name(cfg->cmds[i].user);
}

/* make cfg current (it is then owned here); the old one is freed */
static int
apply_config(struct pipe_config *cfg)
{
    int		count;

    if ((count = inst_apply(cfg)) < 0)
	return count;
    session_configure(&pmda.so, count);
    policy_configure(count);
    config_free(pmda.cfg);
    pmda.cfg = cfg;
    rebuild_indom();
    prefetch_users(cfg);
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
    { "cgroup1", 1, 'g', "DIR", "where cgroup v1 hierarchies are mounted: DIR, auto or none" },
    { "grace", 1, 'k', "SECS", "SIGTERM to SIGKILL grace period (default 5)" },
    { "maxline", 1, 'L', "SIZE", "longest line delivered whole (default 1M)" },
    { "memory", 1, 'm', "SIZE", "maximum queued bytes per client (default 2M)" },
    { "budget", 1, 'M', "SIZE", "memory budget for all queues and buffers (default 256M, or RAM/8 if less)" },
    { "user-budget", 1, 'S', "SIZE", "each user's share of the budget (default a quarter of -M)" },
    { "user-runs", 1, 'R', "N", "concurrent runs per user (default 16)" },
    { "user-privileged-runs", 1, 'P', "N", "of them, runs granted capabilities by caps (default 4)" },
    PMOPT_HELP,
    PMDA_OPTIONS_END
};

static pmdaOptions opts = {
    .short_options = "c:CD:d:g:G:k:l:L:m:M:P:R:S:?",
    .long_options = longopts,
};

int
main(int argc, char **argv)
{
    struct session_opts	so = { DEFAULT_GRACE_MS, LINES_DEFAULT_MAX };
    struct pipe_config	*cfg = NULL;
    char		helppath[PATH_MAX], *config = NULL;
    const char		*cgroot = "auto", *cg1root = "auto";
    char		how[160];
    int			sts1;
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
	case 'g':
	    cg1root = opts.optarg;
	    break;
	case 'k':
	    if (parse_seconds(opts.optarg, 3600, &grace) < 0) {
		pmprintf("%s: -k wants seconds (0 to 3600)\n", pmGetProgname());
		opts.errors++;
	    } else
		so.grace_ms = (long)(grace * 1000);
	    break;
	case 'L':
	    if (parse_size(opts.optarg, 1024, &so.maxline) < 0) {
		pmprintf("%s: -L wants a size of at least 1K\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	case 'm':
	    if (parse_size(opts.optarg, 1, &pmda.maxmem) < 0) {
		pmprintf("%s: -m wants a size (e.g. 2M)\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	case 'M':
	    if (parse_size(opts.optarg, BUDGET_MIN_TOTAL, &pmda.budget.total) < 0) {
		pmprintf("%s: -M wants a size of at least 4M\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	case 'S':
	    if (parse_size(opts.optarg, LINES_MIN_READ, &pmda.budget.user) < 0) {
		pmprintf("%s: -S wants a size of at least 64K\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	case 'R':
	    if (parse_count(opts.optarg, 100000, &pmda.budget.runs) < 0) {
		pmprintf("%s: -R wants a count (1 to 100000)\n", pmGetProgname());
		opts.errors++;
	    }
	    break;
	case 'P':
	    if (parse_count(opts.optarg, 100000, &pmda.budget.privruns) < 0) {
		pmprintf("%s: -P wants a count (1 to 100000)\n", pmGetProgname());
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
	    for (c = 0; c < (int)cfg->ncmds; c++)
		if (cfg->cmds[c].opts.set & (OPT_MEMORY | OPT_TASKS | OPT_CPU))
		    break;
	    if (c < (int)cfg->ncmds) {
		/* how their limits would be enforced here, touching nothing */
		cgroup_dry_run(1);
		cgroup_setup(cgroot);
		cgroup_setup_v1(cg1root);
		cgroup_describe(how, sizeof(how));
		printf("%s: containment: %s: %s\n", pmGetProgname(),
		       cgroup_tier_name(cgroup_tier()), how);
	    }
	}
	config_free(cfg);
	exit(errors == 0 ? 0 : 1);
    }

    pmdaOpenLog(&pmda.dispatch);
    budget_malloc_init();
    budget_configure(&pmda.budget);
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
    fetch_init(&(struct fetch_pmids){ metrictab[M_LINE].m_desc.pmid,
	       metrictab[M_STDERR].m_desc.pmid,
	       metrictab[M_EXITSTATUS].m_desc.pmid,
	       metrictab[M_ENDREASON].m_desc.pmid });
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
    pmNotifyErr(LOG_INFO, "memory budget %zu bytes, %zu per user; per user "
		"at most %d runs, %d of them keeping capabilities",
		budget_limits()->total, budget_limits()->user,
		budget_limits()->runs, budget_limits()->privruns);

    sts = cgroup_setup(cgroot);
    if ((sts1 = cgroup_setup_v1(cg1root)) < 0 && sts1 != -ENOENT)
	pmNotifyErr(LOG_WARNING, "containment: cgroup v1 (%s): %s", cg1root,
		    strerror(-sts1));
    if (sts < 0 && cgroup_tier() != TIER_RLIMITS)
	pmNotifyErr(LOG_WARNING, "containment: %s: no usable cgroup2 (%s: %s): "
		    "commands are tracked and killed by process group and "
		    "cgroup v1 (%s)", cgroup_tier_name(cgroup_tier()), cgroot,
		    strerror(-sts), cgv1_base(CGV1_FREEZER) ? "freezer" :
		    "each process");
    else if (sts < 0)
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
    cgroup_describe(how, sizeof(how));
    pmNotifyErr(LOG_INFO, "containment: %s: %s", cgroup_tier_name(cgroup_tier()),
		how);
    if (sts1 > 0)
	sts = sts > 0 ? sts + sts1 : sts1;
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
    prefetch_users(pmda.cfg);
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
    fetch_fini();
    pmda.cfg = config_free(pmda.cfg);
    inst_free();
    users_fini();
    loop_fini();
    pmNotifyErr(LOG_INFO, "exiting");
    return 0;
}

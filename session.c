/*
 * session.c - one run of a command, from launch to its END record.
 *
 * A session belongs to the global list until it is finished.  It writes
 * its output to a sink (sink.h) and knows nothing else of its owner; the
 * owner may go away first, in which case the session is "detached" and
 * only tears down.  Teardown is one path and never blocks: SIGTERM to the
 * process tree, a timerfd for the grace period, SIGKILL (cgroup.kill when
 * the session has a cgroup), the command's status, drain the pipes, the
 * END record to the sink once its supervisor is reaped, remove the
 * cgroup, free.
 *
 * The PMDA's child is the run's supervisor (supervise.h), the command's
 * parent: signals go to the run through it (it reaches the command's
 * process group while it is provably the command's, and whatever left
 * the group as its adopted children) and through cgroup.kill, never by a
 * pid or process group id that may have been reused.  The command's
 * status comes as the supervisor's exit status, or in a SUP_MSG_EXIT
 * when the command left processes behind (the supervisor then stays
 * until they are stopped: SUP_END once the output is drained).  Reaping
 * is on readiness of its pidfd and socket (or, when those or the timer
 * could not be watched, on the PMDA's 1 s tick).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "argv.h"
#include "budget.h"
#include "cgroup.h"
#include "launch.h"
#include "lines.h"
#include "loop.h"
#include "session.h"
#include "sink.h"
#include "supervise.h"
#include "text.h"
#include "timeutil.h"
#include "users.h"

/*
 * Fairness between busy pipes, and to pmcd: a wakeup reads at most this
 * many LINES_MIN_READ-sized reads (256 KiB) of a stream, and stops
 * early when pmcd has a request waiting (checked between two reads) or
 * when the streams together have had BYTES_PER_BATCH in this batch of
 * the loop's; a stream with more is still readable and is called again
 * (epoll hands out ready streams round robin).
 */
#define READS_PER_WAKEUP	4
#define BYTES_PER_BATCH		(1024 * 1024)
#define FINAL_WAIT_MS		2000	/* after SIGKILL, before giving up on pipes */

enum kill_state { ALIVE, TERMINATING, KILLED };

struct session;

struct stream {
    struct session	*s;
    enum evkind		kind;
    int			fd;
    struct loop_watch	w;
    struct lines	lb;
    int			paused;		/* overflow = block: queue full */
};

struct session {
    struct session	*next, *prev;
    struct sink		*sink;		/* NULL once detached */
    int			inst;
    char		*name;		/* instance name, for logs (escaped, cut) */
    unsigned long	serial;
    pid_t		pid;		/* the command */
    pid_t		sup;		/* its supervisor, our child */
    int			pidfd;		/* the supervisor's */
    struct loop_watch	wpid;
    int			ctl;		/* socket to the supervisor */
    struct loop_watch	wctl;
    int			reaped;		/* the command's status is known */
    int			sup_reaped;	/* and its supervisor is reaped */
    int			end_sent;	/* SUP_END sent */
    int			status;		/* exit code or 128+signal */
    struct stream	out, err;
    int			tfd;		/* timerfd, -1 until needed */
    struct loop_watch	wtimer;
    enum kill_state	kill;
    char		*cgroup;
    const char		*endreason;	/* why the PMDA ended it, or NULL */
    int			reasonfd;	/* what the command says of its end */
    char		reason[TEXT_LOG_BUF];
    struct timeval	now;		/* stamp for the current read batch */
    long		timeout_ms;
    struct budget_acct	*acct;		/* whose run: charged its buffers */
    int			privileged;	/* counts against the -P cap */
    int			admitted;	/* counted as a run by the budget */
};

static struct session	*sessions;
static int		nsessions;
static unsigned long	serials;
static struct session_opts opts = { 5000, LINES_DEFAULT_MAX };
static struct inst_stats *stats;
static int		nstats;

void
session_configure(const struct session_opts *o, int ninst)
{
    struct inst_stats	*ns;

    opts = *o;
    if (opts.maxline == 0)
	opts.maxline = LINES_DEFAULT_MAX;
    if (ninst > nstats && (ns = realloc(stats, ninst * sizeof(*ns))) != NULL) {
	memset(ns + nstats, 0, (ninst - nstats) * sizeof(*ns));
	stats = ns;
	nstats = ninst;
    }
}

struct inst_stats *
session_stats(int inst)
{
    static struct inst_stats	none;

    if (inst < 0 || inst >= nstats) {
	memset(&none, 0, sizeof(none));
	return &none;
    }
    return &stats[inst];
}

pid_t
session_pid(const struct session *s)
{
    return s->pid;
}

int
session_count(void)
{
    return nsessions;
}

static void session_check_done(struct session *);
static void sup_close(struct session *);
static int sup_send(struct session *, char);
static void on_timer(void *, uint32_t);
static void session_start_kill(struct session *, const char *why);
static int session_timer(struct session *);

/* PCP strings end at a NUL: show NUL bytes as "\0" rather than cut lines */
static int
queue_line(struct session *s, enum evkind kind, const char *line, size_t len)
{
    char	*esc, *p;
    size_t	i, nnul = 0;
    int		sts;

    if (len == 0 || memchr(line, '\0', len) == NULL)
	return s->sink->ops->line(s->sink->arg, kind, line, len, &s->now);
    for (i = 0; i < len; i++)
	nnul += line[i] == '\0';
    if ((esc = malloc(len + nnul + 1)) == NULL)
	return -ENOMEM;
    for (p = esc, i = 0; i < len; i++) {
	if (line[i] == '\0') {
	    *p++ = '\\';
	    *p++ = '0';
	} else
	    *p++ = line[i];
    }
    sts = s->sink->ops->line(s->sink->arg, kind, esc, p - esc, &s->now);
    free(esc);
    return sts;
}

static int
on_line(void *arg, const char *line, size_t len, int continued)
{
    struct stream	*st = arg;
    struct session	*s = st->s;
    struct inst_stats	*is = session_stats(s->inst);

    (void)continued;
    is->lines++;
    is->bytes += len;
    if (s->sink && queue_line(s, st->kind, line, len) == 1)
	is->dropped++;
    return 0;
}

/* overflow = block: stop reading while the client's queue is full */
static int
stream_should_pause(const struct stream *st)
{
    const struct session *s = st->s;

    return s->sink && s->sink->ops->blocked(s->sink->arg);
}

static void
stream_pause(struct stream *st)
{
    if (st->paused || st->fd < 0)
	return;
    loop_del(&st->w);
    st->paused = 1;
}

static void on_stream(void *, uint32_t);

static void
stream_resume(struct stream *st)
{
    if (!st->paused || st->fd < 0)
	return;
    st->paused = 0;
    if (loop_add(&st->w, st->fd, EPOLLIN, on_stream, st) < 0)
	pmNotifyErr(LOG_ERR, "%s[%lu]: cannot watch output again",
		    st->s->name, st->s->serial);
}

static void
stream_close(struct stream *st)
{
    if (st->fd < 0)
	return;
    lines_flush(&st->lb, on_line, st);
    loop_del(&st->w);
    st->paused = 0;
    close(st->fd);
    st->fd = -1;
    lines_free(&st->lb);
}

/*
 * n bytes read into the stream's buffer: to its lines, or, while its sink
 * would drop every line (a full queue nobody fetches), counted as dropped
 */
static void
stream_commit(struct stream *st, size_t n)
{
    struct session	*s = st->s;
    struct inst_stats	*is;
    unsigned long	nl;
    unsigned long long	nb;

    if (s->sink == NULL || s->sink->ops->full == NULL ||
	!s->sink->ops->full(s->sink->arg)) {
	lines_commit(&st->lb, n, on_line, st);
	return;
    }
    lines_commit_count(&st->lb, n, on_line, st, &nl, &nb);
    if (nl == 0)
	return;
    is = session_stats(s->inst);
    is->lines += nl;
    is->bytes += nb;
    is->dropped += nl;
    s->sink->ops->dropped(s->sink->arg, nl, nb);
}

/* bytes the streams read in the loop's current batch */
static size_t
batch_bytes(size_t add)
{
    static unsigned long	seen;
    static size_t		bytes;

    if (loop_batch() != seen) {
	seen = loop_batch();
	bytes = 0;
    }
    bytes += add;
    return bytes;
}

/*
 * Read what the stream has, bounded (READS_PER_WAKEUP); fair: as its
 * watch's handler, also yield to pmcd and to the batch's byte bound.
 */
static void
stream_read(struct stream *st, int fair)
{
    char	*space;
    size_t	avail;
    ssize_t	n;
    int		i;

    if (st->fd < 0 || st->paused)
	return;
    gettimeofday(&st->s->now, NULL);
    for (i = 0; i < READS_PER_WAKEUP; i++) {
	if (fair && batch_bytes(0) >= BYTES_PER_BATCH) {
	    loop_yield(&st->w);	/* first in the next batch */
	    return;
	}
	if (fair && i > 0 && loop_prio_pending())
	    return;
	if (stream_should_pause(st)) {
	    stream_pause(st);
	    return;
	}
	if ((space = lines_space(&st->lb, &avail, on_line, st)) == NULL) {
	    pmNotifyErr(LOG_ERR, "%s[%lu]: out of memory reading output",
			st->s->name, st->s->serial);
	    stream_close(st);
	    return;
	}
	n = read(st->fd, space, avail);
	if (n > 0) {
	    batch_bytes(n);
	    stream_commit(st, n);
	    continue;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
	    return;
	stream_close(st);	/* EOF, or an error that is as good as one */
	return;
    }
}

/*
 * Anything left to read: bytes, or the end of file (every writer gone:
 * POLLHUP), which a read has yet to see?
 */
static int
stream_unread(const struct stream *st)
{
    struct pollfd	pfd = { st->fd, POLLIN, 0 };

    return st->fd >= 0 && poll(&pfd, 1, 0) > 0 &&
	   (pfd.revents & (POLLIN | POLLHUP));
}

static void
on_stream(void *arg, uint32_t events)
{
    struct stream	*st = arg;

    (void)events;
    stream_read(st, 1);
    session_check_done(st->s);
}

static void
session_free(void *arg)
{
    struct session	*s = arg;

    budget_put(s->acct);
    free(s->name);
    free(s);
}

/*
 * What the command wrote on LAUNCH_REASON_FD (its first line, escaped and
 * cut): the END record's reason, unless the PMDA ended the run itself.
 */
static void
take_reason(struct session *s)
{
    char	buf[TEXT_LOG_MAX + 2];	/* one byte more: text_log marks the cut */
    ssize_t	n;

    if (s->reasonfd < 0)
	return;
    n = read(s->reasonfd, buf, sizeof(buf) - 1);
    close(s->reasonfd);
    s->reasonfd = -1;
    if (n <= 0)
	return;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (buf[0] == '\0' || s->endreason != NULL)
	return;
    text_log(buf, strlen(buf), TEXT_LOG_MAX, s->reason);
    s->endreason = s->reason;
}

static void
session_finish(struct session *s)
{
    struct sink		*sink;

    stream_close(&s->out);
    stream_close(&s->err);
    take_reason(s);
    sup_close(s);
    if (s->tfd >= 0) {
	loop_del(&s->wtimer);
	close(s->tfd);
	s->tfd = -1;
    }
    if (s->cgroup) {
	struct inst_stats	*is = session_stats(s->inst);
	unsigned long long	peak, usec;
	long			kills;

	if (cgroup_read_usage(s->cgroup, &peak, &usec) == 0) {
	    is->peak_memory = peak;
	    is->cpu_usec += usec;
	}
	/* the kernel's SIGKILL says nothing of why: say it */
	if (s->endreason == NULL && (kills = cgroup_oom_kills(s->cgroup)) > 0) {
	    snprintf(s->reason, sizeof(s->reason), "out of memory: the memory "
		     "limit killed %ld process(es)", kills);
	    s->endreason = s->reason;
	}
    }
    cgroup_release(s->cgroup);
    s->cgroup = NULL;
    if (s->sink) {
	sink = s->sink;
	s->sink = NULL;
	sink->ops->end(sink->arg, s->status, s->endreason);
    }
    session_stats(s->inst)->running--;
    budget_run_end(s->acct, s->privileged);
    pmNotifyErr(LOG_INFO, "end: %s[%lu] pid %d exit status %d%s%s",
		s->name, s->serial, (int)s->pid, s->status,
		s->endreason ? ": " : "", s->endreason ? s->endreason : "");
    if (s->prev)
	s->prev->next = s->next;
    else
	sessions = s->next;
    if (s->next)
	s->next->prev = s->prev;
    nsessions--;
    loop_defer(session_free, s);
}

static void
session_check_done(struct session *s)
{
    if (!s->reaped)
	return;
    if (s->out.fd < 0 && s->err.fd < 0) {
	/* what the command left is stopped by its supervisor, which then exits */
	if (!s->sup_reaped) {
	    if (!s->end_sent) {
		s->end_sent = 1;
		sup_send(s, SUP_END);
		/* it exits at once unless something it kills hangs: retry then */
		if (s->kill == ALIVE) {
		    s->kill = KILLED;
		    if (session_timer(s) >= 0)
			loop_timer_arm(s->tfd, FINAL_WAIT_MS);
		}
	    }
	    return;
	}
	session_finish(s);
	return;
    }
    /*
     * A paused stream, or one with output still unread (reads per wakeup
     * are bounded), is ours to read, not an orphan holding it open.
     */
    if (s->out.paused || s->err.paused ||
	stream_unread(&s->out) || stream_unread(&s->err))
	return;
    /* main process gone, its output read, but something holds its pipes */
    if (s->kill == ALIVE) {
	s->endreason = "output left open after exit";
	session_start_kill(s, "main process exited, stopping what it left");
    }
}

static void
sup_close(struct session *s)
{
    if (s->ctl < 0)
	return;
    loop_del(&s->wctl);
    close(s->ctl);
    s->ctl = -1;
}

/* a command byte to the supervisor (supervise.h); 0, or -1 if it is gone */
static int
sup_send(struct session *s, char c)
{
    if (s->ctl < 0)
	return -1;
    if (send(s->ctl, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
	return 0;
    if (errno != EAGAIN && errno != EINTR)
	sup_close(s);	/* gone: its pidfd says when it is reaped */
    return -1;
}

/* the command's status */
static void
session_exited(struct session *s, int status)
{
    if (s->reaped)
	return;
    s->status = status;
    s->reaped = 1;
    /* pick up whatever the command wrote before it exited */
    stream_read(&s->out, 0);
    stream_read(&s->err, 0);
}

/* what the supervisor says: SUP_MSG_EXIT, or EOF */
static void
sup_read(struct session *s)
{
    struct sup_msg	m;
    ssize_t		n;

    while (s->ctl >= 0) {
	n = recv(s->ctl, &m, sizeof(m), MSG_DONTWAIT);
	if (n < 0 && errno == EINTR)
	    continue;
	if (n < 0 && errno == EAGAIN)
	    return;
	if (n != sizeof(m)) {
	    sup_close(s);	/* EOF (it exits), or as good as one */
	    return;
	}
	if (m.type == SUP_MSG_EXIT)
	    session_exited(s, m.value);
    }
}

/*
 * Reap the supervisor if it has exited (its status is the command's,
 * unless SUP_MSG_EXIT said so first); returns 1 once it is reaped.
 * May finish (free) the session.
 */
static int
session_try_reap(struct session *s)
{
    siginfo_t		si;

    if (s->sup_reaped)
	return 1;
    sup_read(s);
    memset(&si, 0, sizeof(si));
    if (waitid(P_PIDFD, s->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0) {
	if (s->reaped)
	    session_check_done(s);
	return 0;
    }
    session_exited(s, si.si_code == CLD_EXITED ? si.si_status :
		   128 + si.si_status);
    s->sup_reaped = 1;
    loop_del(&s->wpid);
    close(s->pidfd);
    s->pidfd = -1;
    sup_close(s);
    session_check_done(s);
    return 1;
}

static void
on_pidfd(void *arg, uint32_t events)
{
    (void)events;
    session_try_reap(arg);
}

static void
on_ctl(void *arg, uint32_t events)
{
    struct session	*s = arg;

    (void)events;
    sup_read(s);
    session_check_done(s);
}

/*
 * sig (SIGTERM or SIGKILL) to the run: cgroup.kill, and through the
 * supervisor.  Without a supervisor to ask (its socket is gone), its
 * pidfd while it is unreaped: it cannot forward signals then, but the
 * command dies with it (parent-death signal).
 */
static void
signal_tree(struct session *s, int sig)
{
    if (s->cgroup && sig == SIGKILL)
	cgroup_kill(s->cgroup);
    if (sup_send(s, sig == SIGKILL ? SUP_KILL : SUP_TERM) < 0 &&
	!s->sup_reaped && s->pidfd >= 0)
	pidfd_send_signal(s->pidfd, sig, NULL, 0);
}

static void
on_timer(void *arg, uint32_t events)
{
    struct session	*s = arg;

    (void)events;
    loop_timer_ack(s->tfd);
    if (s->kill == ALIVE) {
	/* the configured wall-clock limit */
	s->endreason = "timeout";
	session_start_kill(s, "timeout reached");
	return;
    }
    if (s->kill == TERMINATING) {
	pmNotifyErr(LOG_INFO, "kill: %s[%lu] pid %d still running %ld ms "
		    "after SIGTERM, sending SIGKILL", s->name, s->serial,
		    (int)s->pid, opts.grace_ms);
	s->kill = KILLED;
	signal_tree(s, SIGKILL);
	loop_timer_arm(s->tfd, FINAL_WAIT_MS);
	return;
    }
    /* killed and still not finished: stop waiting for the pipes */
    if (session_try_reap(s))
	return;		/* (it may be freed by now) */
    if (s->reaped && (s->out.fd >= 0 || s->err.fd >= 0)) {
	pmNotifyErr(LOG_WARNING, "%s[%lu]: output still open after SIGKILL, "
		    "closing it", s->name, s->serial);
	stream_read(&s->out, 0);
	stream_read(&s->err, 0);
	stream_close(&s->out);
	stream_close(&s->err);
	session_check_done(s);
	if (s->sup_reaped)
	    return;	/* (freed) */
    }
    /* the command, or what it left, not gone yet */
    signal_tree(s, SIGKILL);
    loop_timer_arm(s->tfd, FINAL_WAIT_MS);
}

/* the session's timerfd, created on first use; -1 if it cannot be */
static int
session_timer(struct session *s)
{
    if (s->tfd < 0 && (s->tfd = loop_timer_new(&s->wtimer, on_timer, s)) < 0)
	s->tfd = -1;
    return s->tfd;
}

static void
session_start_kill(struct session *s, const char *why)
{
    if (s->kill != ALIVE)
	return;
    s->kill = TERMINATING;
    pmNotifyErr(LOG_INFO, "stop: %s[%lu] pid %d: %s", s->name, s->serial,
		(int)s->pid, why);
    session_timer(s);
    if (opts.grace_ms <= 0 || s->tfd < 0) {
	s->kill = KILLED;
	signal_tree(s, SIGKILL);
	if (s->tfd >= 0)
	    loop_timer_arm(s->tfd, FINAL_WAIT_MS);
	return;
    }
    signal_tree(s, SIGTERM);
    loop_timer_arm(s->tfd, opts.grace_ms);
}

void
session_resume(struct session *s)
{
    stream_resume(&s->out);
    stream_resume(&s->err);
}

void
session_detach(struct session *s)
{
    s->sink = NULL;
    /* nobody to deliver to: drain and discard so the command can end */
    stream_resume(&s->out);
    stream_resume(&s->err);
    if (s->endreason == NULL)
	s->endreason = "client disconnected";
    session_start_kill(s, "client disconnected");
}

/*
 * A run its instance's caps option grants capabilities (the memtracker)
 * counts against the smaller cap (-P).  A root command without one, as
 * in a stock pipe.conf, counts within -R only: the stock agent capped
 * none, and one user may well run several (btrace per disk).
 */
static int
run_privileged(const struct pipe_cmd *cmd)
{
    return (cmd->opts.set & OPT_CAPS) && cmd->opts.caps != 0;
}

/*
 * The budget's word on a new run (counted from here to session_finish):
 * refused with -EAGAIN while its user has its cap of runs, with -ENOMEM
 * while the user's memory share or the PMDA's total is spent.
 */
static int
session_admit(struct session *s, const struct pipe_cmd *cmd, const char *who)
{
    const struct budget_limits	*l = budget_limits();
    struct budget_usage		u, all;
    int				sts;

    if ((sts = budget_run_begin(s->acct, s->privileged)) == 0) {
	s->admitted = 1;
	return 0;
    }
    budget_usage(s->acct, &u);
    budget_usage(NULL, &all);
    if (sts == -EAGAIN && u.runs >= l->runs)
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: per-user cap reached: "
		    "%d of %d runs going on (pmdapipe -R)", who, cmd->name,
		    u.runs, l->runs);
    else if (sts == -EAGAIN)
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: per-user cap reached: "
		    "%d of %d runs keeping capabilities going on (pmdapipe -P)",
		    who, cmd->name, u.privruns, l->privruns);
    if (sts == -EAGAIN)
	return -EAGAIN;
    if (sts == -EDQUOT)
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: its memory share is "
		    "spent (%zu of %zu bytes, pmdapipe -S)", who, cmd->name,
		    u.used, l->user);
    else
	pmNotifyErr(LOG_INFO, "deny: %s instance %s: the PMDA's memory budget "
		    "is spent (%zu of %zu bytes, pmdapipe -M)", who, cmd->name,
		    all.used, l->total);
    return -ENOMEM;
}

/* a session that never got watched: stop it the one way sessions stop */
static int
session_abort(struct session *s, const char *who, int sts)
{
    pmNotifyErr(LOG_ERR, "fail: %s instance %s: cannot watch pid %d: %s",
		who, s->name, (int)s->pid, pmErrStr(sts));
    session_stats(s->inst)->failures++;
    /* its output goes nowhere; the pidfd (or the 1 s tick) reaps it */
    stream_close(&s->out);
    stream_close(&s->err);
    s->endreason = "cannot watch it";
    session_start_kill(s, "it cannot be watched");
    return sts;
}

int
session_start(struct sink *sink, const struct pipe_cmd *cmd, int inst,
	const struct params *p, const char *text, const char *who,
	struct session **run)
{
    struct inst_stats	*is = session_stats(inst);
    struct launch_req	req;
    struct launch_res	res;
    struct session	*s = NULL;
    enum launch_step	step = STEP_NONE;
    char		**argv = NULL, *line = NULL;
    char		label[TEXT_LABEL_MAX + 1], dynuid[32] = "";
    struct user_info	runas = { 0 };
    unsigned int	enforced;
    int			sts;

    *run = NULL;
    if ((sts = argv_build(cmd, p, &argv)) < 0) {
	if (sts == PM_ERR_BADSTORE)
	    pmNotifyErr(LOG_INFO, "deny: %s instance %s: %d parameter(s) "
			"given, %d needed", who, TEXT_LOGSTR(cmd->name), p->n,
			cmd->nparams);
	return sts;
    }
    line = argv_string(argv);

    if ((s = calloc(1, sizeof(*s))) == NULL) {
	sts = -ENOMEM;
	goto fail;
    }
    s->serial = ++serials;
    s->inst = inst;
    s->pidfd = s->ctl = s->out.fd = s->err.fd = s->tfd = s->reasonfd = -1;
    s->wpid.fd = s->wctl.fd = s->out.w.fd = s->err.w.fd = s->wtimer.fd = -1;
    if ((s->name = strdup(TEXT_LOGSTR(cmd->name))) == NULL) {
	sts = -ENOMEM;
	goto fail;
    }
    s->acct = budget_ref(sink->acct);
    s->privileged = run_privileged(cmd);
    if ((sts = session_admit(s, cmd, who)) < 0)
	goto fail;
    /* the instance name, encoded: no name can escape or collide */
    s->cgroup = cgroup_create(text_path_label(cmd->name, label), s->serial);
    enforced = s->cgroup ? cgroup_enforced() : 0;
    if (s->cgroup &&
	(sts = cgroup_write_limits(s->cgroup, &cmd->opts, enforced)) < 0) {
	pmNotifyErr(LOG_WARNING, "%s[%lu]: cannot set cgroup limits in %s: "
		    "%s; using rlimits", s->name, s->serial, s->cgroup,
		    pmErrStr(sts));
	enforced = 0;
    }
    /* the run-as user, from the cache: a slow directory waits little */
    if ((sts = users_by_name(cmd->user, USERS_WAIT_MS, &runas)) <= 0) {
	is->failures++;
	if (sts == 0) {
	    sts = LAUNCH_NOUSER;
	    pmNotifyErr(LOG_ERR, "fail: %s instance %s params \"%s\": its "
			"run-as user \"%s\" does not exist (%s:%d)", who,
			s->name, TEXT_LOGSTR(text), TEXT_LOGSTR(cmd->user),
			TEXT_LOGSTR(cmd->file), cmd->line);
	} else if (sts == -EAGAIN) {
	    sts = PM_ERR_AGAIN;
	    pmNotifyErr(LOG_WARNING, "fail: %s instance %s params \"%s\": the "
			"system has not answered who \"%s\" is within %d ms; "
			"try again", who, s->name, TEXT_LOGSTR(text),
			TEXT_LOGSTR(cmd->user), USERS_WAIT_MS);
	}
	goto fail;
    }
    req.argv = argv;
    req.user = cmd->user;
    req.runas = &runas;
    req.cgroup = cgroup_v2_dir(s->cgroup);
    req.cgroup_v1 = cgroup_v1_name(s->cgroup);
    req.opts = &cmd->opts;
    req.rlimit_fallback = (OPT_MEMORY | OPT_TASKS | OPT_CPU) & ~enforced;
    req.grace_ms = opts.grace_ms;
    if ((sts = launch_start(&req, &res, &step)) < 0) {
	is->failures++;
	pmNotifyErr(LOG_ERR, "fail: %s instance %s params \"%s\" as %s: "
		    "%s: %s: %s", who, s->name, TEXT_LOGSTR(text),
		    TEXT_LOGSTR(cmd->user),
		    TEXT_LOGSTR(line ? line : cmd->command),
		    launch_step_name(step), pmErrStr(sts));
	goto fail;
    }
    user_info_clear(&runas);
    if (res.late)
	pmNotifyErr(LOG_INFO, "%s: pid %d still setting up after %d ms: not "
		    "waiting for its exec (a failure shows in its stderr and "
		    "exit status)", s->name, (int)res.pid, EXEC_WAIT_MS);
    s->pid = res.pid;
    s->sup = res.sup;
    s->pidfd = res.pidfd;
    s->ctl = res.ctlfd;
    s->out.s = s->err.s = s;
    s->out.kind = EV_LINE;
    s->err.kind = EV_STDERR;
    s->out.fd = res.outfd;
    s->err.fd = res.errfd;
    s->reasonfd = res.reasonfd;
    lines_init(&s->out.lb, opts.maxline);
    lines_init(&s->err.lb, opts.maxline);
    s->out.lb.acct = s->err.lb.acct = s->acct;
    /* from here on the session has a process: it ends the one way */
    s->next = sessions;
    if (sessions)
	sessions->prev = s;
    sessions = s;
    nsessions++;
    is->running++;
    if ((sts = loop_add(&s->wpid, s->pidfd, EPOLLIN, on_pidfd, s)) < 0 ||
	(s->ctl >= 0 &&
	 (sts = loop_add(&s->wctl, s->ctl, EPOLLIN, on_ctl, s)) < 0) ||
	(sts = loop_add(&s->out.w, s->out.fd, EPOLLIN, on_stream, &s->out)) < 0 ||
	(sts = loop_add(&s->err.w, s->err.fd, EPOLLIN, on_stream, &s->err)) < 0) {
	free(line);
	argv_free(argv);
	return session_abort(s, who, sts);
    }
    s->sink = sink;
    *run = s;
    is->starts++;
    if (cmd->opts.set & OPT_TIMEOUT) {
	s->timeout_ms = cmd->opts.timeout_ms;
	if (session_timer(s) < 0 || loop_timer_arm(s->tfd, s->timeout_ms) < 0)
	    pmNotifyErr(LOG_WARNING, "%s[%lu]: cannot arm its %ld ms timeout",
			s->name, s->serial, s->timeout_ms);
    }
    if (res.dynuid != (uid_t)-1)
	snprintf(dynuid, sizeof(dynuid), " (dynamic uid %u)",
		 (unsigned int)res.dynuid);
    pmNotifyErr(LOG_INFO, "start: %s instance %s params \"%s\" as %s%s pid "
		"%d supervisor %d%s%s: %s", who, s->name, TEXT_LOGSTR(text),
		TEXT_LOGSTR(cmd->user), dynuid, (int)s->pid, (int)s->sup,
		s->cgroup ? " cgroup " : "", s->cgroup ? s->cgroup : "",
		TEXT_LOGSTR(line));
    free(line);
    argv_free(argv);
    return 0;

fail:
    user_info_clear(&runas);
    if (s) {
	if (s->admitted)
	    budget_run_end(s->acct, s->privileged);
	budget_put(s->acct);
	cgroup_release(s->cgroup);
	free(s->name);
	free(s);
    }
    free(line);
    argv_free(argv);
    return sts;
}

/*
 * The PMDA's 1 s tick: reap sessions whose pidfd or timer could not be
 * watched (they would otherwise wait for an event that never comes).
 */
void
session_tick(void)
{
    struct session	*s, *next;

    for (s = sessions; s; s = next) {
	next = s->next;
	if (s->sup_reaped ||
	    (s->wpid.fd >= 0 && (s->ctl < 0 || s->wctl.fd >= 0) && s->tfd >= 0))
	    continue;
	if (!session_try_reap(s) && s->kill != ALIVE)
	    signal_tree(s, SIGKILL);
    }
}

void
session_shutdown(void)
{
    struct session	*s;
    struct timespec	start = mono_now();
    long		limit = opts.grace_ms + 2 * FINAL_WAIT_MS, elapsed;

    for (s = sessions; s; s = s->next)
	session_detach(s);
    while (sessions != NULL) {
	if ((elapsed = ms_since(&start)) > limit)
	    break;
	/* at most 1 s at a time: unwatched sessions are reaped by the tick */
	if (loop_once(limit - elapsed < 1000 ? limit - elapsed : 1000) < 0)
	    break;
	session_tick();
    }
    for (s = sessions; s; s = s->next)
	pmNotifyErr(LOG_ERR, "%s[%lu] pid %d did not end", s->name, s->serial,
		    (int)s->pid);
    while (cgroup_retry() > 0 && loop_once(100) >= 0)
	if (ms_since(&start) > limit + 1000)
	    break;
}

/*
 * policy.c - identities, access decisions, the pidparam check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "access.h"
#include "policy.h"
#include "text.h"
#include "timeutil.h"
#include "users.h"

static unsigned long long	*denied;	/* by instance */
static int			ndenied;

/* the names resolved from the system */
static void
names_free(struct identity *id)
{
    int		i;

    for (i = 0; i < id->ngroups; i++)
	free(id->groups[i]);
    free(id->groups);
    free(id->user);
    id->groups = NULL;
    id->ngroups = 0;
    id->user = NULL;
    id->resolved = 0;
}

void
identity_set_uid(struct identity *id, uid_t uid)
{
    if (!id->have_uid || id->uid != uid)
	names_free(id);		/* names of another user are stale */
    id->uid = uid;
    id->have_uid = 1;
    users_prefetch_uid(uid);	/* so the names are there by its first store */
}

void
identity_set_gid(struct identity *id, gid_t gid)
{
    id->gid = gid;
    id->have_gid = 1;
}

int
identity_set_sasl_user(struct identity *id, const char *name, size_t len)
{
    char	*n = strndup(name, len);

    if (n == NULL)
	return -ENOMEM;
    free(id->sasl_user);
    id->sasl_user = n;
    return 0;
}

void
identity_set_local(struct identity *id)
{
    id->local = 1;
}

void
identity_free(struct identity *id)
{
    names_free(id);
    free(id->sasl_user);
    id->sasl_user = NULL;
}

int
identity_resolve(struct identity *id)
{
    struct user_info	info;
    int			sts;

    if (!id->have_uid)
	return 0;
    /* the cache (users.c) answers at once; NSS is asked off the loop */
    if ((sts = users_by_uid(id->uid, USERS_WAIT_MS, &info)) < 0)
	return sts;
    names_free(id);
    if (sts > 0) {
	/*
	 * Only the groups the system says the user is in: the gid the
	 * client process runs with could be any group it can switch to,
	 * and a stale one when the user's groups changed.
	 */
	id->user = info.name;
	id->groups = info.groups;
	id->ngroups = info.ngroups;
	info.name = NULL;
	info.groups = NULL;
	info.ngroups = 0;
    }
    user_info_clear(&info);
    id->resolved = 1;
    return 0;
}

const char *
identity_who(const struct identity *id, char *buf, size_t len)
{
    char	how[TEXT_LOG_BUF + 48];
    int		sasl;

    if (id == NULL || !id->have_uid) {
	snprintf(buf, len, "anonymous");
	return buf;
    }
    /* this uid is the SASL user's when its name is that user's */
    sasl = id->sasl_user && id->user && strcmp(id->user, id->sasl_user) == 0;
    if (id->local && sasl)
	snprintf(how, sizeof(how), "local credentials, SASL user %s",
		 TEXT_LOGSTR(id->sasl_user));
    else if (id->local && id->sasl_user)
	snprintf(how, sizeof(how), "local credentials, SASL user %s ignored",
		 TEXT_LOGSTR(id->sasl_user));
    else if (id->local)
	snprintf(how, sizeof(how), "local credentials");
    else if (id->sasl_user)	/* the only other way pmcd passes a uid */
	snprintf(how, sizeof(how), "SASL user %s",
		 TEXT_LOGSTR(id->sasl_user));
    else
	snprintf(how, sizeof(how), "from pmcd");
    if (id->user)
	snprintf(buf, len, "user %s (uid %u, %s)", TEXT_LOGSTR(id->user),
		 (unsigned)id->uid, how);
    else
	snprintf(buf, len, "uid %u (%s)", (unsigned)id->uid, how);
    return buf;
}

static void
log_suppressed(const struct identity *id, unsigned long n)
{
    char	who[2 * TEXT_LOG_BUF];

    if (n > 0)
	pmNotifyErr(LOG_NOTICE, "deny: %s: %lu more denials suppressed (at "
		    "most %d logged per client in %d s)",
		    identity_who(id, who, sizeof(who)), n, POLICY_DENY_BURST,
		    POLICY_DENY_WINDOW_MS / 1000);
}

void
policy_deny_log(struct identity *id, int level, const char *fmt, ...)
{
    struct timespec	now = mono_now();
    unsigned long	report;
    char		line[4 * TEXT_LOG_BUF];
    va_list		ap;
    int			log;

    log = ratelimit_event(&id->denials,
			  now.tv_sec * 1000LL + now.tv_nsec / 1000000,
			  POLICY_DENY_BURST, POLICY_DENY_WINDOW_MS, &report);
    log_suppressed(id, report);
    if (!log)
	return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pmNotifyErr(level, "%s", line);
}

void
identity_end(struct identity *id)
{
    log_suppressed(id, ratelimit_flush(&id->denials));
    identity_free(id);
}

void
policy_configure(int ninst)
{
    unsigned long long	*nd;

    if (ninst > ndenied && (nd = realloc(denied, ninst * sizeof(*nd))) != NULL) {
	memset(nd + ndenied, 0, (ninst - ndenied) * sizeof(*nd));
	denied = nd;
	ndenied = ninst;
    }
}

unsigned long long
policy_denied(int inst)
{
    return inst >= 0 && inst < ndenied ? denied[inst] : 0;
}

static void
count_denied(int inst)
{
    if (inst >= 0 && inst < ndenied)
	denied[inst]++;
}

/*
 * pidparam = N: parameter N names a process the client owns (root may
 * name any).  The process could exit and its PID be reused before the
 * command attaches: commands must tolerate that, as any tracer must.
 */
static int
check_pid_param(struct identity *id, int inst, const struct pipe_cmd *cmd,
	const struct params *p, const char *who)
{
    struct stat		sb;
    char		path[64];
    const char		*arg, *d;
    int			n = cmd->opts.pidparam;

    if (p->n < n) {
	policy_deny_log(id, LOG_INFO, "deny: %s instance %s: %d parameter(s) "
			"given, parameter %d must be a process id", who,
			TEXT_LOGSTR(cmd->name), p->n, n);
	return PM_ERR_BADSTORE;
    }
    arg = p->v[n - 1];
    for (d = arg; *d; d++)
	if (*d < '0' || *d > '9')
	    break;
    if (*d != '\0' || *arg == '\0' || strlen(arg) > 10) {
	policy_deny_log(id, LOG_INFO, "deny: %s instance %s: parameter %d "
			"\"%s\" is not a process id", who,
			TEXT_LOGSTR(cmd->name), n, TEXT_LOGSTR(arg));
	return PM_ERR_BADSTORE;
    }
    snprintf(path, sizeof(path), "/proc/%s", arg);
    if (stat(path, &sb) < 0) {
	policy_deny_log(id, LOG_INFO, "deny: %s instance %s: no process %s",
			who, TEXT_LOGSTR(cmd->name), arg);
	return PM_ERR_BADSTORE;
    }
    if (!id->have_uid || (id->uid != 0 && id->uid != sb.st_uid)) {
	policy_deny_log(id, LOG_NOTICE, "deny: %s instance %s: process %s "
			"belongs to uid %u, not to the client", who,
			TEXT_LOGSTR(cmd->name), arg, (unsigned)sb.st_uid);
	count_denied(inst);
	return PM_ERR_PERMISSION;
    }
    return 0;
}

int
policy_check(const struct pipe_config *cfg, struct identity *id,
	int inst, const struct pipe_cmd *cmd, const struct params *p,
	const char *text, char *note, size_t notelen)
{
    struct access_subject	subj = { 0 };
    struct access_decision	d;
    char			who[256];
    size_t			n;

    identity_who(id, who, sizeof(who));
    if (!id->have_uid)
	subj.anonymous = 1;
    else {
	subj.uid = id->uid;
	subj.user = id->user;
	subj.groups = (const char *const *)id->groups;
	subj.ngroups = id->ngroups;
    }
    access_decide(cfg, &subj, cmd->name, &d);
    if (!d.allow) {
	count_denied(inst);
	if (d.rule)
	    policy_deny_log(id, LOG_NOTICE, "deny: %s instance %s params "
			    "\"%s\": %s %s:%d", who, TEXT_LOGSTR(cmd->name),
			    TEXT_LOGSTR(text), access_reason_text(d.reason),
			    TEXT_LOGSTR(d.rule->file), d.rule->line);
	else
	    policy_deny_log(id, LOG_NOTICE, "deny: %s instance %s params "
			    "\"%s\": %s", who, TEXT_LOGSTR(cmd->name),
			    TEXT_LOGSTR(text), access_reason_text(d.reason));
	return PM_ERR_PERMISSION;
    }
    n = strlen(note);
    if (d.rule)
	snprintf(note + n, notelen - n, " [allowed by %s:%d]",
		 TEXT_LOGSTR(d.rule->file), d.rule->line);
    else
	snprintf(note + n, notelen - n, " [%s]", d.reason == ACCESS_ROOT ?
		 "root" : "uncontrolled instance");
    if (p != NULL && (cmd->opts.set & OPT_PIDPARAM))
	return check_pid_param(id, inst, cmd, p, who);
    return 0;
}

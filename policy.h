/*
 * policy.h - who may run or read what: the one place a client's identity
 * is resolved (user and group names from the system) and access decisions
 * are made, once per request.  The decision itself is access.c's, pure;
 * this adds the identity, the pidparam check, the log line and the count.
 */
#ifndef PIPE_POLICY_H
#define PIPE_POLICY_H

#include <sys/types.h>
#include "config.h"
#include "params.h"
#include "ratelimit.h"

/* what pmcd told us of a client, and what the system says about it */
struct identity {
    int		have_uid, have_gid;
    uid_t	uid;
    gid_t	gid;		/* as pmcd passed it (not trusted for rules) */
    char	*user;		/* user name, once resolved; NULL if unknown */
    char	**groups;	/* the user's group names, once resolved */
    int		ngroups;
    int		resolved;
    /* how pmcd identified the client, for the log */
    int		local;		/* a unix socket's peer credentials */
    char	*sasl_user;	/* the user pmcd authenticated (SASL) */
    struct ratelimit denials;	/* of its requests' refusals, in the log */
};

/* pmcd passed a uid / gid (PMDA_ATTR_USERID, PMDA_ATTR_GROUPID) */
void identity_set_uid(struct identity *, uid_t);
void identity_set_gid(struct identity *, gid_t);
/*
 * pmcd passed a SASL user name (PMDA_ATTR_USERNAME), or the client's pid
 * (PMDA_ATTR_PROCESSID), which comes only with a unix socket's peer
 * credentials.  A unix socket client that also authenticated gets both,
 * the peer's uid last (pmcd 6.0.3): the last uid is the one used.
 */
int identity_set_sasl_user(struct identity *, const char *name, size_t len);
void identity_set_local(struct identity *);
/*
 * The user name and groups from the system (users.c: a cache, NSS asked
 * off the event loop).  A request calls this once, before deciding
 * anything for any of its values.  Returns 0, -EAGAIN when the system has
 * not answered within USERS_WAIT_MS (the request should fail with
 * PM_ERR_AGAIN: "try again"), or -ENOMEM.
 */
int identity_resolve(struct identity *);
void identity_free(struct identity *);
/* the client went away: log what policy_deny_log held back, then free */
void identity_end(struct identity *);
/*
 * For logs (escaped): "user bob (uid 1000, local credentials)", "user
 * bob (uid 1000, SASL user bob)", "uid 1000 (...)" or "anonymous"
 */
const char *identity_who(const struct identity *, char *buf, size_t len);

/*
 * Repeated refusals of one client's requests are rate limited in the
 * log: at most POLICY_DENY_BURST lines in POLICY_DENY_WINDOW_MS; the rest
 * are counted and one line says how many ("N more denials suppressed"),
 * with the next refusal logged after the window or when the client goes
 * away.  pipe.command.denied counts every one of them.
 */
#define POLICY_DENY_BURST	5
#define POLICY_DENY_WINDOW_MS	10000

/* log a refusal of a request of id's (a whole "deny: ..." line; any
   untrusted text in it escaped by the caller: text.h), rate limited */
void policy_deny_log(struct identity *, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* per-instance counters of refusals (pipe.command.denied) */
void policy_configure(int ninst);
unsigned long long policy_denied(int inst);

/*
 * May the client start instance inst (cmd) with parameters p, or, with p
 * NULL, read it (a shared instance)?  text is the stored parameter text,
 * for the log.  Returns 0, with what allowed it appended to note (e.g.
 * " [allowed by pipe.conf:12]"), or PM_ERR_PERMISSION / PM_ERR_BADSTORE,
 * logged and counted.
 */
int policy_check(const struct pipe_config *, struct identity *,
		int inst, const struct pipe_cmd *cmd, const struct params *p,
		const char *text, char *note, size_t notelen);

#endif /* PIPE_POLICY_H */

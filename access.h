/*
 * access.h - who may start which command: a pure decision over the
 * [access] rules of a configuration.  No NSS, no logging: the caller
 * resolves the client's user and group names.
 */
#ifndef PIPE_ACCESS_H
#define PIPE_ACCESS_H

#include <sys/types.h>
#include "config.h"

struct access_subject {
    int			anonymous;	/* no credentials reached the PMDA */
    uid_t		uid;
    const char		*user;		/* user name, NULL if unknown */
    const char *const	*groups;	/* primary and supplementary group names */
    int			ngroups;
};

enum access_reason {
    ACCESS_ROOT,		/* uid 0: always allowed */
    ACCESS_UNCONTROLLED,	/* no rule names the instance, and no '*' rule */
    ACCESS_RULE,		/* decided by *rule */
    ACCESS_ANONYMOUS,		/* controlled instance, client has no identity */
    ACCESS_NO_RULE,		/* controlled instance, no rule matches */
};

struct access_decision {
    int				allow;
    enum access_reason		reason;
    const struct pipe_rule	*rule;	/* with ACCESS_RULE */
};

/*
 * Decide for subject and instance.  The most specific matching rule wins:
 * user+instance, then group+instance, then user+'*', then group+'*'; at
 * equal specificity disallow wins.  Returns 1 allow, 0 deny.
 */
int access_decide(const struct pipe_config *, const struct access_subject *,
		const char *instance, struct access_decision *);

const char *access_reason_text(enum access_reason);

#endif /* PIPE_ACCESS_H */

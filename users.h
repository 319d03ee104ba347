/*
 * users.h - user and group names from the system (NSS) without waiting
 * long for them on the event loop.  A worker thread asks NSS; each
 * request waits a little for a fresh answer (so a change to a user's
 * groups applies at once) and otherwise takes the last answer, if it is
 * younger than a short time to live.  With LDAP or SSSD a lookup can take
 * seconds: nothing here waits longer than its caller allows.
 */
#ifndef PIPE_USERS_H
#define PIPE_USERS_H

#include <sys/types.h>

#define USERS_TTL_MS		30000	/* an answer serves this long when
					   the system is slow to answer again */
#define USERS_WAIT_MS		100	/* the most a request waits for one */
#define USERS_NEG_TTL_MS	5000	/* "no such user" this long */

/* what the system says of a user */
struct user_info {
    uid_t	uid;
    gid_t	gid;		/* primary group */
    char	*name;
    char	*home;
    gid_t	*gids;		/* every group (getgrouplist), primary first */
    int		ngids;
    char	**groups;	/* their names, where they have one */
    int		ngroups;
};

/* start the worker and watch its answers (loop.h); -errno on failure */
int users_init(void);
void users_fini(void);

/*
 * The answer for a uid or a user name: the system is asked again and
 * given up to wait_ms; without its answer, the last one serves if it is
 * younger than the time to live.  Returns 1 with *out filled (a copy:
 * user_info_clear it), 0 when the system knows no such user, -EAGAIN when
 * there is no answer to give (the lookup goes on; a later call finds it),
 * -ENOMEM.
 */
int users_by_uid(uid_t, int wait_ms, struct user_info *out);
int users_by_name(const char *, int wait_ms, struct user_info *out);
/* ask ahead, so that the answer is there when it is needed */
void users_prefetch_uid(uid_t);
void users_prefetch_name(const char *);
void user_info_clear(struct user_info *);

/* tests: answers older than ttl_ms (and negative ones older than neg_ms) are asked again */
void users_set_ttl(long ttl_ms, long neg_ms);

#endif /* PIPE_USERS_H */

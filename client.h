/*
 * client.h - per-context table: each pmcd client context's credentials
 * and, per instance, its record queue and current command.
 */
#ifndef PIPE_CLIENT_H
#define PIPE_CLIENT_H

#include <sys/types.h>
#include "evq.h"

struct session;

struct slot {
    struct client	*client;	/* NULL for a shared instance's slot */
    int			inst;
    struct evq		q;
    struct session	*run;		/* command running for it, or NULL */
    /* a reader of a shared (autostart) instance */
    unsigned long long	cursor;		/* next sequence number to deliver */
    int			reader;		/* cursor is valid */
    unsigned long	gen;		/* shared slot: its queue's generation;
					   reader: the generation cursor is for */
    unsigned int	access_gen;	/* configuration the decision was for */
    int			access_ok;
    /* called when a run for this slot ends (shared instances) */
    void		(*on_end)(struct slot *, int status);
};

struct client {
    int			ctx;
    int			have_uid, have_gid;
    uid_t		uid;
    gid_t		gid;
    char		*username;	/* from PMDA_ATTR_USERNAME, or NULL */
    struct slot		**slots;	/* indexed by instance id */
    int			nslots;
};

/* the client for a context; created when create != 0 */
struct client *client_get(int ctx, int create);
/* the context went away: stop its commands and free its queues */
void client_end(int ctx);
/* its slot for inst, created (with maxmem) when create != 0 */
struct slot *client_slot(struct client *, int inst, int create, size_t maxmem);
/* describe the client for logs: "user bob (uid 1000)" or "anonymous" */
const char *client_who(const struct client *, char *buf, size_t len);

/*
 * The client's identity for access decisions, resolved from the system now
 * (user name, primary and supplementary groups, plus the gid pmcd passed).
 * Fills *s with pointers into *id; release with client_identity_free.
 */
struct client_identity {
    char	*user;
    char	**groups;
    int		ngroups;
};
struct access_subject;
int client_identity(const struct client *, struct client_identity *,
		struct access_subject *);
void client_identity_free(struct client_identity *);

int client_count(void);
/* call fn for every slot of every client */
void client_foreach_slot(void (*fn)(struct slot *, void *), void *arg);
/* end every client (PMDA shutdown) */
void client_end_all(void);

#endif /* PIPE_CLIENT_H */

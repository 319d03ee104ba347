/*
 * client.c - per-context table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include "access.h"
#include "client.h"
#include "session.h"

static struct client	**clients;	/* indexed by context number */
static int		nclients;	/* size of clients[] */
static int		live;		/* clients in use */

struct client *
client_get(int ctx, int create)
{
    struct client	**nc, *c;
    int			n;

    if (ctx < 0)
	return NULL;
    if (ctx < nclients && clients[ctx] != NULL)
	return clients[ctx];
    if (!create)
	return NULL;
    if (ctx >= nclients) {
	n = ctx + 16;
	if ((nc = realloc(clients, n * sizeof(*nc))) == NULL)
	    return NULL;
	memset(nc + nclients, 0, (n - nclients) * sizeof(*nc));
	clients = nc;
	nclients = n;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL)
	return NULL;
    c->ctx = ctx;
    clients[ctx] = c;
    live++;
    return c;
}

struct slot *
client_slot(struct client *c, int inst, int create, size_t maxmem)
{
    struct slot		**ns, *s;
    int			n;

    if (inst < 0)
	return NULL;
    if (inst < c->nslots && c->slots[inst] != NULL) {
	if (create && maxmem)	/* the bound may have changed with a reload */
	    c->slots[inst]->q.maxmem = maxmem;
	return c->slots[inst];
    }
    if (!create)
	return NULL;
    if (inst >= c->nslots) {
	n = inst + 4;
	if ((ns = realloc(c->slots, n * sizeof(*ns))) == NULL)
	    return NULL;
	memset(ns + c->nslots, 0, (n - c->nslots) * sizeof(*ns));
	c->slots = ns;
	c->nslots = n;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL)
	return NULL;
    s->client = c;
    s->inst = inst;
    evq_init(&s->q, maxmem);
    c->slots[inst] = s;
    return s;
}

static void
slot_free(struct slot *s)
{
    if (s->run)
	session_detach(s->run);
    s->run = NULL;
    evq_clear(&s->q);
    free(s);
}

void
client_end(int ctx)
{
    struct client	*c = client_get(ctx, 0);
    int			i;

    if (c == NULL)
	return;
    for (i = 0; i < c->nslots; i++)
	if (c->slots[i])
	    slot_free(c->slots[i]);
    free(c->slots);
    free(c->username);
    free(c);
    clients[ctx] = NULL;
    live--;
}

void
client_end_all(void)
{
    int		i;

    for (i = 0; i < nclients; i++)
	client_end(i);
    free(clients);
    clients = NULL;
    nclients = 0;
}

const char *
client_who(const struct client *c, char *buf, size_t len)
{
    if (c == NULL || !c->have_uid)
	snprintf(buf, len, "anonymous");
    else if (c->username)
	snprintf(buf, len, "user %s (uid %u)", c->username, (unsigned)c->uid);
    else
	snprintf(buf, len, "uid %u", (unsigned)c->uid);
    return buf;
}

int
client_count(void)
{
    return live;
}

void
client_foreach_slot(void (*fn)(struct slot *, void *), void *arg)
{
    int		i, j;

    for (i = 0; i < nclients; i++) {
	if (clients[i] == NULL)
	    continue;
	for (j = 0; j < clients[i]->nslots; j++)
	    if (clients[i]->slots[j])
		fn(clients[i]->slots[j], arg);
    }
}

static int
add_group(struct client_identity *id, gid_t gid)
{
    struct group	*gr = getgrgid(gid);
    char		**ng;
    int			i;

    if (gr == NULL)
	return 0;
    for (i = 0; i < id->ngroups; i++)
	if (strcmp(id->groups[i], gr->gr_name) == 0)
	    return 0;
    if ((ng = realloc(id->groups, (id->ngroups + 1) * sizeof(char *))) == NULL)
	return -ENOMEM;
    id->groups = ng;
    if ((id->groups[id->ngroups] = strdup(gr->gr_name)) == NULL)
	return -ENOMEM;
    id->ngroups++;
    return 0;
}

int
client_identity(const struct client *c, struct client_identity *id,
	struct access_subject *s)
{
    struct passwd	*pw;
    gid_t		*gids = NULL, *ng;
    int			i, n = 64, want, sts = 0;

    memset(id, 0, sizeof(*id));
    memset(s, 0, sizeof(*s));
    if (!c->have_uid) {
	s->anonymous = 1;
	return 0;
    }
    s->uid = c->uid;
    if ((pw = getpwuid(c->uid)) != NULL) {
	if ((id->user = strdup(pw->pw_name)) == NULL)
	    return -ENOMEM;
	/* however many groups: a disallow rule must see every one of them */
	for (;;) {
	    if ((ng = realloc(gids, n * sizeof(gid_t))) == NULL) {
		sts = -ENOMEM;
		break;
	    }
	    gids = ng;
	    want = n;
	    if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &want) >= 0) {
		n = want;
		break;
	    }
	    n = want > n ? want : n * 2;
	}
	for (i = 0; sts == 0 && i < n; i++)
	    sts = add_group(id, gids[i]);
	free(gids);
    }
    /*
     * Only the groups the system says the user is in: the gid the client
     * process runs with (c->gid) could be any group it can switch to, and
     * a stale one when the user's groups changed.
     */
    if (sts < 0) {
	client_identity_free(id);
	return sts;
    }
    s->user = id->user;
    s->groups = (const char *const *)id->groups;
    s->ngroups = id->ngroups;
    return 0;
}

void
client_identity_free(struct client_identity *id)
{
    int		i;

    for (i = 0; i < id->ngroups; i++)
	free(id->groups[i]);
    free(id->groups);
    free(id->user);
    memset(id, 0, sizeof(*id));
}

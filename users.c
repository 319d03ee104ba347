/*
 * users.c - NSS lookups in a worker thread, answers cached by the loop.
 *
 * The worker takes keys (a uid or a name) from a queue, asks NSS with
 * the reentrant calls, and hands back a malloc'd answer; an eventfd tells
 * the loop, whose handler moves answers into the cache.  Only the loop's
 * thread touches the cache.  The child side of a fork never uses any of
 * this (everything a child needs is resolved before the fork).
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "loop.h"
#include "timeutil.h"
#include "users.h"

#define MAX_GROUPS	65536

struct key {
    int		by_name;
    uid_t	uid;
    char	*name;
};

struct answer {
    struct answer	*next;
    struct key		key;
    int			found;		/* 1, 0, or -errno */
    struct user_info	info;
};

struct entry {
    struct key		key;
    int			state;		/* PENDING: asked again; or DONE */
    struct timespec	when;		/* when last answered */
    int			found;		/* 1, 0 (no such user), -EAGAIN (never
					   answered) or -errno */
    struct user_info	info;
};
enum { PENDING, DONE };

static struct {
    pthread_t		thread;
    int			started;
    pthread_mutex_t	lock;
    pthread_cond_t	wake;
    struct answer	*todo, *done;	/* requests (info unused), answers */
    int			quit;
    int			efd;
    struct loop_watch	w;
    struct entry	*cache;		/* the loop's only */
    int			ncache;
    long		ttl_ms, neg_ms;
} u = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
	.efd = -1, .ttl_ms = USERS_TTL_MS, .neg_ms = USERS_NEG_TTL_MS };

void
user_info_clear(struct user_info *i)
{
    int		j;

    for (j = 0; j < i->ngroups; j++)
	free(i->groups[j]);
    free(i->groups);
    free(i->gids);
    free(i->name);
    free(i->home);
    memset(i, 0, sizeof(*i));
}

static int
info_copy(struct user_info *to, const struct user_info *from)
{
    int		j;

    memset(to, 0, sizeof(*to));
    to->uid = from->uid;
    to->gid = from->gid;
    if ((from->name && (to->name = strdup(from->name)) == NULL) ||
	(from->home && (to->home = strdup(from->home)) == NULL))
	goto nomem;
    if (from->ngids) {
	if ((to->gids = malloc(from->ngids * sizeof(gid_t))) == NULL)
	    goto nomem;
	memcpy(to->gids, from->gids, from->ngids * sizeof(gid_t));
	to->ngids = from->ngids;
    }
    if (from->ngroups) {
	if ((to->groups = calloc(from->ngroups, sizeof(char *))) == NULL)
	    goto nomem;
	for (j = 0; j < from->ngroups; j++) {
	    if ((to->groups[j] = strdup(from->groups[j])) == NULL)
		goto nomem;
	    to->ngroups++;
	}
    }
    return 0;
nomem:
    user_info_clear(to);
    return -ENOMEM;
}

/* ---- the worker: NSS only, reentrant calls ---- */

static int
lookup(const struct key *k, struct user_info *out)
{
    struct passwd	pw, *pwp = NULL;
    struct group	gr, *grp;
    char		*buf = NULL, *nb;
    size_t		size = 4096;
    gid_t		*gids = NULL, *ng;
    int			sts, i, n, want;

    memset(out, 0, sizeof(*out));
    for (;;) {
	if ((nb = realloc(buf, size)) == NULL) {
	    free(buf);
	    return -ENOMEM;
	}
	buf = nb;
	sts = k->by_name ? getpwnam_r(k->name, &pw, buf, size, &pwp)
			 : getpwuid_r(k->uid, &pw, buf, size, &pwp);
	if (sts != ERANGE || size > (1 << 20))
	    break;
	size *= 2;
    }
    if (pwp == NULL) {
	free(buf);
	return 0;	/* no such user (or the service failed: same answer) */
    }
    out->uid = pw.pw_uid;
    out->gid = pw.pw_gid;
    out->name = strdup(pw.pw_name);
    out->home = strdup(pw.pw_dir && pw.pw_dir[0] ? pw.pw_dir : "/");
    /* however many groups: a disallow rule must see every one of them */
    for (n = 64;;) {
	if ((ng = realloc(gids, n * sizeof(gid_t))) == NULL)
	    goto nomem;
	gids = ng;
	want = n;
	if (getgrouplist(pw.pw_name, pw.pw_gid, gids, &want) >= 0) {
	    n = want;
	    break;
	}
	if (n >= MAX_GROUPS)
	    goto nomem;
	n = want > n ? want : n * 2;
    }
    out->gids = gids;
    out->ngids = n;
    gids = NULL;
    if (out->name == NULL || out->home == NULL ||
	(out->groups = calloc(n ? n : 1, sizeof(char *))) == NULL)
	goto nomem;
    for (i = 0; i < n; i++) {
	grp = NULL;
	for (;;) {
	    sts = getgrgid_r(out->gids[i], &gr, buf, size, &grp);
	    if (sts != ERANGE || size > (1 << 20))
		break;
	    size *= 2;
	    if ((nb = realloc(buf, size)) == NULL)
		goto nomem;
	    buf = nb;
	}
	if (grp == NULL)
	    continue;
	if ((out->groups[out->ngroups] = strdup(grp->gr_name)) == NULL)
	    goto nomem;
	out->ngroups++;
    }
    free(buf);
    return 1;
nomem:
    free(gids);
    free(buf);
    user_info_clear(out);
    return -ENOMEM;
}

static void *
worker(void *arg)
{
    struct answer	*a;
    uint64_t		one = 1;
    ssize_t		n;

    (void)arg;
    pthread_mutex_lock(&u.lock);
    for (;;) {
	while (u.todo == NULL && !u.quit)
	    pthread_cond_wait(&u.wake, &u.lock);
	if (u.quit)
	    break;
	a = u.todo;
	u.todo = a->next;
	pthread_mutex_unlock(&u.lock);
	a->found = lookup(&a->key, &a->info);
	pthread_mutex_lock(&u.lock);
	a->next = u.done;
	u.done = a;
	n = write(u.efd, &one, sizeof(one));
	(void)n;
    }
    pthread_mutex_unlock(&u.lock);
    return NULL;
}

/* ---- the loop's side ---- */

static int
key_equal(const struct key *a, const struct key *b)
{
    if (a->by_name != b->by_name)
	return 0;
    return a->by_name ? strcmp(a->name, b->name) == 0 : a->uid == b->uid;
}

static struct entry *
find(const struct key *k)
{
    int		i;

    for (i = 0; i < u.ncache; i++)
	if (key_equal(&u.cache[i].key, k))
	    return &u.cache[i];
    return NULL;
}

static void
take_answers(void)
{
    struct answer	*a, *next;
    struct entry	*e;
    uint64_t		count;
    ssize_t		n;

    n = read(u.efd, &count, sizeof(count));
    (void)n;
    pthread_mutex_lock(&u.lock);
    a = u.done;
    u.done = NULL;
    pthread_mutex_unlock(&u.lock);
    for (; a != NULL; a = next) {
	next = a->next;
	if ((e = find(&a->key)) != NULL) {
	    user_info_clear(&e->info);
	    e->info = a->info;
	    e->found = a->found;
	    e->state = DONE;
	    e->when = mono_now();
	} else
	    user_info_clear(&a->info);
	free(a->key.name);
	free(a);
    }
}

static void
on_answers(void *arg, uint32_t events)
{
    (void)arg;
    (void)events;
    take_answers();
}

/* the cache entry for k, created (unanswered) when missing; NULL: no memory */
static struct entry *
entry_of(const struct key *k)
{
    struct entry	*e = find(k), *nc;

    if (e != NULL)
	return e;
    if ((nc = realloc(u.cache, (u.ncache + 1) * sizeof(*nc))) == NULL)
	return NULL;
    u.cache = nc;
    e = &u.cache[u.ncache];
    memset(e, 0, sizeof(*e));
    e->key = *k;
    if (k->by_name && (e->key.name = strdup(k->name)) == NULL)
	return NULL;
    e->state = DONE;
    e->found = -EAGAIN;		/* never answered */
    u.ncache++;
    return e;
}

/* ask the worker for e's key again (unless it is being asked already) */
static void
ask(struct entry *e)
{
    struct answer	*a;

    if (e->state == PENDING || (a = calloc(1, sizeof(*a))) == NULL)
	return;
    a->key = e->key;
    if (e->key.by_name && (a->key.name = strdup(e->key.name)) == NULL) {
	free(a);
	return;
    }
    e->state = PENDING;
    pthread_mutex_lock(&u.lock);
    a->next = u.todo;
    u.todo = a;
    pthread_cond_signal(&u.wake);
    pthread_mutex_unlock(&u.lock);
}

/* the entry's answer may serve: it has one, younger than its time to live */
static int
usable(const struct entry *e)
{
    if (e->found == -EAGAIN)
	return 0;
    return ms_since(&e->when) < (e->found > 0 ? u.ttl_ms : u.neg_ms);
}

/*
 * Every request asks the system afresh and waits up to wait_ms for its
 * answer, so a change (a user taken out of a group) applies at once while
 * the system answers quickly; when it does not, an answer younger than
 * the time to live serves, and without one the request must try again.
 */
static int
get(const struct key *k, int wait_ms, struct user_info *out)
{
    struct entry	*e;
    struct pollfd	pfd;
    struct timespec	t0 = mono_now();
    long		left;

    memset(out, 0, sizeof(*out));
    if (!u.started || (e = entry_of(k)) == NULL)
	return -ENOMEM;
    ask(e);
    while (e->state == PENDING && (left = wait_ms - ms_since(&t0)) > 0) {
	pfd.fd = u.efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)left) > 0)
	    take_answers();
	if ((e = find(k)) == NULL)	/* (the cache may have moved) */
	    return -ENOMEM;
    }
    if (e->state == PENDING && !usable(e))
	return -EAGAIN;
    if (e->found <= 0)
	return e->found;
    return info_copy(out, &e->info) < 0 ? -ENOMEM : 1;
}

int
users_by_uid(uid_t uid, int wait_ms, struct user_info *out)
{
    struct key	k = { 0, uid, NULL };

    return get(&k, wait_ms, out);
}

int
users_by_name(const char *name, int wait_ms, struct user_info *out)
{
    struct key	k = { 1, 0, (char *)name };

    return get(&k, wait_ms, out);
}

/* ask ahead, unless a usable answer is there */
static void
prefetch(const struct key *k)
{
    struct entry	*e;

    if (u.started && (e = entry_of(k)) != NULL && !usable(e))
	ask(e);
}

void
users_prefetch_uid(uid_t uid)
{
    struct key	k = { 0, uid, NULL };

    prefetch(&k);
}

void
users_prefetch_name(const char *name)
{
    struct key	k = { 1, 0, (char *)name };

    prefetch(&k);
}

void
users_set_ttl(long ttl_ms, long neg_ms)
{
    u.ttl_ms = ttl_ms;
    u.neg_ms = neg_ms;
}

int
users_init(void)
{
    sigset_t	all, old;
    int		sts;

    if (u.started)
	return 0;
    if ((u.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
	return -errno;
    /* the worker takes no signal: they are the loop's (signalfd) */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    sts = pthread_create(&u.thread, NULL, worker, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sts != 0) {
	close(u.efd);
	u.efd = -1;
	return -sts;
    }
    u.started = 1;
    if ((sts = loop_add(&u.w, u.efd, EPOLLIN, on_answers, NULL)) < 0) {
	users_fini();
	return sts;
    }
    return 0;
}

void
users_fini(void)
{
    struct answer	*a, *next;
    int			i;

    if (!u.started)
	return;
    loop_del(&u.w);
    pthread_mutex_lock(&u.lock);
    u.quit = 1;
    pthread_cond_signal(&u.wake);
    pthread_mutex_unlock(&u.lock);
    /* a lookup stuck in NSS would hold us here: do not wait for it */
    pthread_detach(u.thread);
    u.started = 0;
    pthread_mutex_lock(&u.lock);
    for (a = u.todo; a; a = next) {
	next = a->next;
	free(a->key.name);
	free(a);
    }
    u.todo = NULL;
    pthread_mutex_unlock(&u.lock);
    for (i = 0; i < u.ncache; i++) {
	free(u.cache[i].key.name);
	user_info_clear(&u.cache[i].info);
    }
    free(u.cache);
    u.cache = NULL;
    u.ncache = 0;
}

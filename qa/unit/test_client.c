/*
 * test_client.c - cmocka unit tests for client.c: the per-context table
 * and a reader's queue, through the sink its runs write to, with a fake
 * session module (no process is started).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "../../client.h"
#include "../../fetch.h"
#include "../../session.h"
#include "../../users.h"
#include "fakeloop.h"
#include "userwarm.h"

/* ---- fake session: remembers the sink, counts detaches ---- */

struct session {
    struct sink	*sink;
    int		detached, resumed;
};

static struct session	fake_run;
static int		fake_starts, start_fails;

int
session_start(struct sink *sink, const struct pipe_cmd *cmd, int inst,
	const struct params *p, const char *text, const char *who,
	struct session **run)
{
    (void)cmd; (void)inst; (void)p; (void)text; (void)who;
    if (start_fails) {
	*run = NULL;
	return start_fails;
    }
    memset(&fake_run, 0, sizeof(fake_run));
    fake_run.sink = sink;
    fake_starts++;
    *run = &fake_run;
    return 0;
}

void session_detach(struct session *s) { s->detached++; s->sink = NULL; }
void session_resume(struct session *s) { s->resumed++; }
pid_t session_pid(const struct session *s) { (void)s; return 4242; }

/* ---- helpers ---- */

static struct pipe_cmd	cmd = { .name = "t", .user = "nobody", .command = "x" };
static struct params	noparams;

static void
line(const char *text)
{
    struct timeval	tv = { 1, 0 };

    assert_non_null(fake_run.sink);
    fake_run.sink->ops->line(fake_run.sink->arg, EV_LINE, text, strlen(text), &tv);
}

/* fetch inst for c: the number of records (0: no value) */
static int
nrecords(struct client *c, int inst)
{
    pmAtomValue	atom;
    int		sts = client_fetch(c, inst, &atom);

    assert_true(sts >= 0);
    if (sts == PMDA_FETCH_NOVALUES)
	return 0;
    return ((pmEventArray *)atom.vbp)->ea_nrecords;
}

static int
setup(void **state)
{
    struct fetch_pmids	ids = { 1, 2, 3, 4 };

    (void)state;
    fetch_init(&ids);
    fake_starts = start_fails = 0;
    cmd.opts.overflow = OVERFLOW_DROP;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_end_all();
    fetch_fini();
    return 0;
}

/* ---- tests ---- */

static void
test_contexts(void **state)
{
    struct client	*a, *b;

    (void)state;
    assert_null(client_get(3, 0));
    assert_non_null(a = client_get(3, 1));
    assert_ptr_equal(client_get(3, 0), a);
    assert_non_null(b = client_get(200, 1));
    assert_int_equal(client_count(), 2);
    assert_null(client_get(-1, 1));
    client_end(3);
    assert_null(client_get(3, 0));
    assert_int_equal(client_count(), 1);
    client_end(3);			/* twice: harmless */
    assert_int_equal(client_count(), 1);
}

/* lines through the sink, then the END record; then the next run */
static void
test_run_and_fetch(void **state)
{
    struct client	*c = client_get(1, 1);

    (void)state;
    assert_int_equal(nrecords(c, 0), 0);		/* nothing: no value */
    assert_int_equal(client_start(c, 0, &cmd, &noparams, "", 1 << 20, "t"), 0);
    assert_true(client_running(c, 0));
    assert_false(client_running(c, 1));
    /* a second start while it runs */
    assert_int_equal(client_start(c, 0, &cmd, &noparams, "", 1 << 20, "t"),
		     PM_ERR_ISCONN);
    assert_int_equal(fake_starts, 1);
    line("a");
    line("b");
    assert_int_equal(nrecords(c, 0), 2);
    assert_int_equal(nrecords(c, 0), 0);		/* taken */
    fake_run.sink->ops->end(fake_run.sink->arg, 7, NULL);
    assert_false(client_running(c, 0));
    assert_int_equal(nrecords(c, 0), 1);		/* the END record */
    assert_int_equal(client_start(c, 0, &cmd, &noparams, "", 1 << 20, "t"), 0);
}

/* records queued for one client are not another's */
static void
test_isolation(void **state)
{
    struct client	*a = client_get(1, 1), *b = client_get(2, 1);

    (void)state;
    assert_int_equal(client_start(a, 0, &cmd, &noparams, "", 1 << 20, "t"), 0);
    line("only a");
    assert_int_equal(nrecords(b, 0), 0);
    assert_int_equal(nrecords(a, 0), 1);
}

/* a full queue drops (reported as a missed record); block mode blocks */
static void
test_bounds(void **state)
{
    struct client	*c = client_get(1, 1);
    struct reader	*r;
    char		big[600];
    pmAtomValue		atom;
    pmEventArray	*ea;
    unsigned long long	dropped;
    int			i;

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(client_start(c, 0, &cmd, &noparams, "", 2048, "t"), 0);
    for (i = 0; i < 10; i++)
	line(big);
    r = client_reader(c, 0, 0);
    assert_true(r->q.dropped > 0);
    assert_int_equal(fake_run.sink->ops->blocked(fake_run.sink->arg), 0);
    assert_true(client_fetch(c, 0, &atom) == PMDA_FETCH_STATIC);
    ea = (pmEventArray *)atom.vbp;
    /* the records that fit, then one missed record for the rest */
    assert_int_equal(ea->ea_nrecords, (int)(10 - r->q.dropped) + 1);
    fake_run.sink->ops->end(fake_run.sink->arg, 0, NULL);
    nrecords(c, 0);

    cmd.opts.overflow = OVERFLOW_BLOCK;
    assert_int_equal(client_start(c, 0, &cmd, &noparams, "", 2048, "t"), 0);
    dropped = r->q.dropped;
    for (i = 0; i < 4; i++)
	line(big);
    /* over the bound, nothing dropped: the run must wait */
    assert_int_equal(r->q.dropped, dropped);
    assert_int_equal(fake_run.sink->ops->blocked(fake_run.sink->arg), 1);
    /* a fetch empties the queue and lets the run go on */
    assert_int_equal(nrecords(c, 0), 4);
    assert_int_equal(fake_run.resumed, 1);
}

/* a context that goes away stops its runs (detaches them) */
static void
test_end_detaches(void **state)
{
    struct client	*c = client_get(5, 1);

    (void)state;
    assert_int_equal(client_start(c, 2, &cmd, &noparams, "", 1 << 20, "t"), 0);
    line("x");
    client_end(5);
    assert_int_equal(fake_run.detached, 1);
}

/* a failed start leaves nothing running */
static void
test_start_fails(void **state)
{
    struct client	*c = client_get(1, 1);

    (void)state;
    start_fails = -ENOENT;
    assert_int_equal(client_start(c, 0, &cmd, &noparams, "", 1 << 20, "t"),
		     -ENOENT);
    assert_false(client_running(c, 0));
}

static void
count(const struct reader *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
}

static void
test_foreach_and_who(void **state)
{
    struct client	*a = client_get(1, 1), *b = client_get(9, 1);
    char		buf[64];
    int			n = 0;

    (void)state;
    assert_non_null(client_reader(a, 0, 1));
    assert_non_null(client_reader(a, 7, 1));
    assert_non_null(client_reader(b, 7, 1));
    assert_null(client_reader(b, 3, 0));
    client_foreach_reader(count, &n);
    assert_int_equal(n, 3);
    assert_string_equal(client_who(a, buf, sizeof(buf)), "anonymous");
    identity_set_uid(&a->id, 0);
    assert_int_equal(identity_resolve(&a->id), 0);
    assert_string_equal(client_who(a, buf, sizeof(buf)), "user root (uid 0, from pmcd)");
    assert_string_equal(client_who(NULL, buf, sizeof(buf)), "anonymous");
}

/* how pmcd identified the client: the log says it (policy.c) */
static void
test_who_how(void **state)
{
    struct client	*a = client_get(1, 1), *b = client_get(2, 1),
			*c = client_get(3, 1), *d = client_get(4, 1);
    char		buf[128];

    (void)state;
    /* a unix socket's peer credentials: uid, gid, pid */
    identity_set_gid(&a->id, 0);
    identity_set_uid(&a->id, 0);
    identity_set_local(&a->id);
    assert_int_equal(identity_resolve(&a->id), 0);
    assert_string_equal(client_who(a, buf, sizeof(buf)),
			"user root (uid 0, local credentials)");
    /* a SASL user over TCP: its name, uid and gid */
    assert_int_equal(identity_set_sasl_user(&b->id, "root", 5), 0);
    identity_set_uid(&b->id, 0);
    assert_int_equal(identity_resolve(&b->id), 0);
    assert_string_equal(client_who(b, buf, sizeof(buf)),
			"user root (uid 0, SASL user root)");
    /* the socket's user also authenticated as itself */
    assert_int_equal(identity_set_sasl_user(&c->id, "root", 4), 0);
    identity_set_uid(&c->id, 0);
    identity_set_local(&c->id);
    assert_int_equal(identity_resolve(&c->id), 0);
    assert_string_equal(client_who(c, buf, sizeof(buf)),
			"user root (uid 0, local credentials, SASL user root)");
    /* as another user: pmcd sends both, the socket's uid last */
    assert_int_equal(identity_set_sasl_user(&d->id, "nobody", 7), 0);
    identity_set_uid(&d->id, 65534);
    identity_set_local(&d->id);
    identity_set_uid(&d->id, 0);
    assert_int_equal(identity_resolve(&d->id), 0);
    assert_string_equal(client_who(d, buf, sizeof(buf)),
			"user root (uid 0, local credentials, SASL user nobody ignored)");
    /* an authenticated user is not anonymous without a uid, nor the reverse */
    client_end(2);
    b = client_get(2, 1);
    assert_int_equal(identity_set_sasl_user(&b->id, "root", 4), 0);
    assert_string_equal(client_who(b, buf, sizeof(buf)), "anonymous");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_contexts, setup, teardown),
	cmocka_unit_test_setup_teardown(test_run_and_fetch, setup, teardown),
	cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
	cmocka_unit_test_setup_teardown(test_end_detaches, setup, teardown),
	cmocka_unit_test_setup_teardown(test_start_fails, setup, teardown),
	cmocka_unit_test_setup_teardown(test_foreach_and_who, setup, teardown),
	cmocka_unit_test_setup_teardown(test_who_how, setup, teardown),
    };
    static const char *const users[] = { "nobody", NULL };

    if (users_warm(users) < 0)
	return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}

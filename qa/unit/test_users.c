/*
 * test_users.c - cmocka unit tests for users.c: answers from the worker
 * thread, the cache and its time to live, bounded waits, unknown users.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../users.h"
#include "fakeloop.h"

/* a uid no account has */
static uid_t
unused_uid(void)
{
    uid_t	u;

    for (u = 54321; getpwuid(u) != NULL; u++)
	;
    return u;
}

/* is name's answer in the cache (without waiting)? */
static int
answered(const char *name)
{
    struct user_info	i;
    int			sts = users_by_name(name, 0, &i);

    user_info_clear(&i);
    return sts != -EAGAIN;
}

static void
test_root_and_nobody(void **state)
{
    struct user_info	i;
    struct passwd	*pw = getpwnam("nobody");
    int			j, root_group = 0;

    (void)state;
    assert_int_equal(users_by_uid(0, 5000, &i), 1);
    assert_string_equal(i.name, "root");
    assert_int_equal(i.uid, 0);
    assert_int_equal(i.gid, 0);
    assert_non_null(i.home);
    assert_true(i.ngids >= 1);
    for (j = 0; j < i.ngroups; j++)
	root_group |= strcmp(i.groups[j], "root") == 0;
    assert_true(root_group);
    user_info_clear(&i);
    assert_non_null(pw);
    assert_int_equal(users_by_name("nobody", 5000, &i), 1);
    assert_int_equal(i.uid, pw->pw_uid);
    assert_string_equal(i.name, "nobody");
    user_info_clear(&i);
}

static void
test_unknown(void **state)
{
    struct user_info	i;

    (void)state;
    assert_int_equal(users_by_uid(unused_uid(), 5000, &i), 0);
    assert_null(i.name);
    assert_int_equal(users_by_name("no_such_user_pipe_t", 5000, &i), 0);
}

/* no wait: not known yet is -EAGAIN, and the answer comes later */
static void
test_no_wait(void **state)
{
    struct user_info	i;
    int			n;

    (void)state;
    assert_int_equal(users_by_name("daemon", 0, &i), -EAGAIN);
    for (n = 0; n < 100 && !answered("daemon"); n++)
	fake_loop_run(50);		/* the loop takes the answer */
    assert_int_equal(users_by_name("daemon", 0, &i), 1);
    assert_string_equal(i.name, "daemon");
    user_info_clear(&i);
}

/* prefetched: there at once; after the time to live, waited for */
static void
test_prefetch_and_ttl(void **state)
{
    struct user_info	i;
    int			n, sts;

    (void)state;
    users_prefetch_name("bin");
    for (n = 0; n < 100 && !answered("bin"); n++)
	fake_loop_run(50);
    assert_int_equal(users_by_name("bin", 0, &i), 1);
    user_info_clear(&i);
    /* within the time to live, the last answer serves a request that
       cannot wait for the fresh one; past it, the request must wait */
    assert_int_equal(users_by_name("bin", 0, &i), 1);
    user_info_clear(&i);
    users_set_ttl(0, 0);
    fake_loop_run(200);
    sts = users_by_name("bin", 0, &i);
    users_set_ttl(USERS_TTL_MS, USERS_NEG_TTL_MS);
    assert_int_equal(sts, -EAGAIN);
    assert_int_equal(users_by_name("bin", 5000, &i), 1);
    assert_string_equal(i.name, "bin");
    user_info_clear(&i);
}

/* copies are the caller's: clearing one leaves the cache intact */
static void
test_copies(void **state)
{
    struct user_info	a, b;

    (void)state;
    assert_int_equal(users_by_uid(0, 5000, &a), 1);
    user_info_clear(&a);
    assert_null(a.name);
    assert_int_equal(users_by_uid(0, 0, &b), 1);
    assert_string_equal(b.name, "root");
    user_info_clear(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_root_and_nobody),
	cmocka_unit_test(test_unknown),
	cmocka_unit_test(test_no_wait),
	cmocka_unit_test(test_prefetch_and_ttl),
	cmocka_unit_test(test_copies),
    };
    int		sts;

    if (users_init() < 0)
	return 1;
    sts = cmocka_run_group_tests(tests, NULL, NULL);
    users_fini();
    return sts;
}

/*
 * test_cgroup_systemd.c - cmocka unit tests for cgroup_systemd.c on a
 * temporary directory: which /proc/self/cgroup lines name a service
 * cgroup, the delegate xattr, and moving a service's processes into its
 * leaf (cgroup files are plain files here, so a pid written to the leaf
 * never leaves the service's list: the bounded rounds end it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../../cgroup_systemd.h"
#include "testutil.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PATHLEN		1024

static int
setup_tmp(void **state)
{
    static char	dir[64];

    strcpy(dir, "/tmp/test_cgroup_systemd.XXXXXX");
    if (mkdtemp(dir) == NULL)
	return -1;
    *state = dir;
    return 0;
}

static int
teardown_tmp(void **state)
{
    rm_tree((const char *)*state);
    return 0;
}

static void
put(const char *dir, const char *file, const char *text)
{
    char	path[PATHLEN];
    FILE	*f;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    assert_non_null(f = fopen(path, "w"));
    fputs(text, f);
    fclose(f);
}

static void
test_service(void **state)
{
    static const struct {
	const char	*cgroup;	/* /proc/self/cgroup's contents */
	const char	*want;		/* NULL: no service */
    } rows[] = {
	{ "0::/system.slice/pmcd.service\n", "/system.slice/pmcd.service" },
	{ "0::/system.slice/pmcd.service/daemon\n", "/system.slice/pmcd.service" },
	/* cgroup v1 hierarchies first (hybrid): the v2 line counts */
	{ "12:pids:/system.slice/pmcd.service\n"
	  "0::/system.slice/pmcd.service\n", "/system.slice/pmcd.service" },
	{ "0::/\n", NULL },
	{ "0::/init.scope\n", NULL },
	{ "0::/user.slice/user-0.slice/session-1.scope\n", NULL },
	/* only our own leaf is looked through */
	{ "0::/system.slice/pmcd.service/other\n", NULL },
	{ "0::/system.slice/pmcd.service/pmdapipe/x.1.2.3\n", NULL },
	{ "0::/daemon\n", NULL },
	{ "0::/system.slice/pmcd.services\n", NULL },
	{ "0::/system.slice/x.service/y.service\n", "/system.slice/x.service/y.service" },
	/* v1 only: no v2 line */
	{ "4:memory:/system.slice/pmcd.service\n", NULL },
	{ "", NULL },
    };
    const char	*dir = *state;
    char	file[PATHLEN], out[PATHLEN];
    size_t	i;
    int		sts;

    snprintf(file, sizeof(file), "%s/cgroup", dir);
    for (i = 0; i < NELEM(rows); i++) {
	put(dir, "cgroup", rows[i].cgroup);
	out[0] = '\0';
	sts = cgroup_systemd_service(file, out, sizeof(out));
	if (rows[i].want == NULL) {
	    if (sts != -ENOENT)
		fail_msg("[%zu] %s: %d \"%s\", want -ENOENT", i,
			 rows[i].cgroup, sts, out);
	} else if (sts != 0 || strcmp(out, rows[i].want) != 0)
	    fail_msg("[%zu] %s: %d \"%s\", want \"%s\"", i, rows[i].cgroup,
		     sts, out, rows[i].want);
    }
    /* too small a buffer; a missing file */
    put(dir, "cgroup", "0::/system.slice/pmcd.service\n");
    assert_int_equal(cgroup_systemd_service(file, out, 8), -ENAMETOOLONG);
    snprintf(file, sizeof(file), "%s/missing", dir);
    assert_int_equal(cgroup_systemd_service(file, out, sizeof(out)), -ENOENT);
}

static void
test_delegated(void **state)
{
    const char	*dir = *state;

    if (setxattr(dir, "user.delegate", "0", 1, 0) < 0)
	skip();			/* no user xattrs on this /tmp */
    assert_int_equal(cgroup_systemd_delegated(dir), 0);
    assert_int_equal(setxattr(dir, "user.delegate", "1", 1, 0), 0);
    assert_int_equal(cgroup_systemd_delegated(dir), 1);
    assert_int_equal(removexattr(dir, "user.delegate"), 0);
    assert_int_equal(cgroup_systemd_delegated(dir), 0);
}

static void
test_evacuate(void **state)
{
    const char	*dir = *state;
    char	leaf[256], path[PATHLEN], text[64];
    FILE	*f;

    snprintf(leaf, sizeof(leaf), "%s/%s", dir, CGROUP_SYSTEMD_LEAF);
    /* a leaf that is not a cgroup (no cgroup.procs) is refused */
    put(dir, "cgroup.procs", "");
    assert_int_equal(cgroup_systemd_evacuate(dir, CGROUP_SYSTEMD_LEAF), -EACCES);
    /* nothing to move: made, 0 moved */
    put(leaf, "cgroup.procs", "");
    assert_int_equal(cgroup_systemd_evacuate(dir, CGROUP_SYSTEMD_LEAF), 0);
    /* the service's pids reach the leaf; a list that never empties is
     * given up on after the bounded rounds */
    put(dir, "cgroup.procs", "4242\n");
    assert_int_equal(cgroup_systemd_evacuate(dir, CGROUP_SYSTEMD_LEAF), -EBUSY);
    snprintf(path, sizeof(path), "%s/cgroup.procs", leaf);
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(text, sizeof(text), f));
    fclose(f);
    assert_string_equal(text, "4242");
}

static void
test_root_not_service(void **state)
{
    const char	*dir = *state;
    char	file[PATHLEN], *svc = (char *)"unset";

    snprintf(file, sizeof(file), "%s/cgroup", dir);
    put(dir, "cgroup", "0::/init.scope\n");
    assert_int_equal(cgroup_systemd_root(dir, file, &svc), 0);
    assert_null(svc);
    /* a service cgroup without the delegate mark: left alone */
    put(dir, "cgroup", "0::/pmcd.service\n");
    snprintf(file, sizeof(file), "%s/pmcd.service", dir);
    assert_int_equal(mkdir(file, 0755), 0);
    if (setxattr(file, "user.delegate", "0", 1, 0) < 0)
	skip();
    snprintf(file, sizeof(file), "%s/cgroup", dir);
    assert_int_equal(cgroup_systemd_root(dir, file, &svc), 0);
    assert_null(svc);
}

static void
test_root_delegated(void **state)
{
    const char	*dir = *state;
    char	file[PATHLEN], want[256], *svc = NULL;

    snprintf(want, sizeof(want), "%s/system.slice/pmcd.service", dir);
    snprintf(file, sizeof(file), "%s/system.slice", dir);
    assert_int_equal(mkdir(file, 0755), 0);
    assert_int_equal(mkdir(want, 0755), 0);
    if (setxattr(want, "user.delegate", "1", 1, 0) < 0)
	skip();
    put(want, "cgroup.procs", "");
    snprintf(file, sizeof(file), "%s/%s", want, CGROUP_SYSTEMD_LEAF);
    assert_int_equal(mkdir(file, 0755), 0);
    put(file, "cgroup.procs", "");
    snprintf(file, sizeof(file), "%s/cgroup", dir);
    /* from the service itself and from its leaf (an agent restarted by a
     * pmcd that is already there) */
    put(dir, "cgroup", "0::/system.slice/pmcd.service\n");
    assert_int_equal(cgroup_systemd_root(dir, file, &svc), 1);
    assert_string_equal(svc, want);
    free(svc);
    put(dir, "cgroup", "0::/system.slice/pmcd.service/" CGROUP_SYSTEMD_LEAF "\n");
    assert_int_equal(cgroup_systemd_root(dir, file, &svc), 1);
    assert_string_equal(svc, want);
    free(svc);
    /* processes that cannot be moved: an error, no root */
    put(want, "cgroup.procs", "1\n");
    svc = (char *)"unset";
    assert_int_equal(cgroup_systemd_root(dir, file, &svc), -EBUSY);
    assert_null(svc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_service, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_delegated, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_evacuate, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_root_not_service, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_root_delegated, setup_tmp,
					teardown_tmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

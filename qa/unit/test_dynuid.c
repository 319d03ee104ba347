/*
 * test_dynuid.c - cmocka unit tests for dynuid.c on a temporary
 * directory: its own passwd file, lock directory and systemd uid
 * directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../dynuid.h"
#include "testutil.h"

struct tmp {
    char	dir[64];
    char	locks[128], passwd[128], systemd[128];
};

static void
put(const char *path, const char *text)
{
    FILE	*f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
setup_tmp(void **state)
{
    struct tmp	*t;

    if ((t = calloc(1, sizeof(*t))) == NULL)
	return -1;
    strcpy(t->dir, "/tmp/test_dynuid.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
	free(t);
	return -1;
    }
    /* the lock directory is made on first use, parents included */
    snprintf(t->locks, sizeof(t->locks), "%s/run/pmdapipe/uid", t->dir);
    snprintf(t->passwd, sizeof(t->passwd), "%s/passwd", t->dir);
    snprintf(t->systemd, sizeof(t->systemd), "%s/dynamic-uid", t->dir);
    put(t->passwd, "root:x:0:0:root:/root:/bin/bash\n"
	"a:x:100:100::/:/bin/sh\n"
	"b:x:101:100::/:/bin/sh\n"
	"broken line\n"
	"c:x:1x2:100::/:/bin/sh\n");
    mkdir(t->systemd, 0755);
    dynuid_paths(t->locks, t->passwd, t->systemd);
    *state = t;
    return 0;
}

static int
teardown_tmp(void **state)
{
    struct tmp	*t = *state;
    int		sts = rm_tree(t->dir);

    free(t);
    return sts;
}

/* uids of the passwd file and of systemd's DynamicUser are skipped */
static void
test_skips_known(void **state)
{
    struct tmp	*t = *state;
    char	path[256];
    uid_t	uid = 0;
    int		fd[3];
    struct stat	sb;

    snprintf(path, sizeof(path), "%s/103", t->systemd);
    put(path, "");
    assert_true((fd[0] = dynuid_acquire(100, 105, &uid)) >= 0);
    assert_int_equal(uid, 102);
    assert_true((fd[1] = dynuid_acquire(100, 105, &uid)) >= 0);
    assert_int_equal(uid, 104);
    assert_true((fd[2] = dynuid_acquire(100, 105, &uid)) >= 0);
    assert_int_equal(uid, 105);
    /* every free one is held now */
    assert_int_equal(dynuid_acquire(100, 105, &uid), -EAGAIN);
    /* the lock directory is root's alone */
    assert_int_equal(stat(t->locks, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    close(fd[0]);
    close(fd[1]);
    close(fd[2]);
}

/* a uid is free again once every copy of its lock is closed */
static void
test_release(void **state)
{
    uid_t	uid = 0, again = 0;
    int		fd, fd2, status;
    pid_t	pid;

    (void)state;
    assert_true((fd = dynuid_acquire(102, 102, &uid)) >= 0);
    assert_int_equal(uid, 102);
    assert_int_equal(dynuid_acquire(102, 102, &again), -EAGAIN);
    /* a child (the run's supervisor) holding a copy keeps it taken */
    if ((pid = fork()) == 0) {
	pause();
	_exit(0);
    }
    assert_true(pid > 0);
    close(fd);
    assert_int_equal(dynuid_acquire(102, 102, &again), -EAGAIN);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    assert_true((fd2 = dynuid_acquire(102, 102, &again)) >= 0);
    assert_int_equal(again, 102);
    close(fd2);
}

/* a passwd entry added later is skipped from then on */
static void
test_passwd_changes(void **state)
{
    struct tmp	*t = *state;
    uid_t	uid = 0;
    int		fd;

    assert_true((fd = dynuid_acquire(102, 103, &uid)) >= 0);
    assert_int_equal(uid, 102);
    close(fd);
    put(t->passwd, "a:x:100:100::/:/bin/sh\nd:x:102:100::/:/bin/sh\n"
	"e:x:103:100::/:/bin/sh\n");
    assert_int_equal(dynuid_acquire(102, 103, &uid), -EAGAIN);
}

static void
test_bad_range(void **state)
{
    uid_t	uid;

    (void)state;
    assert_int_equal(dynuid_acquire(0, 10, &uid), -EINVAL);
    assert_int_equal(dynuid_acquire(20, 10, &uid), -EINVAL);
    /* only passwd users in it */
    assert_int_equal(dynuid_acquire(100, 101, &uid), -EAGAIN);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_skips_known, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_release, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_passwd_changes, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_bad_range, setup_tmp, teardown_tmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

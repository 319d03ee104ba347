/*
 * test_trust.c - cmocka unit tests for trust.c: a temporary tree of
 * files, directories and links, each path walked with trust_open() and
 * the result (descriptor or error, and the reason) compared.  The rows
 * that need another owner chown, so they run as root only (as CI does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../trust.h"
#include "testutil.h"

#define OTHER_UID	4242	/* an owner that is neither root nor us */

static char	top[64];	/* the tree's root, taken as trusted */

/* the fixture: what each row walks */
static const struct { const char *path; mode_t mode; const char *link; } tree[] = {
    { "ok", 0755, NULL },
    { "ok/f", 0644, NULL },
    { "ok/secret", 0600, NULL },
    { "ok/sub", 0755, NULL },
    { "ok/link", 0, "f" },
    { "ok/chain", 0, "link" },
    { "ok/abs", 0, "TOP/ok/f" },
    { "ok/loop", 0, "loop" },
    { "ok/dangling", 0, "nothing" },
    { "ok/tobad", 0, "../ww/f" },
    { "ok/toworld", 0, "../modes/f666" },
    { "ok/toetc", 0, "/etc/passwd" },
    { "ok/todir", 0, "sub" },
    { "ww", 0777, NULL },
    { "ww/f", 0644, NULL },
    { "sticky", 01777, NULL },
    { "sticky/f", 0644, NULL },
    { "gw", 0775, NULL },
    { "gw/f", 0644, NULL },
    { "private", 0700, NULL },
    { "private/f", 0644, NULL },
    { "modes", 0755, NULL },
    { "modes/f666", 0666, NULL },
    { "modes/f664", 0664, NULL },
    { "modes/f646", 0646, NULL },
};

static void
put(const char *rel, mode_t mode, const char *link)
{
    char	path[256], target[256];
    int		fd;

    snprintf(path, sizeof(path), "%s/%s", top, rel);
    if (link != NULL) {
	if (strncmp(link, "TOP", 3) == 0)
	    snprintf(target, sizeof(target), "%s%s", top, link + 3);
	else
	    snprintf(target, sizeof(target), "%s", link);
	assert_int_equal(symlink(target, path), 0);
	return;
    }
    if (strchr(rel, '/') == NULL || strcmp(rel, "ok/sub") == 0)
	assert_int_equal(mkdir(path, 0700), 0);
    else {
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	assert_int_equal(write(fd, rel, strlen(rel)), (ssize_t)strlen(rel));
	assert_int_equal(close(fd), 0);
    }
    assert_int_equal(chmod(path, mode), 0);	/* no umask */
}

static int
setup(void **state)
{
    char	path[256];
    size_t	i;

    (void)state;
    strcpy(top, "/tmp/test_trust.XXXXXX");
    if (mkdtemp(top) == NULL || chmod(top, 0755) < 0)
	return -1;
    for (i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
	put(tree[i].path, tree[i].mode, tree[i].link);
    snprintf(path, sizeof(path), "%s/ok/fifo", top);
    if (mkfifo(path, 0644) < 0 || chmod(path, 0644) < 0)
	return -1;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    return rm_tree(top);
}

/* s with TOP replaced by the tree's root and GID by our group */
static void
expand(const char *s, char *out, size_t len)
{
    size_t	o = 0;

    while (*s && o + 1 < len) {
	if (strncmp(s, "TOP", 3) == 0) {
	    o += snprintf(out + o, len - o, "%s", top);
	    s += 3;
	} else if (strncmp(s, "GID", 3) == 0) {
	    o += snprintf(out + o, len - o, "%u", (unsigned)getegid());
	    s += 3;
	} else
	    out[o++] = *s++;
	if (o >= len)
	    o = len - 1;
    }
    out[o] = '\0';
}

/*
 * One walk: path (TOP/ in front unless it is absolute), flags, and what
 * must come of it: sts 0 is a descriptor of the file "why" names (under
 * TOP), else the error and the reason.
 */
struct row {
    const char	*path;
    int		flags;
    int		sts;
    const char	*why;		/* or, for sts 0, the file it must open */
};

#define RP	(TRUST_READ | TRUST_PUBLIC)

static const struct row rows[] = {
    /* trusted */
    { "ok/f", RP, 0, "ok/f" },
    { "ok/secret", TRUST_READ, 0, "ok/secret" },
    { "ok/f", 0, 0, "ok/f" },			/* O_PATH */
    { "ok/./sub/../f", RP, 0, "ok/f" },
    { "ok//f", RP, 0, "ok/f" },
    { "ok", TRUST_DIR, 0, "ok" },
    { "private/f", TRUST_READ, 0, "private/f" },
    /* symbolic links: their targets are judged */
    { "ok/link", RP, 0, "ok/f" },
    { "ok/chain", RP, 0, "ok/f" },
    { "ok/abs", RP, 0, "ok/f" },
    { "ok/todir", TRUST_DIR, 0, "ok/sub" },
    { "ok/tobad", RP, -EPERM, "TOP/ww is writable by every user (mode 0777)" },
    { "ok/toworld", RP, -EPERM,
      "TOP/modes/f666 is writable by every user (mode 0666)" },
    { "ok/loop", RP, -ELOOP, "TOP/ok/loop: Too many levels of symbolic links" },
    { "ok/dangling", RP, -ENOENT, "TOP/ok/nothing: No such file or directory" },
    /* files */
    { "modes/f666", RP, -EPERM,
      "TOP/modes/f666 is writable by every user (mode 0666)" },
    { "modes/f646", RP, -EPERM,
      "TOP/modes/f646 is writable by every user (mode 0646)" },
    { "modes/f664", RP, -EPERM,
      "TOP/modes/f664 is writable by group GID (mode 0664)" },
    { "ok/secret", RP, -EPERM,
      "TOP/ok/secret is not readable by every user (mode 0600)" },
    { "ok/fifo", TRUST_READ, -EPERM, "TOP/ok/fifo is not a regular file" },
    /* directories */
    { "ww/f", RP, -EPERM, "TOP/ww is writable by every user (mode 0777)" },
    { "sticky/f", RP, -EPERM,
      "TOP/sticky is writable by every user (mode 1777)" },
    { "gw/f", RP, -EPERM, "TOP/gw is writable by group GID (mode 0775)" },
    { "private/f", RP, -EPERM,
      "TOP/private is not searchable by every user (mode 0700)" },
    { "ww", TRUST_DIR, -EPERM, "TOP/ww is writable by every user (mode 0777)" },
    /* what is wanted */
    { "ok", TRUST_READ, -EISDIR, "TOP/ok is a directory" },
    { "ok/f", TRUST_DIR, -ENOTDIR, "TOP/ok/f is not a directory" },
    { "ok/f/x", TRUST_READ, -ENOTDIR, "TOP/ok/f: Not a directory" },
    { "ok/none", TRUST_READ, -ENOENT, "TOP/ok/none: No such file or directory" },
};

/* does fd name the file rel under TOP? */
static int
same_file(int fd, const char *rel)
{
    struct stat	a, b;
    char	path[256];

    snprintf(path, sizeof(path), "%s/%s", top, rel);
    return fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	   a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
check_row(const struct trust_rules *rules, const struct row *r)
{
    char	path[256], why[TRUST_WHY_MAX], want[512];
    int		fd, bad = 0;

    if (r->path[0] == '/')
	snprintf(path, sizeof(path), "%s", r->path);
    else
	snprintf(path, sizeof(path), "%s/%s", top, r->path);
    fd = trust_open(rules, path, r->flags, why, sizeof(why));
    if (r->sts == 0) {
	if (fd < 0 || !same_file(fd, r->why)) {
	    print_error("[%s %#x] got %d (%s), want %s\n", r->path, r->flags,
			fd, why, r->why);
	    bad++;
	}
    } else {
	expand(r->why, want, sizeof(want));
	if (fd != r->sts || strcmp(why, want) != 0) {
	    print_error("[%s %#x] got %d \"%s\"\n  want %d \"%s\"\n", r->path,
			r->flags, fd, why, r->sts, want);
	    bad++;
	}
    }
    if (fd >= 0)
	close(fd);
    return bad;
}

static void
test_rows(void **state)
{
    struct trust_rules	rules = { getuid(), top };
    size_t		i;
    int			bad = 0;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	bad += check_row(&rules, &rows[i]);
    assert_int_equal(bad, 0);
}

/* a descriptor opened for reading reads the file; O_PATH does not */
static void
test_read(void **state)
{
    struct trust_rules	rules = { getuid(), top };
    char		path[256], why[TRUST_WHY_MAX], buf[16];
    int			fd;

    (void)state;
    snprintf(path, sizeof(path), "%s/ok/link", top);
    assert_true((fd = trust_open(&rules, path, RP, why, sizeof(why))) >= 0);
    assert_int_equal(read(fd, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ok/f", 4);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    assert_true((fd = trust_open(&rules, path, 0, why, sizeof(why))) >= 0);
    assert_int_equal(read(fd, buf, sizeof(buf)), -1);
    assert_int_equal(errno, EBADF);
    close(fd);
}

/* a relative path starts at the working directory */
static void
test_relative(void **state)
{
    struct trust_rules	rules = { getuid(), top };
    char		cwd[4096], why[TRUST_WHY_MAX];
    int			fd, fd2;

    (void)state;
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(top), 0);
    fd = trust_open(&rules, "ok/f", RP, why, sizeof(why));
    fd2 = trust_open(&rules, "ww/f", RP, why, sizeof(why));
    assert_int_equal(chdir(cwd), 0);
    assert_true(fd >= 0);
    assert_true(same_file(fd, "ok/f"));
    assert_int_equal(fd2, -EPERM);
    close(fd);
}

/* without top, everything from "/" is judged: the system's own files */
static void
test_system(void **state)
{
    struct trust_rules	rules = { 0, NULL };
    char		path[256], why[TRUST_WHY_MAX], want[512];
    struct stat		sb;
    int			fd;

    (void)state;
    assert_true((fd = trust_open(&rules, "/etc/passwd", RP, why, sizeof(why))) >= 0);
    close(fd);
    /* a link out of the tree is judged all the way from "/" */
    rules.top = top;
    snprintf(path, sizeof(path), "%s/ok/toetc", top);
    assert_true((fd = trust_open(&rules, path, RP, why, sizeof(why))) >= 0);
    close(fd);
    /* so is the tree itself without top: /tmp is writable by everyone */
    rules.top = NULL;
    if (stat("/tmp", &sb) == 0 && (sb.st_mode & 07777) == 01777) {
	snprintf(path, sizeof(path), "%s/ok/f", top);
	assert_int_equal(trust_open(&rules, path, RP, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "/tmp is writable by every user (mode 1777)");
	/* and ".." out of top */
	rules.top = top;
	snprintf(path, sizeof(path), "%s/../x", top);
	assert_int_equal(trust_open(&rules, path, RP, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "/tmp is writable by every user (mode 1777)");
    }
    /* a root-only file: never public */
    if (stat("/etc/shadow", &sb) == 0 && sb.st_uid == 0 &&
	!(sb.st_mode & (S_IROTH | S_IWGRP | S_IWOTH))) {
	rules.top = NULL;
	snprintf(want, sizeof(want), "/etc/shadow is not readable by every "
		 "user (mode %04o)", (unsigned)(sb.st_mode & 07777));
	assert_int_equal(trust_open(&rules, "/etc/shadow", RP, why, sizeof(why)),
			 -EPERM);
	assert_string_equal(why, want);
    }
}

/* owners: root and the rules' owner are trusted, nobody else (as root) */
static void
test_owner(void **state)
{
    struct trust_rules	rules = { 0, top };
    char		path[256], dir[256], why[TRUST_WHY_MAX], want[512];
    int			fd;

    (void)state;
    if (geteuid() != 0)
	skip();
    snprintf(dir, sizeof(dir), "%s/owned", top);
    snprintf(path, sizeof(path), "%s/owned/f", top);
    put("owned", 0755, NULL);
    put("owned/f", 0644, NULL);
    assert_int_equal(chown(path, OTHER_UID, 0), 0);
    snprintf(want, sizeof(want), "%s is writable by uid %u (its owner)", path,
	     OTHER_UID);
    assert_int_equal(trust_open(&rules, path, RP, why, sizeof(why)), -EPERM);
    assert_string_equal(why, want);
    /* a file mode 0444 is no better: its owner may chmod it */
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(trust_open(&rules, path, RP, why, sizeof(why)), -EPERM);
    assert_string_equal(why, want);
    /* the injected owner is trusted */
    rules.owner = OTHER_UID;
    assert_true((fd = trust_open(&rules, path, RP, why, sizeof(why))) >= 0);
    close(fd);
    rules.owner = 0;
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(chown(dir, OTHER_UID, 0), 0);
    snprintf(want, sizeof(want), "%s is writable by uid %u (its owner)", dir,
	     OTHER_UID);
    assert_int_equal(trust_open(&rules, path, RP, why, sizeof(why)), -EPERM);
    assert_string_equal(why, want);
    /* a link in a trusted directory to a file in that one */
    put("ok/toowned", 0, "../owned/f");
    snprintf(path, sizeof(path), "%s/ok/toowned", top);
    assert_int_equal(trust_open(&rules, path, RP, why, sizeof(why)), -EPERM);
    assert_string_equal(why, want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_rows),
	cmocka_unit_test(test_read),
	cmocka_unit_test(test_relative),
	cmocka_unit_test(test_system),
	cmocka_unit_test(test_owner),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

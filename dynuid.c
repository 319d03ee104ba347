/*
 * dynuid.c - dynamic uids for runs whose task limit is RLIMIT_NPROC
 * (see dynuid.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dynuid.h"

#define MAX_TRIES	65536	/* candidates looked at per acquire */

static const char	*lock_dir = "/run/pmdapipe/uid";
static const char	*passwd_file = "/etc/passwd";
static const char	*systemd_dir = "/run/systemd/dynamic-uid";

/* the uids of passwd, sorted; re-read when the file changes */
static uid_t		*known;
static size_t		nknown;
static struct stat	known_sb;
static int		have_known;
static unsigned int	cursor;		/* where the next search starts */

void
dynuid_paths(const char *lockdir, const char *passwd, const char *systemd)
{
    lock_dir = lockdir;
    passwd_file = passwd;
    systemd_dir = systemd;
    free(known);
    known = NULL;
    nknown = 0;
    have_known = 0;
    cursor = 0;
}

static int
cmp_uid(const void *a, const void *b)
{
    uid_t	x = *(const uid_t *)a, y = *(const uid_t *)b;

    return x < y ? -1 : x > y;
}

/* (re)read the uids of the passwd file when it changed */
static int
load_known(void)
{
    struct stat	sb;
    char	line[4096], *p, *end;
    uid_t	*list = NULL, *nl;
    size_t	n = 0, cap = 0;
    unsigned long v;
    FILE	*f;

    if (stat(passwd_file, &sb) < 0)
	return -errno;
    if (have_known && sb.st_ino == known_sb.st_ino &&
	sb.st_size == known_sb.st_size &&
	sb.st_mtim.tv_sec == known_sb.st_mtim.tv_sec &&
	sb.st_mtim.tv_nsec == known_sb.st_mtim.tv_nsec)
	return 0;
    if ((f = fopen(passwd_file, "re")) == NULL)
	return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
	/* name:password:uid:... */
	if ((p = strchr(line, ':')) == NULL || (p = strchr(p + 1, ':')) == NULL)
	    continue;
	errno = 0;
	v = strtoul(p + 1, &end, 10);
	if (errno || end == p + 1 || *end != ':' || v > UINT_MAX)
	    continue;
	if (n == cap) {
	    cap = cap ? 2 * cap : 64;
	    if ((nl = realloc(list, cap * sizeof(*list))) == NULL) {
		free(list);
		fclose(f);
		return -ENOMEM;
	    }
	    list = nl;
	}
	list[n++] = (uid_t)v;
    }
    fclose(f);
    if (n > 1)
	qsort(list, n, sizeof(*list), cmp_uid);
    free(known);
    known = list;
    nknown = n;
    known_sb = sb;
    have_known = 1;
    return 0;
}

static int
is_known(uid_t uid)
{
    return nknown > 0 &&
	   bsearch(&uid, known, nknown, sizeof(*known), cmp_uid) != NULL;
}

/* systemd holds it for a DynamicUser= service */
static int
systemd_holds(uid_t uid)
{
    char	path[PATH_MAX];
    struct stat	sb;

    snprintf(path, sizeof(path), "%s/%u", systemd_dir, (unsigned int)uid);
    return lstat(path, &sb) == 0;
}

/* mkdir -p for the lock directory, root-only */
static int
make_lock_dir(void)
{
    char	path[PATH_MAX], *p;

    if (snprintf(path, sizeof(path), "%s", lock_dir) >= (int)sizeof(path))
	return -ENAMETOOLONG;
    for (p = path + 1; *p; p++) {
	if (*p != '/')
	    continue;
	*p = '\0';
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
	    return -errno;
	*p = '/';
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
	return -errno;
    return 0;
}

/* the uid's lock, taken: its fd, or -1 (held by another run, or an error) */
static int
try_lock(uid_t uid)
{
    char	path[PATH_MAX];
    int		fd;

    snprintf(path, sizeof(path), "%s/%u", lock_dir, (unsigned int)uid);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
	return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
	close(fd);
	return -1;
    }
    return fd;
}

int
dynuid_acquire(unsigned int lo, unsigned int hi, uid_t *uid)
{
    unsigned long long	span, i;
    unsigned int	cand;
    int			sts, fd;

    if (lo == 0 || lo > hi)
	return -EINVAL;
    if ((sts = load_known()) < 0 || (sts = make_lock_dir()) < 0)
	return sts;
    span = (unsigned long long)hi - lo + 1;
    if (cursor < lo || cursor > hi)
	cursor = lo;
    for (i = 0; i < span && i < MAX_TRIES; i++) {
	cand = cursor;
	cursor = cursor == hi ? lo : cursor + 1;
	if (is_known((uid_t)cand) || systemd_holds((uid_t)cand))
	    continue;
	if ((fd = try_lock((uid_t)cand)) >= 0) {
	    *uid = (uid_t)cand;
	    return fd;
	}
    }
    return -EAGAIN;
}

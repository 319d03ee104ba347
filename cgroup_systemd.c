/*
 * cgroup_systemd.c - the cgroup subtree systemd delegated to pmcd.service.
 *
 * Why a delegated subtree and not a transient scope per run (what podman
 * and crun do through StartTransientUnit): it needs no D-Bus client in an
 * agent that runs as root, runs die with pmcd.service (KillMode=
 * control-group covers the subtree) and show under it in systemd-cgls,
 * and the same code serves hosts without systemd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "cgroup_file.h"
#include "cgroup_systemd.h"

#define EVACUATE_ROUNDS	16	/* pmcd may be starting agents meanwhile */

static int
ends_with(const char *s, size_t n, const char *suffix)
{
    size_t	k = strlen(suffix);

    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

int
cgroup_systemd_service(const char *cgfile, char *out, size_t len)
{
    char	line[PATH_MAX + 8], *path, *last, *nl;
    FILE	*f;
    int		found = 0;

    if ((f = fopen(cgfile, "re")) == NULL)
	return -ENOENT;
    while (!found && fgets(line, sizeof(line), f) != NULL)
	found = strncmp(line, "0::/", 4) == 0;
    fclose(f);
    if (!found)
	return -ENOENT;
    path = line + 3;
    if ((nl = strchr(path, '\n')) != NULL)
	*nl = '\0';
    last = strrchr(path, '/');
    if (strcmp(last + 1, CGROUP_SYSTEMD_LEAF) == 0 && last > path) {
	*last = '\0';			/* our leaf: its parent */
	last = strrchr(path, '/');
    }
    if (!ends_with(last + 1, strlen(last + 1), ".service"))
	return -ENOENT;
    if (strlen(path) >= len)
	return -ENAMETOOLONG;
    strcpy(out, path);
    return 0;
}

/* path = dir/file; -ENAMETOOLONG when it does not fit */
static int
join(char *path, size_t len, const char *dir, const char *file)
{
    int		n = snprintf(path, len, "%s/%s", dir, file);

    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int
writable(const char *dir, const char *file)
{
    char	path[PATH_MAX];

    return join(path, sizeof(path), dir, file) == 0 && access(path, W_OK) == 0;
}

int
cgroup_systemd_delegated(const char *dir)
{
    static const char	*names[] = { "trusted.delegate", "user.delegate" };
    char		value[8];
    ssize_t		n;
    size_t		i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
	if ((n = getxattr(dir, names[i], value, sizeof(value))) == 1 &&
	    value[0] == '1')
	    return 1;
	if (n < 0 && errno == EOPNOTSUPP)
	    /* no xattrs on this cgroupfs: judge by what we may write */
	    return writable(dir, "cgroup.procs") &&
		   writable(dir, "cgroup.subtree_control");
    }
    return 0;
}

static int
write_pid(const char *dir, long pid)
{
    char	value[32];

    snprintf(value, sizeof(value), "%ld", pid);
    return cgroup_file_write(dir, "cgroup.procs", value);
}

int
cgroup_systemd_evacuate(const char *svc, const char *leaf)
{
    char	procs[PATH_MAX], dest[PATH_MAX];
    FILE	*f;
    long	pid;
    int		round, n, moved = 0, sts;

    if ((sts = join(dest, sizeof(dest), svc, leaf)) < 0 ||
	(sts = join(procs, sizeof(procs), svc, "cgroup.procs")) < 0)
	return sts;
    if (mkdir(dest, 0755) < 0 && errno != EEXIST)
	return -errno;
    if (!writable(dest, "cgroup.procs"))
	return -EACCES;
    for (round = 0; round < EVACUATE_ROUNDS; round++) {
	if ((f = fopen(procs, "re")) == NULL)
	    return -errno;
	for (n = 0; fscanf(f, "%ld", &pid) == 1; n++) {
	    /* ESRCH: it ended meanwhile */
	    if ((sts = write_pid(dest, pid)) < 0 && sts != -ESRCH) {
		fclose(f);
		return sts;
	    }
	    moved++;
	}
	fclose(f);
	if (n == 0)
	    return moved;
    }
    return -EBUSY;
}

int
cgroup_systemd_root(const char *mnt, const char *cgfile, char **svc)
{
    char	rel[PATH_MAX], *dir;
    int		sts;

    *svc = NULL;
    if (cgroup_systemd_service(cgfile, rel, sizeof(rel)) < 0)
	return 0;
    if (asprintf(&dir, "%s%s", mnt, rel) < 0)
	return -ENOMEM;
    if (!cgroup_systemd_delegated(dir)) {
	free(dir);
	return 0;
    }
    if ((sts = cgroup_systemd_evacuate(dir, CGROUP_SYSTEMD_LEAF)) < 0) {
	free(dir);
	return sts;
    }
    *svc = dir;
    return 1;
}

/*
 * cgroup.c - cgroup v2 placement and kill for launched commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup.h"

static char	*base;		/* <root>/pmdapipe */
static char	**pending;	/* cgroups waiting to be removed */
static int	npending;

static char *
find_cgroup2(void)
{
    FILE	*f;
    char	line[4096], *sep, mnt[PATH_MAX], fstype[64];
    char	*found = NULL;

    if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
	return NULL;
    while (fgets(line, sizeof(line), f) != NULL) {
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPER */
	if ((sep = strstr(line, " - ")) == NULL)
	    continue;
	if (sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
	    continue;
	if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
	    continue;
	found = strdup(mnt);
	break;
    }
    fclose(f);
    return found;
}

int
cgroup_setup(const char *root)
{
    char	*r = NULL;
    int		sts;

    free(base);
    base = NULL;
    if (root == NULL || strcmp(root, "none") == 0)
	return -ENOENT;
    if (strcmp(root, "auto") == 0) {
	if ((r = find_cgroup2()) == NULL)
	    return -ENOENT;
    } else if ((r = strdup(root)) == NULL)
	return -ENOMEM;
    if (asprintf(&base, "%s/pmdapipe", r) < 0) {
	base = NULL;
	free(r);
	return -ENOMEM;
    }
    free(r);
    if (mkdir(base, 0755) < 0 && errno != EEXIST) {
	sts = -errno;
	free(base);
	base = NULL;
	return sts;
    }
    /* prove we can make (and remove) a child before relying on it */
    if ((r = cgroup_create("probe", 0)) == NULL) {
	sts = -errno;
	free(base);
	base = NULL;
	return sts ? sts : -EACCES;
    }
    rmdir(r);
    free(r);
    return 0;
}

const char *
cgroup_base(void)
{
    return base;
}

char *
cgroup_create(const char *instance, unsigned long serial)
{
    char	*path, *procs;
    int		ok;

    if (base == NULL)
	return NULL;
    if (asprintf(&path, "%s/%s.%lu.%d", base, instance, serial, (int)getpid()) < 0)
	return NULL;
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
	free(path);
	return NULL;
    }
    /* a cgroup2 directory has cgroup.procs; anything else is not one */
    if (asprintf(&procs, "%s/cgroup.procs", path) < 0) {
	rmdir(path);
	free(path);
	return NULL;
    }
    ok = access(procs, W_OK) == 0;
    free(procs);
    if (!ok) {
	rmdir(path);
	free(path);
	errno = EACCES;
	return NULL;
    }
    return path;
}

static int
write_file(const char *dir, const char *file, const char *value)
{
    char	path[PATH_MAX];
    int		fd, sts = 0;
    size_t	len = strlen(value);

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
	return -errno;
    if (write(fd, value, len) != (ssize_t)len)
	sts = -errno;
    close(fd);
    return sts;
}

int
cgroup_signal(const char *path, int sig)
{
    char	file[PATH_MAX];
    FILE	*f;
    int		pid, n = 0;

    snprintf(file, sizeof(file), "%s/cgroup.procs", path);
    if ((f = fopen(file, "re")) == NULL)
	return -errno;
    while (fscanf(f, "%d", &pid) == 1) {
	if (pid > 0 && kill(pid, sig) == 0)
	    n++;
    }
    fclose(f);
    return n;
}

int
cgroup_kill(const char *path)
{
    int		sts = write_file(path, "cgroup.kill", "1");

    if (sts == -ENOENT)		/* kernel before 5.14: signal one by one */
	sts = cgroup_signal(path, SIGKILL) < 0 ? -errno : 0;
    return sts;
}

void
cgroup_release(char *path)
{
    char	**np;

    if (path == NULL)
	return;
    cgroup_kill(path);
    if (rmdir(path) == 0 || errno == ENOENT) {
	free(path);
	return;
    }
    if ((np = realloc(pending, (npending + 1) * sizeof(char *))) == NULL) {
	free(path);
	return;
    }
    pending = np;
    pending[npending++] = path;
}

int
cgroup_retry(void)
{
    int		i, j;

    for (i = j = 0; i < npending; i++) {
	if (rmdir(pending[i]) == 0 || errno == ENOENT) {
	    free(pending[i]);
	    continue;
	}
	cgroup_kill(pending[i]);
	pending[j++] = pending[i];
    }
    npending = j;
    return npending;
}

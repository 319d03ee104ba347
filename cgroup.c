/*
 * cgroup.c - cgroup v2 placement and kill for launched commands.
 */
#include <dirent.h>
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
#include "cgroup_file.h"
#include "cgroup_systemd.h"

static char	*base;		/* <root>/pmdapipe */
static unsigned long long self_start;	/* our start time (stat field 22) */
static int	reap_stale(void);
static unsigned int enforced;	/* OPT_* the session cgroups enforce */
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

static int
write_file(const char *dir, const char *file, const char *value)
{
    return cgroup_file_write(dir, file, value);
}

int
cgroup_setup(const char *root)
{
    char	*r = NULL, *svc;
    int		sts;

    free(base);
    base = NULL;
    enforced = 0;
    if (cgroup_proc_start("/proc", getpid(), &self_start) < 0)
	self_start = 0;
    if (root == NULL || *root == '\0' || strcmp(root, "none") == 0)
	return -ENOENT;
    if (strcmp(root, "auto") == 0) {
	if ((r = find_cgroup2()) == NULL)
	    return -ENOENT;
	/* under systemd, only the subtree it delegated to our service */
	if (cgroup_systemd_root(r, "/proc/self/cgroup", &svc) > 0) {
	    free(r);
	    r = svc;
	}
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
    /* delegate what the hierarchy offers to our sessions */
    if ((r = strdup(base)) != NULL) {
	char	*slash = strrchr(r, '/');

	if (slash) {
	    *slash = '\0';
	    write_file(r, "cgroup.subtree_control", "+memory");
	    write_file(r, "cgroup.subtree_control", "+pids");
	    write_file(r, "cgroup.subtree_control", "+cpu");
	}
	free(r);
    }
    write_file(base, "cgroup.subtree_control", "+memory");
    write_file(base, "cgroup.subtree_control", "+pids");
    write_file(base, "cgroup.subtree_control", "+cpu");
    enforced = cgroup_read_controllers(base, "cgroup.subtree_control");
    return reap_stale();
}

enum cgroup_tier
cgroup_tier(void)
{
    if (base == NULL)
	return TIER_RLIMITS;
    if (enforced == (OPT_MEMORY | OPT_TASKS | OPT_CPU))
	return TIER_CGROUP_LIMITS;
    return TIER_CGROUP_KILL;
}

const char *
cgroup_tier_name(enum cgroup_tier t)
{
    switch (t) {
    case TIER_CGROUP_LIMITS:
	return "cgroup2";
    case TIER_CGROUP_KILL:
	return "cgroup2-kill+rlimits";
    case TIER_RLIMITS:
	return "rlimits";
    }
    return "unknown";
}

unsigned int
cgroup_enforced(void)
{
    return base ? enforced : 0;
}

unsigned int
cgroup_read_controllers(const char *dir, const char *file)
{
    char		path[PATH_MAX], word[64];
    FILE		*f;
    unsigned int	mask = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if ((f = fopen(path, "re")) == NULL)
	return 0;
    while (fscanf(f, "%63s", word) == 1) {
	if (strcmp(word, "memory") == 0)
	    mask |= OPT_MEMORY;
	else if (strcmp(word, "pids") == 0)
	    mask |= OPT_TASKS;
	else if (strcmp(word, "cpu") == 0)
	    mask |= OPT_CPU;
    }
    fclose(f);
    return mask;
}

int
cgroup_write_limits(const char *dir, const struct pipe_options *o,
	unsigned int mask)
{
    char	value[64];
    int		sts;

    if ((o->set & OPT_MEMORY) && (mask & OPT_MEMORY)) {
	snprintf(value, sizeof(value), "%llu", o->memory);
	if ((sts = write_file(dir, "memory.max", value)) < 0)
	    return sts;
	/* no swapping around the limit */
	write_file(dir, "memory.swap.max", "0");
    }
    if ((o->set & OPT_TASKS) && (mask & OPT_TASKS)) {
	snprintf(value, sizeof(value), "%ld", o->tasks);
	if ((sts = write_file(dir, "pids.max", value)) < 0)
	    return sts;
    }
    if ((o->set & OPT_CPU) && (mask & OPT_CPU)) {
	snprintf(value, sizeof(value), "%ld 100000", (long)o->cpu_pct * 1000);
	if ((sts = write_file(dir, "cpu.max", value)) < 0)
	    return sts;
    }
    return 0;
}

int
cgroup_read_usage(const char *dir, unsigned long long *peak,
	unsigned long long *cpu_usec)
{
    char	path[PATH_MAX], key[64];
    unsigned long long v;
    FILE	*f;

    *peak = *cpu_usec = 0;
    snprintf(path, sizeof(path), "%s/memory.peak", dir);
    if ((f = fopen(path, "re")) != NULL) {
	if (fscanf(f, "%llu", &v) == 1)
	    *peak = v;
	fclose(f);
    }
    snprintf(path, sizeof(path), "%s/cpu.stat", dir);
    if ((f = fopen(path, "re")) == NULL)
	return -errno;
    while (fscanf(f, "%63s %llu", key, &v) == 2) {
	if (strcmp(key, "usage_usec") == 0) {
	    *cpu_usec = v;
	    break;
	}
    }
    fclose(f);
    return 0;
}

int
cgroup_proc_start(const char *procdir, long pid, unsigned long long *start)
{
    char		path[PATH_MAX], buf[1024], *p;
    unsigned long long	v;
    ssize_t		n;
    int			fd, field;

    snprintf(path, sizeof(path), "%s/%ld/stat", procdir, pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
	return -errno;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
	return -EINVAL;
    buf[n] = '\0';
    /* PID (COMM) STATE ...: COMM may hold anything, so from its last ')' */
    if ((p = strrchr(buf, ')')) == NULL)
	return -EINVAL;
    for (field = 2; field < 22 && p; field++)
	p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p + 1, "%llu", &v) != 1)
	return -EINVAL;
    *start = v;
    return 0;
}

/*
 * Session cgroups are named INSTANCE.SERIAL.START.PID after the PMDA that
 * made them (START: its start time, /proc/PID/stat field 22): a PID that
 * now belongs to another process, with another start time, does not keep
 * a dead PMDA's cgroup alive.  Names of the older form INSTANCE.SERIAL.PID
 * are judged by the PID alone.
 */
int
cgroup_stale(const char *name, const char *procdir, long self)
{
    const char		*dot, *prev, *p;
    char		path[PATH_MAX], *end;
    unsigned long long	want, start = 0;
    struct stat		sb;
    long		pid;
    int			sts;

    if (name[0] == '.' || (dot = strrchr(name, '.')) == NULL)
	return 0;
    errno = 0;
    pid = strtol(dot + 1, &end, 10);
    if (errno || end == dot + 1 || *end != '\0' || pid <= 0 || pid == self)
	return 0;
    /* the component before: START in the new form, SERIAL in the old */
    for (prev = dot; prev > name && prev[-1] != '.'; prev--)
	;
    if (prev == name)
	return 0;		/* INSTANCE.PID: not ours */
    for (p = prev - 1; p > name && p[-1] != '.'; p--)
	;
    if (p > name) {
	/* INSTANCE.SERIAL.START.PID */
	errno = 0;
	want = strtoull(prev, &end, 10);
	if (errno || end != dot)
	    return 0;
	if ((sts = cgroup_proc_start(procdir, pid, &start)) < 0)
	    return sts == -ENOENT;
	return start != want;
    }
    snprintf(path, sizeof(path), "%s/%ld", procdir, pid);
    return stat(path, &sb) < 0 && errno == ENOENT;
}

/*
 * Kill and remove the session cgroups of PMDAs that are gone (a crash or
 * SIGKILL must not leave their commands running; their supervisors
 * normally have done so already).  Returns how many were reaped.
 */
static int
reap_stale(void)
{
    struct dirent	*de;
    DIR			*dir;
    char		*path;
    int			n = 0;

    if ((dir = opendir(base)) == NULL)
	return 0;
    while ((de = readdir(dir)) != NULL) {
	if (!cgroup_stale(de->d_name, "/proc", (long)getpid()))
	    continue;
	if (asprintf(&path, "%s/%s", base, de->d_name) < 0)
	    continue;
	cgroup_release(path);	/* kills, removes or queues for retry */
	n++;
    }
    closedir(dir);
    return n;
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
    if (asprintf(&path, "%s/%s.%lu.%llu.%d", base, instance, serial,
		 self_start, (int)getpid()) < 0)
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

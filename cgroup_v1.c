/*
 * cgroup_v1.c - cgroup v1 hierarchies for what cgroup v2 does not offer.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup_file.h"
#include "cgroup_v1.h"

#define KILL_PASSES	4	/* without a freezer: re-read, kill again */

static const char *names[CGV1_N] = {
    [CGV1_MEMORY] = "memory", [CGV1_PIDS] = "pids", [CGV1_CPU] = "cpu",
    [CGV1_CPUACCT] = "cpuacct", [CGV1_FREEZER] = "freezer",
};

/* a file every group of the controller has (the root's may not) */
static const char *keyfile[CGV1_N] = {
    [CGV1_MEMORY] = "memory.limit_in_bytes", [CGV1_PIDS] = "pids.max",
    [CGV1_CPU] = "cpu.cfs_quota_us", [CGV1_CPUACCT] = "cpuacct.usage",
    [CGV1_FREEZER] = "freezer.state",
};

static char	*base[CGV1_N];	/* <hierarchy>/pmdapipe, or NULL */

const char *
cgv1_name(enum cgv1_ctrl c)
{
    return (unsigned)c < CGV1_N ? names[c] : "unknown";
}

/* is word one of the comma-separated options in list? */
static int
has_option(const char *list, const char *word)
{
    size_t	len = strlen(word);
    const char	*p;

    for (p = list; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
	if (strncmp(p, word, len) == 0 && (p[len] == ',' || p[len] == '\0'))
	    return 1;
    return 0;
}

int
cgv1_find_mounts(const char *mountinfo, char *mnt[CGV1_N])
{
    FILE	*f;
    char	line[4096], *sep, dir[PATH_MAX], fstype[64], super[1024];
    int		c, n = 0;

    for (c = 0; c < CGV1_N; c++)
	mnt[c] = NULL;
    if ((f = fopen(mountinfo, "re")) == NULL)
	return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPER */
	if ((sep = strstr(line, " - ")) == NULL)
	    continue;
	if (sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2 ||
	    strcmp(fstype, "cgroup") != 0)
	    continue;
	if (sscanf(line, "%*s %*s %*s %*s %4095s", dir) != 1)
	    continue;
	for (c = 0; c < CGV1_N; c++) {
	    if (mnt[c] != NULL || !has_option(super, names[c]))
		continue;
	    if ((mnt[c] = strdup(dir)) == NULL) {
		fclose(f);
		for (c = 0; c < CGV1_N; c++) {
		    free(mnt[c]);
		    mnt[c] = NULL;
		}
		return -ENOMEM;
	    }
	    n++;
	}
    }
    fclose(f);
    return n;
}

/* the first number after key (or the file's first number if key is NULL) */
static int
read_number(const char *dir, const char *file, const char *key,
	unsigned long long *v)
{
    char	path[PATH_MAX], word[64];
    FILE	*f;
    int		sts = -ENOENT;

    *v = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if ((f = fopen(path, "re")) == NULL)
	return -errno;
    if (key == NULL)
	sts = fscanf(f, "%llu", v) == 1 ? 0 : -EINVAL;
    else
	while (fscanf(f, "%63s %llu", word, v) == 2)
	    if (strcmp(word, key) == 0) {
		sts = 0;
		break;
	    }
    fclose(f);
    return sts;
}

static int
exists(const char *dir, const char *file, int mode)
{
    char	path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
	return 0;
    return access(path, mode) == 0;
}

void
cgv1_reset(void)
{
    int		c;

    for (c = 0; c < CGV1_N; c++) {
	free(base[c]);
	base[c] = NULL;
    }
}

/*
 * dir/pmdapipe made and a probe group in it proven to be one of c's; with
 * no probe, only whether dir could hold it (pmdapipe -C)
 */
static char *
setup_one(const char *dir, enum cgv1_ctrl c, const char *probe)
{
    char	*b, path[PATH_MAX];
    int		ok;

    if (asprintf(&b, "%s/pmdapipe", dir) < 0)
	return NULL;
    if (probe == NULL) {	/* a dry run: what would be used, making nothing */
	if (access(dir, W_OK) == 0 && exists(dir, "cgroup.procs", W_OK))
	    return b;
	free(b);
	errno = EACCES;
	return NULL;
    }
    if (mkdir(b, 0755) < 0 && errno != EEXIST) {
	free(b);
	return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", b, probe);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
	free(b);
	return NULL;
    }
    ok = exists(path, "cgroup.procs", W_OK) && exists(path, keyfile[c], F_OK);
    rmdir(path);
    if (!ok) {
	free(b);
	errno = EACCES;
	return NULL;
    }
    return b;
}

int
cgv1_setup(const char *root, unsigned int want, const char *probe)
{
    char	*mnt[CGV1_N], real[PATH_MAX];
    int		c, sts = 0, err = ENOENT;

    cgv1_reset();
    if (root == NULL || *root == '\0' || strcmp(root, "none") == 0 || !want)
	return -ENOENT;
    if (strcmp(root, "auto") == 0) {
	if ((sts = cgv1_find_mounts("/proc/self/mountinfo", mnt)) < 0)
	    return sts;
    } else {
	for (c = 0; c < CGV1_N; c++)
	    if (asprintf(&mnt[c], "%s/%s", root, names[c]) < 0)
		mnt[c] = NULL;
    }
    for (c = 0; c < CGV1_N; c++) {
	/* controllers mounted together: one directory (a link to it, too) */
	if (mnt[c] == NULL || !(want & CGV1_BIT(c)) ||
	    realpath(mnt[c], real) == NULL)
	    continue;
	if ((base[c] = setup_one(real, c, probe)) == NULL)
	    err = errno;
    }
    for (c = 0; c < CGV1_N; c++)
	free(mnt[c]);
    return cgv1_active() ? (int)cgv1_active() : -err;
}

unsigned int
cgv1_active(void)
{
    unsigned int	mask = 0;
    int			c;

    for (c = 0; c < CGV1_N; c++)
	if (base[c] != NULL)
	    mask |= CGV1_BIT(c);
    return mask;
}

unsigned int
cgv1_enforced(void)
{
    unsigned int	mask = 0;

    if (base[CGV1_MEMORY])
	mask |= OPT_MEMORY;
    if (base[CGV1_PIDS])
	mask |= OPT_TASKS;
    if (base[CGV1_CPU])
	mask |= OPT_CPU;
    return mask;
}

const char *
cgv1_base(enum cgv1_ctrl c)
{
    return (unsigned)c < CGV1_N ? base[c] : NULL;
}

int
cgv1_bases(const char *out[CGV1_N])
{
    int		c, i, n = 0;

    for (c = 0; c < CGV1_N; c++) {
	if (base[c] == NULL)
	    continue;
	for (i = 0; i < n && strcmp(out[i], base[c]) != 0; i++)
	    ;
	if (i == n)
	    out[n++] = base[c];
    }
    return n;
}

/* the run's group in each hierarchy in use (NULL elsewhere); 0 or -ENOMEM */
static int
run_dirs(const char *name, char *dir[CGV1_N])
{
    int		c;

    for (c = 0; c < CGV1_N; c++) {
	dir[c] = NULL;
	if (base[c] != NULL && asprintf(&dir[c], "%s/%s", base[c], name) < 0) {
	    dir[c] = NULL;
	    while (c-- > 0)
		free(dir[c]);
	    return -ENOMEM;
	}
    }
    return 0;
}

static void
free_dirs(char *dir[CGV1_N])
{
    int		c;

    for (c = 0; c < CGV1_N; c++) {
	free(dir[c]);
	dir[c] = NULL;
    }
}

int
cgv1_create(const char *name)
{
    char	*dir[CGV1_N];
    int		c, sts = 0;

    if ((sts = run_dirs(name, dir)) < 0)
	return sts;
    for (c = 0; c < CGV1_N && sts == 0; c++)
	if (dir[c] && mkdir(dir[c], 0755) < 0 && errno != EEXIST)
	    sts = -errno;
    if (sts < 0)
	for (c = 0; c < CGV1_N; c++)
	    if (dir[c])
		rmdir(dir[c]);
    free_dirs(dir);
    return sts;
}

int
cgv1_procs(const char *name, char procs[][PATH_MAX], int max)
{
    const char	*b[CGV1_N];
    int		i, n = cgv1_bases(b);

    for (i = 0; i < n && i < max; i++)
	snprintf(procs[i], PATH_MAX, "%s/%s/cgroup.procs", b[i], name);
    return i;
}

int
cgv1_write_limits_at(char *const dir[CGV1_N], const struct pipe_options *o,
	unsigned int mask)
{
    char	value[64];
    int		sts;

    if ((o->set & OPT_MEMORY) && (mask & OPT_MEMORY) && dir[CGV1_MEMORY]) {
	snprintf(value, sizeof(value), "%llu", o->memory);
	if ((sts = cgroup_file_write(dir[CGV1_MEMORY], "memory.limit_in_bytes",
			      value)) < 0)
	    return sts;
	/* no swapping around the limit (absent without swap accounting) */
	cgroup_file_write(dir[CGV1_MEMORY], "memory.memsw.limit_in_bytes", value);
    }
    if ((o->set & OPT_TASKS) && (mask & OPT_TASKS) && dir[CGV1_PIDS]) {
	snprintf(value, sizeof(value), "%ld", o->tasks);
	if ((sts = cgroup_file_write(dir[CGV1_PIDS], "pids.max", value)) < 0)
	    return sts;
    }
    if ((o->set & OPT_CPU) && (mask & OPT_CPU) && dir[CGV1_CPU]) {
	if ((sts = cgroup_file_write(dir[CGV1_CPU], "cpu.cfs_period_us", "100000")) < 0)
	    return sts;
	snprintf(value, sizeof(value), "%ld", (long)o->cpu_pct * 1000);
	if ((sts = cgroup_file_write(dir[CGV1_CPU], "cpu.cfs_quota_us", value)) < 0)
	    return sts;
    }
    return 0;
}

int
cgv1_read_usage_at(char *const dir[CGV1_N], unsigned long long *peak,
	unsigned long long *cpu_usec)
{
    unsigned long long	v;

    *peak = *cpu_usec = 0;
    if (dir[CGV1_MEMORY] &&
	read_number(dir[CGV1_MEMORY], "memory.max_usage_in_bytes", NULL, &v) == 0)
	*peak = v;
    if (dir[CGV1_CPUACCT] &&
	read_number(dir[CGV1_CPUACCT], "cpuacct.usage", NULL, &v) == 0)
	*cpu_usec = v / 1000;
    return 0;
}

long
cgv1_oom_kills_at(char *const dir[CGV1_N])
{
    unsigned long long	v;

    if (dir[CGV1_MEMORY] == NULL ||
	read_number(dir[CGV1_MEMORY], "memory.oom_control", "oom_kill", &v) < 0)
	return 0;
    return (long)v;
}

int
cgv1_signal_procs(const char *dir, int sig)
{
    char	path[PATH_MAX];
    FILE	*f;
    int		pid, n = 0;

    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    if ((f = fopen(path, "re")) == NULL)
	return -errno;
    while (fscanf(f, "%d", &pid) == 1)
	if (pid > 0 && kill(pid, sig) == 0)
	    n++;
    fclose(f);
    return n;
}

int
cgv1_kill_at(char *const dir[CGV1_N])
{
    const char	*d = NULL;
    int		c, i, k, n = 0;

    if (dir[CGV1_FREEZER] != NULL) {
	/*
	 * Frozen, nothing forks; SIGKILL is acted on once thawed.  A fork
	 * under way as the freeze began shows in the second pass.
	 */
	d = dir[CGV1_FREEZER];
	cgroup_file_write(d, "freezer.state", "FROZEN");
	for (i = 0; i < 2; i++)
	    if ((k = cgv1_signal_procs(d, SIGKILL)) > 0)
		n += k;
	cgroup_file_write(d, "freezer.state", "THAWED");
	return n;
    }
    for (c = 0; c < CGV1_N && d == NULL; c++)
	d = dir[c];
    if (d == NULL)
	return 0;
    for (i = 0; i < KILL_PASSES; i++) {
	if ((k = cgv1_signal_procs(d, SIGKILL)) <= 0)
	    break;
	n += k;
    }
    return n;
}

/* run f on the run's groups */
#define WITH_DIRS(name, expr) do {				\
	char	*dir[CGV1_N];					\
	int	_s;						\
	if ((_s = run_dirs(name, dir)) < 0)			\
	    return _s;						\
	_s = (int)(expr);					\
	free_dirs(dir);						\
	return _s;						\
    } while (0)

int
cgv1_write_limits(const char *name, const struct pipe_options *o,
	unsigned int mask)
{
    WITH_DIRS(name, cgv1_write_limits_at(dir, o, mask));
}

int
cgv1_read_usage(const char *name, unsigned long long *peak,
	unsigned long long *cpu_usec)
{
    WITH_DIRS(name, cgv1_read_usage_at(dir, peak, cpu_usec));
}

long
cgv1_oom_kills(const char *name)
{
    WITH_DIRS(name, cgv1_oom_kills_at(dir));
}

int
cgv1_kill(const char *name)
{
    WITH_DIRS(name, cgv1_kill_at(dir));
}

int
cgv1_remove(const char *name)
{
    char	*dir[CGV1_N];
    int		c, sts = 0;

    if ((sts = run_dirs(name, dir)) < 0)
	return sts;
    for (c = 0; c < CGV1_N; c++)
	if (dir[c] && rmdir(dir[c]) < 0 && errno != ENOENT)
	    sts = -errno;
    if (sts < 0)
	cgv1_kill_at(dir);
    free_dirs(dir);
    return sts;
}

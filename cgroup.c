/*
 * cgroup.c - cgroup v2 placement and kill for launched commands, and the
 * facade over cgroup_v1.c: a run's handle is its v2 directory (or, with
 * no cgroup v2, its path in the first v1 hierarchy); its v1 groups have
 * the same last component.
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
#include "cgroup_v1.h"

static char	*base;		/* <root>/pmdapipe */
static unsigned long long self_start;	/* our start time (stat field 22) */
static int	reap_stale(void);
static char	*handle(const char *name);
static int	is_pending(const char *name);
static unsigned int enforced;	/* OPT_* the session cgroups enforce */
static int	dry_run;	/* no reaping of stale cgroups (pmdapipe -C) */
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
    cgv1_reset();		/* cgroup_setup_v1 follows */
    if (cgroup_proc_start("/proc", getpid(), &self_start) < 0)
	self_start = 0;
    if (root == NULL || *root == '\0' || strcmp(root, "none") == 0)
	return -ENOENT;
    if (strcmp(root, "auto") == 0) {
	if ((r = find_cgroup2()) == NULL)
	    return -ENOENT;
	/* under systemd, only the subtree it delegated to our service */
	if (!dry_run && cgroup_systemd_root(r, "/proc/self/cgroup", &svc) > 0) {
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
    if (dry_run) {
	/* pmdapipe -C: what the hierarchy offers, creating nothing */
	sts = access(r, W_OK) < 0 ? -errno : 0;
	enforced = cgroup_read_controllers(r, "cgroup.controllers");
	free(r);
	if (sts < 0) {
	    free(base);
	    base = NULL;
	}
	return sts;
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
    return dry_run ? 0 : reap_stale();
}

int
cgroup_setup_v1(const char *root)
{
    unsigned int	v2 = cgroup_enforced(), want = 0;
    const char		*b[CGV1_N];
    struct dirent	*de;
    DIR			*dir;
    char		probe[128], *path;
    int			i, n = 0, sts;

    if (self_start == 0 && cgroup_proc_start("/proc", getpid(), &self_start) < 0)
	self_start = 0;
    /* v2 where it has the controller, v1 only for what it lacks */
    if (!(v2 & OPT_MEMORY))
	want |= CGV1_BIT(CGV1_MEMORY);
    if (!(v2 & OPT_TASKS))
	want |= CGV1_BIT(CGV1_PIDS);
    if (!(v2 & OPT_CPU))
	want |= CGV1_BIT(CGV1_CPU) | CGV1_BIT(CGV1_CPUACCT);
    /* no cgroup.kill and no v2 accounting without a v2 directory */
    if (base == NULL)
	want |= CGV1_BIT(CGV1_FREEZER) | CGV1_BIT(CGV1_CPUACCT);
    snprintf(probe, sizeof(probe), "probe.0.%llu.%d", self_start, (int)getpid());
    if ((sts = cgv1_setup(root, want, dry_run ? NULL : probe)) < 0)
	return sts;
    if (dry_run)
	return 0;
    /* groups of dead PMDAs, in any hierarchy (with or without a v2 twin) */
    for (i = 0; i < cgv1_bases(b); i++) {
	if ((dir = opendir(b[i])) == NULL)
	    continue;
	while ((de = readdir(dir)) != NULL) {
	    if (!cgroup_stale(de->d_name, "/proc", (long)getpid()) ||
		is_pending(de->d_name) || (path = handle(de->d_name)) == NULL)
		continue;
	    cgroup_release(path);
	    n++;
	}
	closedir(dir);
    }
    return n;
}

void
cgroup_dry_run(int on)
{
    dry_run = on;
}

int
cgroup_describe(char *buf, size_t len)
{
    static const struct { unsigned int opt; const char *what, *rl; } lim[] = {
	{ OPT_MEMORY, "memory", "RLIMIT_AS" },
	{ OPT_TASKS, "tasks", "RLIMIT_NPROC" },
	{ OPT_CPU, "cpu", "RLIMIT_CPU" },
    };
    const char	*how;
    size_t	i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(lim) / sizeof(lim[0]) && n < len; i++) {
	how = cgroup_how(lim[i].opt);
	n += snprintf(buf + n, len - n, "%s%s by %s", i ? ", " : "",
		      lim[i].what, strcmp(how, "rlimit") ? how : lim[i].rl);
    }
    return n < len ? (int)n : -ENOSPC;
}

enum cgroup_tier
cgroup_tier(void)
{
    unsigned int	all = OPT_MEMORY | OPT_TASKS | OPT_CPU;
    unsigned int	v1 = cgv1_enforced();

    if (base == NULL && cgv1_active() == 0)
	return TIER_RLIMITS;
    if (base == NULL)
	return v1 == all ? TIER_CGROUP1 : TIER_CGROUP1_RLIMITS;
    if (enforced == all)
	return TIER_CGROUP_LIMITS;
    if ((enforced | v1) != all)
	return TIER_CGROUP_KILL;
    return enforced == 0 ? TIER_CGROUP_KILL_V1 : TIER_CGROUP_MIXED;
}

const char *
cgroup_tier_name(enum cgroup_tier t)
{
    switch (t) {
    case TIER_CGROUP_LIMITS:
	return "cgroup2";
    case TIER_CGROUP_KILL:
	return "cgroup2-kill+rlimits";
    case TIER_CGROUP_MIXED:
	return "cgroup2+cgroup1";
    case TIER_CGROUP_KILL_V1:
	return "cgroup2-kill+cgroup1";
    case TIER_CGROUP1:
	return "cgroup1";
    case TIER_CGROUP1_RLIMITS:
	return "cgroup1+rlimits";
    case TIER_RLIMITS:
	return "rlimits";
    }
    return "unknown";
}

unsigned int
cgroup_enforced(void)
{
    return (base ? enforced : 0) | cgv1_enforced();
}

const char *
cgroup_how(unsigned int opt)
{
    if (base && (enforced & opt))
	return "cgroup2";
    if (cgv1_enforced() & opt)
	return "cgroup1";
    return "rlimit";
}

/* the run's name: its handle's last component */
static const char *
leaf(const char *path)
{
    const char	*slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

const char *
cgroup_v2_dir(const char *cg)
{
    return cg && base ? cg : NULL;
}

const char *
cgroup_v1_name(const char *cg)
{
    return cg && cgv1_active() ? leaf(cg) : NULL;
}

/* a run's handle from its name: malloc'd, or NULL */
static char *
handle(const char *name)
{
    const char	*b[CGV1_N];
    char	*path;

    if (base == NULL && cgv1_bases(b) == 0)
	return NULL;
    if (asprintf(&path, "%s/%s", base ? base : b[0], name) < 0)
	return NULL;
    return path;
}

static int
is_pending(const char *name)
{
    int		i;

    for (i = 0; i < npending; i++)
	if (strcmp(leaf(pending[i]), name) == 0)
	    return 1;
    return 0;
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

    /* what the v1 groups enforce is theirs; the rest is v2's */
    if ((mask & cgv1_enforced()) &&
	(sts = cgv1_write_limits(leaf(dir), o, mask & cgv1_enforced())) < 0)
	return sts;
    mask &= ~cgv1_enforced();
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
    unsigned long long v, p1, u1;
    FILE	*f;
    int		sts = 0;

    *peak = *cpu_usec = 0;
    if (cgv1_active() && cgv1_read_usage(leaf(dir), &p1, &u1) == 0) {
	if (cgv1_base(CGV1_MEMORY))
	    *peak = p1;
	if (cgv1_base(CGV1_CPUACCT))
	    *cpu_usec = u1;
    }
    snprintf(path, sizeof(path), "%s/memory.peak", dir);
    if (!cgv1_base(CGV1_MEMORY) && (f = fopen(path, "re")) != NULL) {
	if (fscanf(f, "%llu", &v) == 1)
	    *peak = v;
	fclose(f);
    }
    if (cgv1_base(CGV1_CPUACCT))
	return 0;
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
    return sts;
}

long
cgroup_oom_kills(const char *dir)
{
    char		path[PATH_MAX], key[64];
    unsigned long long	v;
    FILE		*f;
    long		n = 0;

    if (cgv1_base(CGV1_MEMORY))
	return cgv1_oom_kills(leaf(dir));
    snprintf(path, sizeof(path), "%s/memory.events", dir);
    if ((f = fopen(path, "re")) == NULL)
	return 0;
    while (fscanf(f, "%63s %llu", key, &v) == 2)
	if (strcmp(key, "oom_kill") == 0)
	    n = (long)v;
    fclose(f);
    return n;
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

/* v2 dir at path with cgroup.procs (anything else is not one): 0 or -errno */
static int
create_v2(const char *path)
{
    char	procs[PATH_MAX];

    if (mkdir(path, 0755) < 0 && errno != EEXIST)
	return -errno;
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
    if (access(procs, W_OK) < 0) {
	rmdir(path);
	return -EACCES;
    }
    return 0;
}

char *
cgroup_create(const char *instance, unsigned long serial)
{
    char	name[NAME_MAX + 1], *path;
    int		sts = 0;

    snprintf(name, sizeof(name), "%s.%lu.%llu.%d", instance, serial,
	     self_start, (int)getpid());
    if ((path = handle(name)) == NULL)
	return NULL;
    if (base && (sts = create_v2(path)) < 0)
	goto fail;
    if (cgv1_active() && (sts = cgv1_create(name)) < 0) {
	if (base)
	    rmdir(path);
	goto fail;
    }
    return path;

fail:
    free(path);
    errno = -sts;
    return NULL;
}

int
cgroup_signal(const char *path, int sig)
{
    return cgv1_signal_procs(path, sig);
}

int
cgroup_kill(const char *path)
{
    int		sts;

    if (base == NULL && cgv1_active()) {
	/* the v1 groups only: freeze, kill, thaw */
	sts = cgv1_kill(leaf(path));
	return sts < 0 ? sts : 0;
    }
    if ((sts = write_file(path, "cgroup.kill", "1")) == -ENOENT)
	/* kernel before 5.14: signal one by one */
	sts = cgroup_signal(path, SIGKILL) < 0 ? -errno : 0;
    return sts;
}

/* remove the run's directories: 1 once all are gone */
static int
remove_all(const char *path)
{
    int		gone = rmdir(path) == 0 || errno == ENOENT;

    if (cgv1_active() && cgv1_remove(leaf(path)) < 0)
	gone = 0;
    return gone;
}

void
cgroup_release(char *path)
{
    char	**np;

    if (path == NULL)
	return;
    cgroup_kill(path);
    if (remove_all(path)) {
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
	if (remove_all(pending[i])) {
	    free(pending[i]);
	    continue;
	}
	cgroup_kill(pending[i]);
	pending[j++] = pending[i];
    }
    npending = j;
    return npending;
}

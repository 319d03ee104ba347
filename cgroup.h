/*
 * cgroup.h - cgroup placement, limits and kill for launched commands.
 *
 * Each session gets <root>/pmdapipe/<instance>.<serial>.<start>.<pid>
 * (<start> and <pid> the PMDA's, see cgroup_stale); the child joins
 * it before exec, cgroup.kill ends the whole tree (setsid escapees
 * included) and the directory is removed once empty.  Without a writable
 * cgroup2 mount every call degrades to "no cgroup" and callers fall back
 * to process groups.  Controllers that are bound to cgroup v1 hierarchies
 * (cgroup_setup_v1, cgroup_v1.h) get a group of the same name in each;
 * the handle cgroup_create returns stands for all of a run's groups.
 */
#ifndef PIPE_CGROUP_H
#define PIPE_CGROUP_H

#include "options.h"

/* how limits are enforced, best first */
enum cgroup_tier {
    TIER_CGROUP_LIMITS,	/* cgroup v2 with memory/pids/cpu controllers */
    TIER_CGROUP_KILL,	/* cgroup v2 for kill and accounting; rlimits */
    TIER_RLIMITS,	/* no usable cgroup: process groups and rlimits */
    TIER_CGROUP_MIXED,	/* cgroup v2 limits, the rest cgroup v1's */
    TIER_CGROUP_KILL_V1,	/* cgroup v2 for kill; limits in cgroup v1 */
    TIER_CGROUP1,	/* no cgroup2: cgroup v1 limits, freezer kill */
    TIER_CGROUP1_RLIMITS,	/* no cgroup2: cgroup v1 and rlimits */
};

/*
 * root: a cgroup2 directory, "auto" to find the cgroup2 mount (or, in a
 * cgroup systemd delegated to our service, that one: cgroup_systemd.h),
 * or "none".
 * Returns >= 0 when cgroups are in use (the number of stale session
 * cgroups of earlier, dead PMDAs it killed and removed), else -errno
 * (callers log and go on).
 */
int cgroup_setup(const char *root);
/*
 * After cgroup_setup: root the directory the cgroup v1 hierarchies are
 * mounted under (/sys/fs/cgroup), "auto" to find them, or "none".  The
 * memory, pids and cpu controllers cgroup v2 does not have are used
 * there (cpuacct with cpu; freezer without cgroup v2).  Returns >= 0
 * when some are (the number of stale groups it killed and removed), else
 * -errno (callers log and go on).
 */
int cgroup_setup_v1(const char *root);
/*
 * set-ups that only look (pmdapipe -C): nothing is made, moved, enabled
 * or reaped; the tier is what the hierarchies offer
 */
void cgroup_dry_run(int on);
/* "memory by cgroup1, tasks by RLIMIT_NPROC, ..." into buf: its length */
int cgroup_describe(char *buf, size_t len);
/* the directory sessions are created under, or NULL */
const char *cgroup_base(void);
enum cgroup_tier cgroup_tier(void);
const char *cgroup_tier_name(enum cgroup_tier);
/* OPT_MEMORY|OPT_TASKS|OPT_CPU that session cgroups enforce */
unsigned int cgroup_enforced(void);
/* how one OPT_* limit is enforced: "cgroup2", "cgroup1" or "rlimit" */
const char *cgroup_how(unsigned int opt);
/* a handle's cgroup v2 directory, or NULL (none: v1 groups only) */
const char *cgroup_v2_dir(const char *cg);
/* the name of a handle's v1 groups (cgroup_v1.h), or NULL (none) */
const char *cgroup_v1_name(const char *cg);

/*
 * Helpers working on any directory (unit-tested on a temp dir):
 * controllers listed in dir/cgroup.subtree_control as OPT_* bits, and
 * writing o's limits (those in mask) into a session cgroup directory.
 */
unsigned int cgroup_read_controllers(const char *dir, const char *file);
int cgroup_write_limits(const char *dir, const struct pipe_options *o,
		unsigned int mask);
/*
 * memory.peak (0 if absent) and cpu.stat usage_usec of a session cgroup;
 * with v1 groups memory.max_usage_in_bytes and cpuacct.usage instead
 */
int cgroup_read_usage(const char *dir, unsigned long long *peak,
		unsigned long long *cpu_usec);
/* how many processes the memory limit's OOM killer ended in a run */
long cgroup_oom_kills(const char *dir);
/*
 * A directory name under pmdapipe/ that belongs to a PMDA which is gone:
 * INSTANCE.SERIAL.START.PID whose PID does not exist or has another start
 * time (/proc/PID/stat field 22) than START; INSTANCE.SERIAL.PID (older
 * PMDAs) whose PID does not exist.  Never self's.  procdir is /proc, or a
 * test's copy.
 */
int cgroup_stale(const char *name, const char *procdir, long self);
/* a process's start time, field 22 of procdir/PID/stat; 0 or -errno */
int cgroup_proc_start(const char *procdir, long pid, unsigned long long *start);
/* make a session cgroup; returns malloc'd path or NULL (no cgroup) */
char *cgroup_create(const char *instance, unsigned long serial);
/* send sig to every process in the cgroup; returns how many, or -errno */
int cgroup_signal(const char *path, int sig);
/* kill everything in it (cgroup.kill) */
int cgroup_kill(const char *path);
/* kill and remove; if still busy, remember it and retry later; frees path */
void cgroup_release(char *path);
/* retry pending removals; returns how many are still pending */
int cgroup_retry(void);

#endif /* PIPE_CGROUP_H */

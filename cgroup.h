/*
 * cgroup.h - cgroup v2 placement and kill for launched commands.
 *
 * Each session gets <root>/pmdapipe/<instance>.<serial>.<start>.<pid>
 * (<start> and <pid> the PMDA's, see cgroup_stale); the child joins
 * it before exec, cgroup.kill ends the whole tree (setsid escapees
 * included) and the directory is removed once empty.  Without a writable
 * cgroup2 mount every call degrades to "no cgroup" and callers fall back
 * to process groups.
 */
#ifndef PIPE_CGROUP_H
#define PIPE_CGROUP_H

#include "options.h"

/* how limits are enforced, best first */
enum cgroup_tier {
    TIER_CGROUP_LIMITS,	/* cgroup v2 with memory/pids/cpu controllers */
    TIER_CGROUP_KILL,	/* cgroup v2 for kill and accounting; rlimits */
    TIER_RLIMITS,	/* no usable cgroup2: process groups and rlimits */
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
/* the directory sessions are created under, or NULL */
const char *cgroup_base(void);
enum cgroup_tier cgroup_tier(void);
const char *cgroup_tier_name(enum cgroup_tier);
/* OPT_MEMORY|OPT_TASKS|OPT_CPU that session cgroups enforce */
unsigned int cgroup_enforced(void);

/*
 * Helpers working on any directory (unit-tested on a temp dir):
 * controllers listed in dir/cgroup.subtree_control as OPT_* bits, and
 * writing o's limits (those in mask) into a session cgroup directory.
 */
unsigned int cgroup_read_controllers(const char *dir, const char *file);
int cgroup_write_limits(const char *dir, const struct pipe_options *o,
		unsigned int mask);
/* memory.peak (0 if absent) and cpu.stat usage_usec of a session cgroup */
int cgroup_read_usage(const char *dir, unsigned long long *peak,
		unsigned long long *cpu_usec);
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

/*
 * cgroup_v1.h - cgroup v1 hierarchies for what cgroup v2 does not offer.
 *
 * Where the memory, pids or cpu controller is bound to a v1 hierarchy
 * (so cgroup v2 cannot have it), each run gets a directory of the same
 * name as its v2 one, INSTANCE.SERIAL.START.PID, under <mount>/pmdapipe
 * in each v1 hierarchy it needs: memory (memory.limit_in_bytes,
 * memory.max_usage_in_bytes), pids (pids.max), cpu (cpu.cfs_quota_us),
 * cpuacct (cpuacct.usage) and, without cgroup v2, freezer (to stop the
 * whole tree before killing it).  The directories are made before the
 * fork, the command joins each (cgroup.procs) before it execs, and they
 * are removed once empty.  cgroup.c is the facade: sessions never call
 * this module themselves.
 */
#ifndef PIPE_CGROUP_V1_H
#define PIPE_CGROUP_V1_H

#include <limits.h>
#include "options.h"

enum cgv1_ctrl {
    CGV1_MEMORY, CGV1_PIDS, CGV1_CPU, CGV1_CPUACCT, CGV1_FREEZER, CGV1_N
};
#define CGV1_BIT(c)	(1U << (c))

/*
 * A helper on any cgroup directory, v1 or v2: sig to each process in
 * dir/cgroup.procs (never pid 0 or -1): how many, or -errno.
 */
int cgv1_signal_procs(const char *dir, int sig);

/* the controller's name, as in /proc/cgroups and mount options */
const char *cgv1_name(enum cgv1_ctrl);

/*
 * The mount point of each controller's v1 hierarchy in a mountinfo file
 * (/proc/self/mountinfo, or a test's copy): mnt[c] is malloc'd, or NULL
 * when the controller has no v1 hierarchy.  Returns how many were found,
 * or -errno.
 */
int cgv1_find_mounts(const char *mountinfo, char *mnt[CGV1_N]);

/*
 * root: the directory the v1 hierarchies are mounted under (each as
 * root/<controller>), "auto" to find them in /proc/self/mountinfo, or
 * "none".  want: CGV1_BIT()s of the controllers to use.  Each one's
 * <hierarchy>/pmdapipe is made and proven usable (a probe group with the
 * controller's files is made and removed); the others are left alone.
 * probe: the name of that group (a run's name: cgroup_stale knows it);
 * NULL for a dry run that makes nothing (a writable hierarchy counts).
 * Returns >= 0 (CGV1_BIT()s in use), or -errno when none is usable.
 */
int cgv1_setup(const char *root, unsigned int want, const char *probe);
/* forget every hierarchy */
void cgv1_reset(void);
/* CGV1_BIT()s in use */
unsigned int cgv1_active(void);
/* OPT_MEMORY|OPT_TASKS|OPT_CPU that the groups enforce */
unsigned int cgv1_enforced(void);
/* <hierarchy>/pmdapipe of a controller in use, or NULL */
const char *cgv1_base(enum cgv1_ctrl);

/*
 * The distinct directories a run's groups are made in (controllers
 * mounted together share one): base[i] for i < the count returned.
 */
int cgv1_bases(const char *base[CGV1_N]);

/* make the run's group in every hierarchy in use: 0, or -errno (none left) */
int cgv1_create(const char *name);
/*
 * The run's cgroup.procs files, for the command to join: at most CGV1_N
 * into procs; returns how many.
 */
int cgv1_procs(const char *name, char procs[][PATH_MAX], int max);

/*
 * Helpers on explicit directories (unit-tested on a temp dir): dir[c]
 * is the run's group in controller c's hierarchy, or NULL.  Limits of o
 * (those in mask) are written; usage reads memory.max_usage_in_bytes
 * (bytes) and cpuacct.usage (ns, returned in us), each left 0 if absent;
 * oom kills come from memory.oom_control.
 */
int cgv1_write_limits_at(char *const dir[CGV1_N], const struct pipe_options *o,
		unsigned int mask);
int cgv1_read_usage_at(char *const dir[CGV1_N], unsigned long long *peak,
		unsigned long long *cpu_usec);
long cgv1_oom_kills_at(char *const dir[CGV1_N]);
/*
 * SIGKILL every process in the group: with a freezer group, freeze it
 * first (no new forks), kill, then thaw so the kills land; pass after
 * pass until one finds no process.  Returns how many were signalled.
 */
int cgv1_kill_at(char *const dir[CGV1_N]);

/* the same, for the run's groups in the hierarchies in use */
int cgv1_write_limits(const char *name, const struct pipe_options *o,
		unsigned int mask);
int cgv1_read_usage(const char *name, unsigned long long *peak,
		unsigned long long *cpu_usec);
long cgv1_oom_kills(const char *name);
int cgv1_kill(const char *name);
/* kill and rmdir the run's groups: 0 once all are gone, else -errno */
int cgv1_remove(const char *name);

#endif /* PIPE_CGROUP_V1_H */

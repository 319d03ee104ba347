/*
 * cgroup.h - cgroup v2 placement and kill for launched commands.
 *
 * Each session gets <root>/pmdapipe/<instance>.<serial>; the child joins
 * it before exec, cgroup.kill ends the whole tree (setsid escapees
 * included) and the directory is removed once empty.  Without a writable
 * cgroup2 mount every call degrades to "no cgroup" and callers fall back
 * to process groups.
 */
#ifndef PIPE_CGROUP_H
#define PIPE_CGROUP_H

/*
 * root: a cgroup2 directory, "auto" to find the cgroup2 mount, or "none".
 * Returns 0 when cgroups are in use, else -errno (callers log and go on).
 */
int cgroup_setup(const char *root);
/* the directory sessions are created under, or NULL */
const char *cgroup_base(void);
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

/*
 * cgroup_systemd.h - the cgroup subtree systemd delegated to pmcd.service.
 *
 * Under systemd the agent may only change what was delegated to its
 * service (Delegate= in pmcd.service.d/pmdapipe.conf, which the package
 * installs).  When its own cgroup is such a delegated service cgroup, the
 * service's processes (pmcd and the other agents, which pmcd's later
 * children inherit) move into the leaf <svc>/daemon, so that <svc> itself
 * holds none and may enable controllers for its children (cgroup v2's
 * "no internal processes" rule), and <svc> becomes the root that
 * cgroup_setup puts pmdapipe/ under.  Anywhere else nothing is changed.
 */
#ifndef PIPE_CGROUP_SYSTEMD_H
#define PIPE_CGROUP_SYSTEMD_H

#include <stddef.h>

/* the leaf of the service's own processes */
#define CGROUP_SYSTEMD_LEAF	"daemon"

/*
 * mnt: the cgroup2 mount; cgfile: /proc/self/cgroup (or a test's copy).
 * Returns 1 with *svc (malloc'd: the service's cgroup directory) when in
 * a delegated service cgroup and its processes are in the leaf, 0 when
 * not in one (*svc NULL: the caller keeps the cgroupfs path), else -errno
 * (delegated, but the leaf could not be made or filled).
 */
int cgroup_systemd_root(const char *mnt, const char *cgfile, char **svc);

/*
 * The service cgroup, relative to the mount ("/system.slice/x.service"),
 * that the cgroup v2 line ("0::PATH") of cgfile names: PATH itself when
 * its last component ends in ".service", PATH's parent when that one does
 * and PATH is its CGROUP_SYSTEMD_LEAF.  0 and out filled, or -ENOENT.
 */
int cgroup_systemd_service(const char *cgfile, char *out, size_t len);
/*
 * Whether systemd delegated dir: its trusted.delegate (or user.delegate)
 * xattr is "1" (systemd >= 251).  Where the cgroup filesystem has no
 * xattrs (older kernels), a writable cgroup v2 directory (cgroup.procs
 * and cgroup.subtree_control) counts.  1 or 0.
 */
int cgroup_systemd_delegated(const char *dir);
/*
 * Move every process of svc/cgroup.procs into svc/leaf/cgroup.procs
 * (made if missing), again while new ones appear, a bounded number of
 * rounds.  Returns how many moved, or -errno (-EBUSY: still not empty).
 */
int cgroup_systemd_evacuate(const char *svc, const char *leaf);

#endif /* PIPE_CGROUP_SYSTEMD_H */

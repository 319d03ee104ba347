/*
 * dynuid.h - a uid of its own for each run whose task limit can only be
 * RLIMIT_NPROC (no pids cgroup): the kernel counts that limit per uid, so
 * runs sharing their configured user's uid would count each other's
 * processes, and one run holding its limit would stop the others from
 * starting.  As systemd's DynamicUser, the uid comes from a reserved
 * range (options "dynamic_uids", default 61184-65519), is never one in
 * /etc/passwd nor one systemd holds for a DynamicUser= service, and is
 * held by a lock file under /run/pmdapipe/uid/ for as long as the run's
 * supervisor lives (it keeps the lock's descriptor), so it is released
 * only once every process of the run is gone, even when the PMDA died.
 * No libpcp, no NSS (the passwd file is read directly).
 */
#ifndef PIPE_DYNUID_H
#define PIPE_DYNUID_H

#include <sys/types.h>

#define DYNUID_LO	61184
#define DYNUID_HI	65519

/* where it looks (tests): the lock directory, passwd, systemd's uid dir */
void dynuid_paths(const char *lockdir, const char *passwd, const char *systemd);

/*
 * A free uid in lo..hi.  Returns the lock's descriptor (O_CLOEXEC; the
 * uid is held while any copy of it is open) with *uid set, or -errno:
 * -EAGAIN when every uid of the range is taken.
 */
int dynuid_acquire(unsigned int lo, unsigned int hi, uid_t *uid);

#endif /* PIPE_DYNUID_H */

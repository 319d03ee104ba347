/*
 * supervise.c - a run's supervisor (see supervise.h): the command's
 * parent and subreaper, which signals the run only in ways that provably
 * reach it, and stops the run itself when the PMDA is gone.
 *
 * Runs in a fork of the PMDA: async-signal-safe calls only (system
 * calls, and string functions on its own buffers), no allocation.
 *
 * Reaching the run without signalling anyone else:
 * - the command is kept unreaped (waitid WNOWAIT) until the supervisor
 *   exits, so its pid, and with it its process group id, cannot be
 *   reused: killpg(cmd) reaches its process group and nothing else;
 * - processes that left the group (setsid, setpgid) are reparented to
 *   the supervisor when their parent dies (PR_SET_CHILD_SUBREAPER); it
 *   signals only its own unreaped children, level by level;
 * - with a cgroup2 directory, SIGKILL is cgroup.kill, and other signals
 *   go to each member through a pidfd taken before checking, in
 *   /proc/PID/cgroup, that the pid still is a member.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "supervise.h"

#define MAXPIDS		4096	/* pids handled per pass; the rest next pass */
#define KILL_POLL_MS	50	/* re-scan while killing: adoptions are silent */
#define RMDIR_TRIES	200	/* x 5 ms: removing the cgroup once empty */

struct sup {
    const struct supervise_plan *p;
    int		ctl;		/* -1 once the PMDA's end closed */
    int		cmd_done;	/* the command exited (a zombie we keep) */
    int		status;
    int		reported;	/* SUP_MSG_EXIT sent */
    int		pmda_gone;	/* EOF without SUP_END */
    int		ending;		/* SUP_END received */
    int		killing;	/* SIGKILL everything, every pass */
    int		have_deadline;
    struct timespec deadline;	/* PMDA gone: end of the grace period */
    char	killfile[PATH_MAX];	/* <cgroup>/cgroup.kill, or "" */
    char	procsfile[PATH_MAX];	/* <cgroup>/cgroup.procs */
    const char	*cgname;		/* its last path component */
};

/* decimal digits of v at p; returns the end */
static char *
put_num(char *p, unsigned long v)
{
    char	tmp[24];
    int		n = 0;

    do {
	tmp[n++] = '0' + v % 10;
	v /= 10;
    } while (v);
    while (n)
	*p++ = tmp[--n];
    *p = '\0';
    return p;
}

/*
 * The pids in a file of numbers (cgroup.procs, a children file), at most
 * max; *more is set when there were more.  Returns how many, or -1.
 */
static int
read_pids(const char *path, pid_t *pids, int max, int *more)
{
    char	buf[8192];
    ssize_t	n, i;
    long	v = -1;
    int		fd, count = 0;

    *more = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
	return -1;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
	for (i = 0; i < n; i++) {
	    if (buf[i] >= '0' && buf[i] <= '9') {
		v = (v < 0 ? 0 : v * 10) + (buf[i] - '0');
		continue;
	    }
	    if (v > 0 && count < max)
		pids[count++] = (pid_t)v;
	    else if (v > 0)
		*more = 1;
	    v = -1;
	}
    }
    if (v > 0 && count < max)
	pids[count++] = (pid_t)v;
    else if (v > 0)
	*more = 1;
    close(fd);
    return count;
}

/* the number in a string of digits, or -1 */
static long
parse_num(const char *p)
{
    long	v = 0;

    if (*p < '0' || *p > '9')
	return -1;
    for (; *p >= '0' && *p <= '9'; p++)
	v = v * 10 + (*p - '0');
    return *p == '\0' ? v : -1;
}

/* ppid of /proc/PID/stat, or -1 */
static long
proc_ppid(long pid)
{
    char	path[64], buf[512], *p;
    ssize_t	n;
    long	v = 0;
    int		fd;

    memcpy(path, "/proc/", 6);
    memcpy(put_num(path + 6, (unsigned long)pid), "/stat", 6);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
	return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
	return -1;
    buf[n] = '\0';
    /* PID (COMM) STATE PPID: from the last ')' */
    if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0' ||
	p[3] != ' ')
	return -1;
    for (p += 4; *p >= '0' && *p <= '9'; p++)
	v = v * 10 + (*p - '0');
    return v;
}

/*
 * Our children, zombies included: /proc/thread-self/children, or where
 * the kernel has no such file (CONFIG_PROC_CHILDREN), every /proc/PID
 * whose parent we are.
 */
static int
list_children(pid_t *pids, int max, int *more)
{
    char		buf[8192];
    struct dirent64	*de;
    long		n, off, pid, self = getpid();
    int			fd, count = 0;

    if ((count = read_pids("/proc/thread-self/children", pids, max, more)) >= 0 ||
	errno != ENOENT)
	return count;
    *more = 0;
    count = 0;
    if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
	return -1;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
	for (off = 0; off < n; off += de->d_reclen) {
	    de = (struct dirent64 *)(buf + off);
	    if ((pid = parse_num(de->d_name)) <= 0 || proc_ppid(pid) != self)
		continue;
	    if (count < max)
		pids[count++] = (pid_t)pid;
	    else
		*more = 1;
	}
    }
    close(fd);
    return n < 0 ? -1 : count;
}

/*
 * Reap the children that have exited (the command excepted) and, while
 * killing, SIGKILL the others.  Returns how many are alive besides the
 * command (at least 1 when that is not known).
 */
static int
tend_children(struct sup *s)
{
    pid_t	pids[MAXPIDS];
    siginfo_t	si;
    int		n, i, more, live = 0;

    if ((n = list_children(pids, MAXPIDS, &more)) < 0)
	return 1;
    for (i = 0; i < n; i++) {
	if (pids[i] == s->p->cmd)
	    continue;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pids[i], &si, WEXITED | WNOHANG) == 0 &&
	    si.si_pid == pids[i])
	    continue;		/* reaped */
	if (s->killing)
	    kill(pids[i], SIGKILL);	/* our own unreaped child */
	live++;
    }
    return live + more;
}

/* pid's cgroup2 path ends in our cgroup's name */
static int
in_our_cgroup(struct sup *s, pid_t pid)
{
    char	path[64], buf[4096], *line, *end, *slash;
    ssize_t	n;
    size_t	len = strlen(s->cgname);
    int		fd;

    memcpy(path, "/proc/", 6);
    memcpy(put_num(path + 6, (unsigned long)pid), "/cgroup", 8);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
	return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
	return 0;
    buf[n] = '\0';
    for (line = buf; line && *line; line = end ? end + 1 : NULL) {
	if ((end = strchr(line, '\n')) != NULL)
	    *end = '\0';
	if (strncmp(line, "0::", 3) != 0)
	    continue;
	slash = strrchr(line, '/');
	return slash && strlen(slash + 1) == len &&
	       memcmp(slash + 1, s->cgname, len) == 0;
    }
    return 0;
}

/*
 * sig to every member of the cgroup that provably is one; 1 when that
 * was every member (the list was read whole), else 0
 */
static int
signal_members(struct sup *s, int sig)
{
    pid_t	pids[MAXPIDS];
    int		n, i, fd, more;

    if ((n = read_pids(s->procsfile, pids, MAXPIDS, &more)) < 0)
	return 0;
    for (i = 0; i < n; i++) {
	if ((fd = pidfd_open(pids[i], 0)) < 0)
	    continue;
	/* the pidfd's process still lives after the check: the check was of it */
	if (in_our_cgroup(s, pids[i]) && pidfd_send_signal(fd, 0, NULL, 0) == 0)
	    pidfd_send_signal(fd, sig, NULL, 0);
	close(fd);
    }
    return !more;
}

static void
write_kill(const char *file)
{
    int		fd;
    ssize_t	n;

    if ((fd = open(file, O_WRONLY | O_CLOEXEC)) < 0)
	return;
    n = write(fd, "1", 1);
    (void)n;
    close(fd);
}

/*
 * sig to the whole run, by the ways that reach only the run, and other
 * than SIGKILL to each process once: a shell runs its TERM trap for
 * every SIGTERM that arrives after the last one was handled
 */
static void
signal_run(struct sup *s, int sig)
{
    pid_t	pids[MAXPIDS];
    int		n, i, more;

    if (s->killfile[0] != '\0') {
	if (sig == SIGKILL)
	    write_kill(s->killfile);
	else if (signal_members(s, sig))
	    return;		/* the cgroup holds the whole run */
    }
    killpg(s->p->cmd, sig);	/* unreaped: the group id is still its */
    n = list_children(pids, MAXPIDS, &more);
    for (i = 0; i < n; i++)
	if (pids[i] != s->p->cmd &&
	    (sig == SIGKILL || getpgid(pids[i]) != s->p->cmd))
	    kill(pids[i], sig);
}

static void
start_kill(struct sup *s)
{
    s->killing = 1;
    s->have_deadline = 0;
    signal_run(s, SIGKILL);
}

static long
ms_until(const struct timespec *t)
{
    struct timespec	now;
    long		ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms;
}

/* the PMDA is gone: stop the run as it would have, then exit */
static void
pmda_gone(struct sup *s)
{
    s->pmda_gone = 1;
    if (s->killing)
	return;
    if (s->p->grace_ms <= 0) {
	start_kill(s);
	return;
    }
    signal_run(s, SIGTERM);
    clock_gettime(CLOCK_MONOTONIC, &s->deadline);
    s->deadline.tv_sec += s->p->grace_ms / 1000;
    s->deadline.tv_nsec += (s->p->grace_ms % 1000) * 1000000;
    if (s->deadline.tv_nsec >= 1000000000) {
	s->deadline.tv_sec++;
	s->deadline.tv_nsec -= 1000000000;
    }
    s->have_deadline = 1;
}

static void
on_ctl(struct sup *s)
{
    char	c;
    ssize_t	n;

    while ((n = recv(s->ctl, &c, 1, MSG_DONTWAIT)) == 1) {
	if (c == SUP_TERM && !s->killing)
	    signal_run(s, SIGTERM);
	else if (c == SUP_KILL || c == SUP_END) {
	    s->ending |= c == SUP_END;
	    start_kill(s);
	}
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
	return;
    close(s->ctl);
    s->ctl = -1;
    if (!s->ending)
	pmda_gone(s);
}

/* everything is gone: reap the command, tidy up, exit with its status */
static void __attribute__((noreturn))
finish(struct sup *s)
{
    struct timespec	ts = { 0, 5000000 };
    siginfo_t		si;
    int			i;

    while (waitid(P_PID, s->p->cmd, &si, WEXITED) < 0 && errno == EINTR)
	;
    /* nobody else will remove the cgroup (the next PMDA would, at start) */
    if (s->pmda_gone && s->p->cgroup)
	for (i = 0; i < RMDIR_TRIES && rmdir(s->p->cgroup) < 0 &&
		    errno == EBUSY; i++)
	    nanosleep(&ts, NULL);
    _exit(s->status);
}

void
supervise_run(const struct supervise_plan *p)
{
    struct sup			s;
    struct signalfd_siginfo	ssi;
    struct pollfd		pfd[2];
    struct sup_msg		m;
    siginfo_t			si;
    const char			*slash;
    int				live, timeout;
    size_t			len;

    memset(&s, 0, sizeof(s));
    s.p = p;
    s.ctl = p->ctl;
    if (p->cgroup && (len = strlen(p->cgroup)) + 16 < sizeof(s.killfile)) {
	memcpy(s.killfile, p->cgroup, len);
	memcpy(s.killfile + len, "/cgroup.kill", 13);
	memcpy(s.procsfile, p->cgroup, len);
	memcpy(s.procsfile + len, "/cgroup.procs", 14);
	slash = strrchr(p->cgroup, '/');
	s.cgname = slash ? slash + 1 : p->cgroup;
    }
    for (;;) {
	live = tend_children(&s);
	if (!s.cmd_done) {
	    memset(&si, 0, sizeof(si));
	    if (waitid(P_PID, p->cmd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		si.si_pid == p->cmd) {
		s.cmd_done = 1;
		s.status = si.si_code == CLD_EXITED ? si.si_status & 0xff :
			   128 + si.si_status;
	    }
	}
	if (s.cmd_done && live == 0)
	    finish(&s);
	if (s.cmd_done && !s.reported && s.ctl >= 0) {
	    /* it left processes: the PMDA decides when they are stopped */
	    m.type = SUP_MSG_EXIT;
	    m.value = s.status;
	    send(s.ctl, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
	    s.reported = 1;
	}
	if (s.killing)
	    killpg(p->cmd, SIGKILL);

	timeout = -1;
	if (s.killing)
	    timeout = KILL_POLL_MS;
	else if (s.have_deadline)
	    timeout = (int)ms_until(&s.deadline);
	pfd[0].fd = s.ctl;	/* (poll ignores a negative fd) */
	pfd[0].events = POLLIN;
	pfd[1].fd = p->sigfd;
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
	    struct timespec	ts = { 0, KILL_POLL_MS * 1000000L };

	    nanosleep(&ts, NULL);	/* (cannot happen) do not spin */
	}
	if (pfd[1].revents)
	    while (read(p->sigfd, &ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi))
		;
	if (pfd[0].revents && s.ctl >= 0)
	    on_ctl(&s);
	if (s.have_deadline && ms_until(&s.deadline) == 0)
	    start_kill(&s);
    }
}

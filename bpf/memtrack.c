/*
 * memtrack.c - pmpipe-memtrack: heap allocation tracking with eBPF.
 *
 *   pmpipe-memtrack [-m events|summary|leaks] [-i SECONDS] [-f] [-r RINGBYTES] [-x] PID
 *   pmpipe-memtrack [options] -- COMMAND [ARGS...]
 *
 * Loads memtrack.bpf.c, attaches uprobes to the target's libc allocator
 * functions (per process with uprobe_multi, or classic uprobes where
 * that is missing) and prints one JSON object per line on stdout.  A
 * launched command waits on a pipe until every probe is attached.
 *
 * Exit status: 0 done, 1 usage or target error, 2 BPF, BTF or the
 * probes are unavailable (e.g. missing privileges), 3 a tracked process
 * may no longer be observed (its credentials changed, or it became
 * non-dumpable): the reason also goes to PMDAPIPE_REASON_FD.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "memtrack.h"
#include "memtrack.skel.h"
#include "probes.h"
#include "procmaps.h"
#include "ring.h"

#define EXIT_USAGE		1
#define EXIT_NOBPF		2
#define EXIT_CHANGED		3

#define DEFAULT_RING		(16UL << 20)	/* events mode */
#define CONTROL_RING		(256UL << 10)	/* other modes: control records only */
#define DRAIN_MS		100		/* ring drain period */
#define MAX_LINKS		(2 * PROBES_MAX + SITES_MAX + 2)

static const char *progname = "pmpipe-memtrack";

static const char *op_names[MT_OP_MAX] = {
    [MT_OP_MALLOC] = "malloc", [MT_OP_CALLOC] = "calloc",
    [MT_OP_REALLOC] = "realloc", [MT_OP_REALLOCARRAY] = "reallocarray",
    [MT_OP_FREE] = "free", [MT_OP_MEMALIGN] = "memalign",
    [MT_OP_ALIGNED_ALLOC] = "aligned_alloc",
    [MT_OP_POSIX_MEMALIGN] = "posix_memalign", [MT_OP_VALLOC] = "valloc",
    [MT_OP_PVALLOC] = "pvalloc", [MT_OP_MMAP] = "mmap",
    [MT_OP_MUNMAP] = "munmap", [MT_OP_SBRK] = "sbrk", [MT_OP_BRK] = "brk",
};

static const char *mode_names[] = {
    [MT_MODE_EVENTS] = "events", [MT_MODE_SUMMARY] = "summary",
    [MT_MODE_LEAKS] = "leaks", [MT_MODE_EMPTY] = "empty",
};

/* a tracked process */
struct target {
    pid_t		pid;
    __u32		slot;		/* its element of the procs array */
    __u32		changed;	/* enum mt_change: may not be observed */
    int			exit_seen;	/* EXIT record consumed */
    int			exit_ticks;	/* ticks with EXITED set but no record */
    int			have_vmas;	/* vmas came from the kernel at exit */
    struct procmap	vmas;		/* for stack resolution (leaks mode) */
};

struct memtrack {
    /* options */
    int			mode;
    int			follow;
    int			verbose;
    long		interval_ms;
    unsigned long	ring_bytes;
    int			classic;	/* classic uprobes, not uprobe_multi */
    int			exact;		/* -x: requested sizes everywhere */
    int			usable;		/* sizes from glibc's chunk headers */
    int			sites;		/* malloc probed at its return sites */
    int			free_site;	/* free probed past its header load */
    pid_t		pid;		/* the tracked or launched process */
    char		**argv;		/* command to launch, or NULL */

    /* BPF */
    struct memtrack_bpf	*skel;
    struct ring		ring;
    struct bpf_link	*links[MAX_LINKS];
    int			nlinks;
    char		libc[PATH_MAX];
    struct probe_set	probes;

    /* launched command */
    int			gate;		/* write end: one byte releases it */
    int			status;		/* read end: exec errno, or EOF */
    int			child_reaped;

    /* loop */
    int			epfd;
    int			sigfd;
    int			timerfd;
    int			pidfd;		/* the root target, for exit wakeups */
    int			stop;
    int			sts;		/* exit status */
    int			reason_fd;	/* PMDAPIPE_REASON_FD, or -1 */
    const char		*refused;	/* why the PID may not be tracked */
    struct target	*t;
    size_t		nt, maxt;
};

static void
errmsg(const char *fmt, ...)
{
    va_list	ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* why a process may no longer be observed (enum mt_change) */
static const char *change_names[MT_CHG_MAX] = {
    [MT_CHG_EXEC_UID] = "target credentials changed (setuid exec)",
    [MT_CHG_EXEC_GID] = "target credentials changed (setgid exec)",
    [MT_CHG_EXEC_CAPS] = "target gained capabilities (exec)",
    [MT_CHG_UID] = "target credentials changed (user IDs)",
    [MT_CHG_GID] = "target credentials changed (group IDs)",
    [MT_CHG_CAPS] = "target gained capabilities",
    [MT_CHG_DUMPABLE] = "target became non-dumpable",
};

static const char *
change_name(__u32 why)
{
    return why < MT_CHG_MAX && change_names[why] ? change_names[why] :
	   "target may no longer be observed";
}

/*
 * PMDAPIPE_REASON_FD names the write end of a pipe pmdapipe gave us
 * for one line saying why we ended (its END record's pipe.endreason).
 * Not a pipe, or one of our standard descriptors: not ours to touch.
 * Closed on exec and taken out of the environment: a launched command
 * gets neither.
 */
static int
reason_open(void)
{
    const char	*env = getenv("PMDAPIPE_REASON_FD");
    struct stat	st;
    char	*end;
    long	fd;

    if (env == NULL)
	return -1;
    errno = 0;
    fd = strtol(env, &end, 10);
    if (errno || end == env || *end != '\0' || fd <= 2 || fd > INT_MAX ||
	fstat((int)fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
	fd = -1;
    unsetenv("PMDAPIPE_REASON_FD");
    return (int)fd;
}

/* the one line, then close it */
static void
reason_say(struct memtrack *mt, const char *why)
{
    char	line[128];
    int		n;

    if (mt->reason_fd < 0)
	return;
    n = snprintf(line, sizeof(line), "%s\n", why);
    if (n > 0 && write(mt->reason_fd, line, (size_t)n) < 0 && mt->verbose)
	errmsg("cannot write to PMDAPIPE_REASON_FD: %s", strerror(errno));
    close(mt->reason_fd);
    mt->reason_fd = -1;
}

static int verbose_libbpf;

/* -v: libbpf warnings (verifier logs); -vv: everything */
static int
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (verbose_libbpf == 0 || (level == LIBBPF_DEBUG && verbose_libbpf < 2))
	return 0;	/* failures are reported once, by us */
    return vfprintf(stderr, fmt, ap);
}

static void
usage(FILE *f)
{
    fprintf(f,
"usage: %s [-m events|summary|leaks] [-i SECONDS] [-f] [-r RINGBYTES] [-x] [-v] PID\n"
"       %s [options] -- COMMAND [ARGS...]\n"
"  -m MODE   events: every call and summaries (default); summary: totals only;\n"
"            leaks: totals, and outstanding allocations with stacks at exit\n"
"  -i SECS   summary interval (default 1)\n"
"  -f        follow child processes\n"
"  -r BYTES  ring buffer size (K, M suffixes; default 16M in events mode)\n"
"  -x        requested sizes in summary and leaks modes too (glibc: usable\n"
"            sizes from the chunk headers, with fewer probes, by default)\n"
"  -v        explain probe placement on stderr; -vv adds libbpf debug output\n",
	    progname, progname);
}

static int
parse_size(const char *s, unsigned long *out)
{
    char		*end;
    unsigned long	v;

    errno = 0;
    v = strtoul(s, &end, 0);
    if (errno || end == s)
	return -1;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    }
    if (*end != '\0' || v == 0 || v > (1UL << 32))
	return -1;
    *out = v;
    return 0;
}

/* ring buffers are a power of two pages */
static unsigned long
ring_round(unsigned long v)
{
    unsigned long	r = (unsigned long)sysconf(_SC_PAGESIZE);

    while (r < v)
	r <<= 1;
    return r;
}

/* ---- targets ---- */

static struct target *
target_find(struct memtrack *mt, pid_t pid)
{
    size_t	i;

    for (i = 0; i < mt->nt; i++)
	if (mt->t[i].pid == pid)
	    return &mt->t[i];
    return NULL;
}

static struct target *
target_add(struct memtrack *mt, pid_t pid, __u32 slot)
{
    struct target	*t;

    if ((t = target_find(mt, pid)) != NULL)
	return t;
    if (mt->nt == mt->maxt) {
	size_t	max = mt->maxt ? 2 * mt->maxt : 8;

	if ((t = realloc(mt->t, max * sizeof(*t))) == NULL)
	    return NULL;
	mt->t = t;
	mt->maxt = max;
    }
    t = &mt->t[mt->nt++];
    memset(t, 0, sizeof(*t));
    t->pid = pid;
    t->slot = slot;
    return t;
}

static void
target_remove(struct memtrack *mt, struct target *t)
{
    procmap_clear(&t->vmas);
    *t = mt->t[--mt->nt];
}

/* ---- output ---- */

/*
 * Event lines are formatted by hand: at a million calls a second,
 * printf's cost (~0.4 us a line here) is the consumer's main work.
 */
static char *
put_str(char *p, const char *s)
{
    while (*s)
	*p++ = *s++;
    return p;
}

/* "00".."99": two digits per division */
static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static char *
put_dec(char *p, unsigned long long v)
{
    char	tmp[20], *q = tmp + sizeof(tmp);
    size_t	n;

    while (v >= 100) {
	q -= 2;
	memcpy(q, digits2 + 2 * (v % 100), 2);
	v /= 100;
    }
    if (v >= 10) {
	q -= 2;
	memcpy(q, digits2 + 2 * v, 2);
    } else {
	*--q = (char)('0' + v);
    }
    n = (size_t)(tmp + sizeof(tmp) - q);
    memcpy(p, q, n);
    return p + n;
}

static char *
put_sdec(char *p, long long v)
{
    if (v < 0) {
	*p++ = '-';
	return put_dec(p, 0ULL - (unsigned long long)v);
    }
    return put_dec(p, (unsigned long long)v);
}

/* "0x..." with quotes, as printf's "\"0x%llx\"" */
static char *
put_addr(char *p, unsigned long long v)
{
    static const char	hex[] = "0123456789abcdef";
    char		tmp[16], *q = tmp + sizeof(tmp);
    size_t		n;

    while (v >= 0x100) {
	*--q = hex[v & 0xf];
	*--q = hex[(v >> 4) & 0xf];
	v >>= 8;
    }
    *--q = hex[v & 0xf];
    if (v >= 0x10)
	*--q = hex[v >> 4];
    n = (size_t)(tmp + sizeof(tmp) - q);
    memcpy(p, "\"0x", 3);
    memcpy(p + 3, q, n);
    p[3 + n] = '"';
    return p + 4 + n;
}

static void
print_event(const struct mt_event *e)
{
    /* the ids repeat from line to line: their text is kept */
    static __u32	pid, tid;
    static char		ids[64];
    static size_t	idlen;
    const char		*op = e->op < MT_OP_MAX && op_names[e->op] ?
			      op_names[e->op] : "?";
    char		line[192], *p = line;

    if (idlen == 0 || e->pid != pid || e->tid != tid) {
	p = put_str(ids, ",\"pid\":");
	p = put_dec(p, e->pid);
	p = put_str(p, ",\"tid\":");
	p = put_dec(p, e->tid);
	idlen = (size_t)(p - ids);
	pid = e->pid;
	tid = e->tid;
	p = line;
    }
    p = put_str(p, "{\"ts\":");
    p = put_dec(p, e->ts);
    memcpy(p, ids, idlen);
    p += idlen;
    p = put_str(p, ",\"op\":\"");
    p = put_str(p, op);
    *p++ = '"';
    if (e->op != MT_OP_FREE) {
	p = put_str(p, ",\"size\":");
	p = put_sdec(p, e->size);
    }
    p = put_str(p, ",\"addr\":");
    p = put_addr(p, e->addr);
    if (e->op == MT_OP_REALLOC || e->op == MT_OP_REALLOCARRAY) {
	p = put_str(p, ",\"old\":");
	p = put_addr(p, e->old);
    }
    *p++ = '}';
    *p++ = '\n';
    fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
}

/* the process record of t, 0 when it is still t's */
static int
read_proc(struct memtrack *mt, const struct target *t, struct mt_proc *p)
{
    if (bpf_map__lookup_elem(mt->skel->maps.procs, &t->slot, sizeof(t->slot),
			     p, sizeof(*p), 0) != 0)
	return -errno;
    return p->tgid == (__u32)t->pid ? 0 : -ESRCH;
}

static void
print_summary(struct memtrack *mt, const struct target *t)
{
    struct mt_proc	p;

    if (read_proc(mt, t, &p) < 0)
	return;
    printf("{\"type\":\"summary\",\"pid\":%d,\"allocs\":%llu,\"frees\":%llu,"
	   "\"live_bytes\":%lld,\"peak_bytes\":%lld,\"lost\":%llu}\n",
	   (int)t->pid, (unsigned long long)p.allocs, (unsigned long long)p.frees,
	   (long long)p.live_bytes, (long long)p.peak_bytes,
	   (unsigned long long)p.lost);
}

/* a JSON string: file names may hold quotes, backslashes, control bytes */
static void
print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
	if (*s == '"' || *s == '\\')
	    printf("\\%c", *s);
	else if ((unsigned char)*s < 0x20)
	    printf("\\u%04x", (unsigned char)*s);
	else
	    putchar(*s);
    }
    putchar('"');
}

struct leak {
    __u64	addr;
    __u64	size;
    __u64	stack;
};

static int
leak_cmp(const void *a, const void *b)
{
    const struct leak	*x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Outstanding allocations of t, as leak records when print is set;
 * their table entries are deleted either way.
 */
static void
sweep_allocs(struct memtrack *mt, struct target *t, int print)
{
    int			fd = bpf_map__fd(mt->skel->maps.allocs);
    int			sfd = bpf_map__fd(mt->skel->maps.stacks);
    struct mt_alloc_key	key, next, *pkey = NULL;
    struct mt_alloc	val;
    struct mt_stack	st;
    struct leak		*v = NULL, *nv;
    size_t		n = 0, max = 0, i, live;
    char		frame[PATH_MAX + 32];
    __u32		j;

    /* keys hold the pid only when following (memtrack.h) */
    memset(&key, 0, sizeof(key));
    memset(&next, 0, sizeof(next));
    while (bpf_map_get_next_key(fd, pkey, &next) == 0) {
	key = next;
	pkey = &key;
	if (mt->follow && key.pid != (__u32)t->pid)
	    continue;
	memset(&val, 0, sizeof(val));
	if (bpf_map_lookup_elem(fd, &key, &val) != 0)
	    continue;
	if (n == max) {
	    max = max ? 2 * max : 1024;
	    if ((nv = realloc(v, max * sizeof(*v))) == NULL)
		break;
	    v = nv;
	}
	v[n].addr = key.addr;
	v[n].size = val.size;		/* bytes + 1, 0 for a tombstone */
	v[n].stack = val.stack;
	n++;
    }
    /* delete after the walk: get_next_key of a deleted key starts over */
    for (i = 0, live = 0; i < n; i++) {
	key.addr = v[i].addr;
	key.pid = (__u32)t->pid;
	key.pad = 0;
	bpf_map_delete_elem(fd, &key);
	if (v[i].size)
	    v[live++] = v[i];
    }
    n = live;
    if (!print) {
	free(v);
	return;
    }
    if (n > 1)
	qsort(v, n, sizeof(*v), leak_cmp);
    for (i = 0; i < n; i++) {
	v[i].size--;
	printf("{\"type\":\"leak\",\"pid\":%d,\"addr\":\"0x%llx\",\"size\":%llu,"
	       "\"stack\":[", (int)t->pid, (unsigned long long)v[i].addr,
	       (unsigned long long)v[i].size);
	if (v[i].stack && bpf_map_lookup_elem(sfd, &v[i].stack, &st) == 0) {
	    for (j = 0; j < st.nr && j < MT_STACK_DEPTH; j++) {
		procmap_format(&t->vmas, st.ip[j], frame, sizeof(frame));
		if (j)
		    putchar(',');
		print_json_string(frame);
	    }
	}
	printf("]}\n");
    }
    free(v);
}

/* print the final records of t and stop tracking it */
static void
finish_target(struct memtrack *mt, struct target *t)
{
    __u32	key = (__u32)t->pid;
    int		sts;

    if (t->changed) {
	/* nothing more of it reaches the client, and the tool ends */
	errmsg("process %d: %s: tracking stopped", (int)t->pid,
	       change_name(t->changed));
	if (mt->sts != EXIT_CHANGED)
	    reason_say(mt, change_name(t->changed));
	mt->sts = EXIT_CHANGED;
	mt->stop = 1;
	sweep_allocs(mt, t, 0);
    } else if (mt->mode == MT_MODE_LEAKS) {
	/* still alive (we are stopping): its maps are readable now */
	if (!t->have_vmas)
	    procmap_read(t->pid, &t->vmas);
	sweep_allocs(mt, t, 1);
    } else if (!mt->stop) {
	sweep_allocs(mt, t, 0);
    }
    if (!t->changed)
	print_summary(mt, t);
    sts = bpf_map__delete_elem(mt->skel->maps.pids, &key, sizeof(key), 0);
    /* a followed child may reuse the slot (not while we are stopping) */
    if (sts == 0 && !mt->stop)
	bpf_map__update_elem(mt->skel->maps.free_slots, NULL, 0, &t->slot,
			     sizeof(t->slot), 0);
    target_remove(mt, t);
}

/* ---- ring buffer ---- */

static int
on_record(void *ctx, const void *data, size_t len)
{
    struct memtrack		*mt = ctx;
    const struct mt_event	*e = data;
    const struct mt_vma		*v = data;
    struct target		*t;
    char			name[MT_NAME_LEN + 1];

    if (len < sizeof(*e))
	return 0;
    switch (e->rec) {
    case MT_REC_EVENT:
	if ((t = target_find(mt, (pid_t)e->pid)) == NULL || !t->changed)
	    print_event(e);
	break;
    case MT_REC_CHANGED:
	if ((t = target_find(mt, (pid_t)e->pid)) != NULL && !t->changed)
	    t->changed = e->op ? e->op : MT_CHG_MAX;
	break;
    case MT_REC_FORK:
	if (target_add(mt, (pid_t)e->pid, e->slot) == NULL)
	    return -ENOMEM;
	if (mt->verbose)
	    fprintf(stderr, "%s: following %u (child of %llu)\n", progname,
		    e->pid, (unsigned long long)e->old);
	break;
    case MT_REC_EXIT:
	if ((t = target_find(mt, (pid_t)e->pid)) != NULL)
	    t->exit_seen = 1;
	break;
    case MT_REC_VMA:
	if (len < sizeof(*v) || (t = target_find(mt, (pid_t)e->pid)) == NULL)
	    break;
	if (!t->have_vmas) {
	    procmap_clear(&t->vmas);
	    t->have_vmas = 1;
	}
	memcpy(name, v->name, MT_NAME_LEN);
	name[MT_NAME_LEN] = '\0';
	procmap_add(&t->vmas, v->start, v->end,
		    v->pgoff * (unsigned long)sysconf(_SC_PAGESIZE), name);
	break;
    }
    return 0;
}

static void
drain(struct memtrack *mt)
{
    ring_consume(&mt->ring, on_record, mt);
}

/*
 * mt_check for t: take its starting credentials (snapshot), or compare;
 * enum mt_change or MT_CHECK_GONE; *dumpable when asked.
 */
static __u32
check_cred(struct memtrack *mt, const struct target *t, int snapshot,
	   int *dumpable)
{
    struct mt_check_args	a = { .pid = (__u32)t->pid, .slot = t->slot,
				      .snapshot = (__u32)snapshot };
    LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &a, .ctx_size_in = sizeof(a));

    if (bpf_prog_test_run_opts(bpf_program__fd(mt->skel->progs.mt_check),
			       &o) < 0)
	return MT_CHECK_GONE;
    if (dumpable)
	*dumpable = (int)a.dumpable;
    return a.result;
}

/*
 * After a drain: finish targets whose EXIT record arrived; on a tick
 * also pick up followed children and exits whose record was lost (the
 * EXITED flag stays set for two ticks without one), and print summaries.
 */
static void
check_targets(struct memtrack *mt, int tick)
{
    int			fd = bpf_map__fd(mt->skel->maps.pids);
    __u32		key, next, *pkey = NULL, slot, why;
    struct mt_proc	p;
    struct target	*t;
    size_t		i;

    for (i = 0; i < mt->nt; ) {
	if (mt->t[i].exit_seen || mt->t[i].changed)
	    finish_target(mt, &mt->t[i]);
	else
	    i++;
    }
    if (!tick)
	return;
    while (bpf_map_get_next_key(fd, pkey, &next) == 0) {
	key = next;
	pkey = &key;
	if (bpf_map_lookup_elem(fd, &key, &slot) != 0)
	    continue;
	if ((t = target_add(mt, (pid_t)key, slot)) == NULL)
	    continue;
	if (read_proc(mt, t, &p) == 0 && (p.flags & MT_PROC_EXITED) &&
	    ++t->exit_ticks > 2)
	    t->exit_seen = 1;
    }
    for (i = 0; i < mt->nt; ) {
	t = &mt->t[i];
	/* changed with no allocator call since; or a lost CHANGED record */
	if (!t->exit_seen) {
	    why = check_cred(mt, t, 0, NULL);
	    if (why != MT_CHG_NONE && why != MT_CHECK_GONE)
		t->changed = why;
	    else if (read_proc(mt, t, &p) == 0 && (p.flags & MT_PROC_CHANGED))
		t->changed = p.changed ? p.changed : MT_CHG_MAX;
	}
	if (t->exit_seen || t->changed) {
	    finish_target(mt, t);
	    continue;
	}
	/* for kernels that cannot send the mappings at exit (< 6.16) */
	if (mt->mode == MT_MODE_LEAKS && !t->have_vmas)
	    procmap_read(t->pid, &t->vmas);
	print_summary(mt, t);
	i++;
    }
}

static void
report_lost(struct memtrack *mt)
{
    int		ncpu = libbpf_num_possible_cpus();
    __u64	*v, tot[MT_LOST_MAX] = { 0 };
    __u32	k;
    int		c;

    if (ncpu <= 0 || (v = calloc(ncpu, sizeof(*v))) == NULL)
	return;
    for (k = 0; k < MT_LOST_MAX; k++) {
	if (bpf_map_lookup_elem(bpf_map__fd(mt->skel->maps.lost), &k, v) != 0)
	    continue;
	for (c = 0; c < ncpu; c++)
	    tot[k] += v[c];
    }
    free(v);
    if (tot[MT_LOST_RING] || tot[MT_LOST_TABLE] || tot[MT_LOST_THREAD])
	errmsg("lost records: %llu ring buffer full, %llu allocation table full, "
	       "%llu no thread state",
	       (unsigned long long)tot[MT_LOST_RING],
	       (unsigned long long)tot[MT_LOST_TABLE],
	       (unsigned long long)tot[MT_LOST_THREAD]);
}

/* ---- launching a command ---- */

/* argv[0] as execve wants it, resolved now: the child must not allocate */
static int
resolve_command(const char *cmd, char *out, size_t len)
{
    const char	*path, *p, *q;
    size_t	n;

    if (strchr(cmd, '/')) {
	if ((size_t)snprintf(out, len, "%s", cmd) >= len)
	    return -ENAMETOOLONG;
	return access(out, X_OK) == 0 ? 0 : -errno;
    }
    if ((path = getenv("PATH")) == NULL)
	path = "/usr/local/bin:/usr/bin:/bin";
    for (p = path; ; p = q + 1) {
	q = strchr(p, ':');
	n = q ? (size_t)(q - p) : strlen(p);
	if ((size_t)snprintf(out, len, "%.*s/%s", (int)n, n ? p : ".", cmd) < len &&
	    access(out, X_OK) == 0)
	    return 0;
	if (!q)
	    break;
    }
    return -ENOENT;
}

/*
 * Fork the command, held before execve until launch_release(); the
 * child only waits, restores the signal mask and calls execve.
 */
static int
launch(struct memtrack *mt, const sigset_t *oldmask)
{
    char	path[PATH_MAX];
    int		gate[2] = { -1, -1 }, st[2] = { -1, -1 };
    int		sts, err;
    pid_t	pid;
    char	c;

    if ((sts = resolve_command(mt->argv[0], path, sizeof(path))) < 0) {
	errmsg("%s: %s", mt->argv[0], strerror(-sts));
	return sts;
    }
    if (pipe2(gate, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
	sts = -errno;
	goto fail;
    }
    if ((pid = fork()) < 0) {
	sts = -errno;
	goto fail;
    }
    if (pid == 0) {
	close(gate[1]);
	close(st[0]);
	if (read(gate[0], &c, 1) != 1)
	    _exit(127);			/* we gave up: never run it */
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	/* our capabilities (CAP_BPF, CAP_PERFMON) are not the command's */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	execve(path, mt->argv, environ);
	err = errno;
	if (write(st[1], &err, sizeof(err)) < 0)
	    _exit(127);
	_exit(127);
    }
    close(gate[0]);
    close(st[1]);
    mt->pid = pid;
    mt->gate = gate[1];
    mt->status = st[0];
    mt->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;

fail:
    errmsg("cannot start %s: %s", mt->argv[0], strerror(-sts));
    if (gate[0] >= 0) {
	close(gate[0]);
	close(gate[1]);
    }
    if (st[0] >= 0) {
	close(st[0]);
	close(st[1]);
    }
    return sts;
}

/* let the held child run; 0 once it has exec'd, else -errno of execve */
static int
launch_release(struct memtrack *mt)
{
    ssize_t	n;
    int		err = 0;

    if (write(mt->gate, "g", 1) != 1)
	return -errno;
    close(mt->gate);
    mt->gate = -1;
    do
	n = read(mt->status, &err, sizeof(err));
    while (n < 0 && errno == EINTR);
    close(mt->status);
    mt->status = -1;
    return n == (ssize_t)sizeof(err) ? -err : 0;
}

/* kill a held child that will never be released, and reap it */
static void
launch_abort(struct memtrack *mt)
{
    if (mt->gate >= 0) {
	close(mt->gate);		/* it exits on EOF */
	mt->gate = -1;
	waitpid(mt->pid, NULL, 0);
	mt->child_reaped = 1;
    }
    if (mt->status >= 0) {
	close(mt->status);
	mt->status = -1;
    }
}

/* ---- BPF set-up ---- */

/*
 * malloc's return sites by the low 12 bits of their address (that of
 * their file offset: mappings are page-aligned), when no two share
 * them, so mt_site needs no cookie; where free finds its return address.
 */
static void
site_rodata(const struct memtrack *mt, struct memtrack_bpf *skel)
{
    const struct probe_set	*ps = &mt->probes;
    unsigned			k;
    int				i;

    skel->rodata->free_ret = (__u32)ps->free_ret;
    if (!mt->sites)
	return;
    for (i = 0; i < ps->nsites; i++) {
	k = ps->site[i].offset & 0xfff;
	if (skel->rodata->site_ck[k] != 0) {
	    memset((void *)skel->rodata->site_ck, 0, sizeof(skel->rodata->site_ck));
	    return;
	}
	skel->rodata->site_ck[k] = ps->site[i].cookie;
    }
    skel->rodata->sites_by_ip = true;
}

/* the loaded skeleton, or NULL with -errno in *sts (never 0 then) */
static struct memtrack_bpf *
open_load(struct memtrack *mt, int *sts)
{
    struct memtrack_bpf	*skel;
    unsigned long	ring = mt->ring_bytes;

    if ((skel = memtrack_bpf__open()) == NULL) {
	*sts = errno > 0 ? -errno : -ENOMEM;
	errmsg("cannot open BPF object: %s", strerror(-*sts));
	return NULL;
    }
    skel->rodata->mode = (__u32)mt->mode;
    skel->rodata->follow = mt->follow != 0;
    skel->rodata->usable = mt->usable != 0;
    skel->rodata->wakeup_bytes = ring / 8;
    /* the fill queried every 64 records a CPU, or often enough for 1/8 of that */
    skel->rodata->query_every = (__u32)(ring / 8 / 8 / sizeof(struct mt_event));
    if (skel->rodata->query_every > 64)
	skel->rodata->query_every = 64;
    if (skel->rodata->query_every < 1)
	skel->rodata->query_every = 1;
    skel->rodata->ncpus = (__u32)(libbpf_num_possible_cpus() > 0 ?
				  libbpf_num_possible_cpus() : 1);
    site_rodata(mt, skel);
    bpf_map__set_max_entries(skel->maps.events, (__u32)ring);
    /* smaller table entries: the address alone names a block of one process */
    if (!mt->follow)
	bpf_map__set_key_size(skel->maps.allocs, sizeof(__u64));
    if (mt->mode != MT_MODE_LEAKS) {
	bpf_map__set_value_size(skel->maps.allocs, sizeof(__u64));
	bpf_map__set_max_entries(skel->maps.stacks, 1);
	bpf_map__set_max_entries(skel->maps.scratch, 1);
    }
    if (mt->classic) {
	bpf_program__set_expected_attach_type(skel->progs.mt_entry, 0);
	bpf_program__set_expected_attach_type(skel->progs.mt_entry_malloc, 0);
	bpf_program__set_expected_attach_type(skel->progs.mt_entry_free, 0);
	bpf_program__set_expected_attach_type(skel->progs.mt_return, 0);
	bpf_program__set_expected_attach_type(skel->progs.mt_site, 0);
	bpf_program__set_expected_attach_type(skel->progs.mt_free, 0);
    }
    if ((*sts = memtrack_bpf__load(skel)) < 0) {
	memtrack_bpf__destroy(skel);
	return NULL;
    }
    return skel;
}

static void
detach_all(struct memtrack *mt)
{
    while (mt->nlinks > 0)
	bpf_link__destroy(mt->links[--mt->nlinks]);
}

static int
keep_link(struct memtrack *mt, struct bpf_link *l)
{
    if (l == NULL)
	return -errno;
    mt->links[mt->nlinks++] = l;
    return 0;
}

/* offsets and cookies of one uprobe_multi link */
struct attach_list {
    unsigned long	off[PROBES_MAX + SITES_MAX];
    __u64		cookie[PROBES_MAX + SITES_MAX];
    size_t		n;
};

static void
list_add(struct attach_list *l, unsigned long off, __u64 cookie)
{
    l->off[l->n] = off;
    l->cookie[l->n++] = cookie;
}

static int
attach_list(struct memtrack *mt, struct bpf_program *prog, pid_t pid,
	    const struct attach_list *l, int retprobe)
{
    size_t	i;
    int		sts;

    if (l->n == 0)
	return 0;
    if (!mt->classic) {
	LIBBPF_OPTS(bpf_uprobe_multi_opts, mo);

	mo.offsets = l->off;
	mo.cookies = l->cookie;
	mo.cnt = l->n;
	mo.retprobe = retprobe;
	return keep_link(mt, bpf_program__attach_uprobe_multi(prog, pid,
					mt->libc, NULL, &mo));
    }
    for (i = 0; i < l->n; i++) {
	LIBBPF_OPTS(bpf_uprobe_opts, uo);

	uo.bpf_cookie = l->cookie[i];
	uo.retprobe = retprobe;
	sts = keep_link(mt, bpf_program__attach_uprobe_opts(prog, pid,
					mt->libc, l->off[i], &uo));
	if (sts < 0)
	    return sts;
    }
    return 0;
}

/*
 * Return probes first: a call entered between two attachments must not
 * leave the depth counter raised with no return probe to lower it.  On
 * the usable path malloc has no entry probe: a return probe that knows
 * it (MT_CK_RETONLY), or its return sites instead.
 */
static int
attach_uprobes(struct memtrack *mt, pid_t pid)
{
    struct probe_set	*ps = &mt->probes;
    struct attach_list	*ret, *site, *fsite, *ent, *ment, *fent, *to;
    int			i, plain, sts, own;

    if ((ret = calloc(6, sizeof(*ret))) == NULL)
	return -ENOMEM;
    site = ret + 1;
    fsite = ret + 2;
    ent = ret + 3;
    ment = ret + 4;
    fent = ret + 5;
    /* malloc and free have entry programs of their own but in empty mode */
    own = mt->mode != MT_MODE_EMPTY;
    for (i = 0; i < ps->n; i++) {
	plain = !mt->usable || ps->p[i].op != MT_OP_MALLOC;
	if (ps->p[i].ret && (plain || !mt->sites))
	    list_add(ret, ps->p[i].offset,
		     (__u64)ps->p[i].op | (plain ? 0 : MT_CK_RETONLY));
	if (mt->free_site && ps->p[i].op == MT_OP_FREE)
	    list_add(fsite, ps->free_offset, (__u64)MT_OP_FREE | MT_CK_SITE |
		     (__u64)ps->free_ret << MT_CK_RET_SHIFT);
	else if (plain) {
	    to = !own ? ent : ps->p[i].op == MT_OP_MALLOC ? ment :
		 ps->p[i].op == MT_OP_FREE ? fent : ent;
	    list_add(to, ps->p[i].offset, (__u64)ps->p[i].op);
	}
    }
    for (i = 0; mt->sites && i < ps->nsites; i++)
	list_add(site, ps->site[i].offset, ps->site[i].cookie);
    if ((sts = attach_list(mt, mt->skel->progs.mt_return, pid, ret, 1)) == 0 &&
	(sts = attach_list(mt, mt->skel->progs.mt_site, pid, site, 0)) == 0 &&
	(sts = attach_list(mt, mt->skel->progs.mt_free, pid, fsite, 0)) == 0 &&
	(sts = attach_list(mt, mt->skel->progs.mt_entry_malloc, pid, ment, 0)) == 0 &&
	(sts = attach_list(mt, mt->skel->progs.mt_entry_free, pid, fent, 0)) == 0)
	sts = attach_list(mt, mt->skel->progs.mt_entry, pid, ent, 0);
    free(ret);
    return sts;
}

/*
 * The credentials the process starts with, before the probes see it.
 * A process we attach to must be one the kernel would let its owner
 * ptrace: user and group IDs each all the same (not running a set-user-
 * or set-group-ID program), and dumpable.  A launched command is our
 * own child, not yet exec'd: its exec is checked as it happens.
 * 0, 1 when refused (mt->refused says why), or -errno.
 */
static int
snapshot_cred(struct memtrack *mt)
{
    struct target	t = { .pid = mt->pid, .slot = 0 };
    struct mt_proc	p;
    int			dumpable = 1, sts;

    if (check_cred(mt, &t, 1, &dumpable) != MT_CHG_NONE)
	return -ESRCH;
    if (mt->argv)
	return 0;
    if ((sts = read_proc(mt, &t, &p)) < 0)
	return sts;
    if (p.cred.id[0] != p.cred.id[1] || p.cred.id[0] != p.cred.id[2] ||
	p.cred.id[4] != p.cred.id[5] || p.cred.id[4] != p.cred.id[6])
	mt->refused = "target runs with other credentials than its owner's "
		      "(set-user-ID or set-group-ID)";
    else if (!dumpable)
	mt->refused = "target is not dumpable";
    return mt->refused != NULL;
}

static int
attach_all(struct memtrack *mt)
{
    struct mt_proc	p;
    __u32		key = (__u32)mt->pid, slot = 0;
    int			sts;

    /* the first target takes slot 0; followed children get the others */
    memset(&p, 0, sizeof(p));
    p.tgid = key;
    if (bpf_map__update_elem(mt->skel->maps.procs, &slot, sizeof(slot),
			     &p, sizeof(p), BPF_ANY) != 0)
	return -errno;
    if ((sts = snapshot_cred(mt)) != 0)
	return sts < 0 ? sts : 0;	/* refused: nothing attached */
    if (bpf_map__update_elem(mt->skel->maps.pids, &key, sizeof(key),
			     &slot, sizeof(slot), BPF_ANY) != 0)
	return -errno;
    if (mt->follow &&
	(sts = keep_link(mt, bpf_program__attach(mt->skel->progs.mt_fork))) < 0)
	return sts;
    if ((sts = keep_link(mt, bpf_program__attach(mt->skel->progs.mt_exit))) < 0 ||
	(sts = keep_link(mt, bpf_program__attach(mt->skel->progs.mt_exec))) < 0)
	return sts;
    /* followed children are new processes: probe every process, filter in BPF */
    return attach_uprobes(mt, mt->follow ? -1 : mt->pid);
}

static void
bpf_teardown(struct memtrack *mt)
{
    ring_close(&mt->ring);
    detach_all(mt);
    memtrack_bpf__destroy(mt->skel);	/* NULL-safe */
    mt->skel = NULL;
}

/*
 * Load and attach; uprobe_multi first, classic uprobes when the kernel
 * lacks it (or PMPIPE_MEMTRACK_UPROBES=classic).  One message on failure.
 */
static int
bpf_setup(struct memtrack *mt)
{
    const char	*env = getenv("PMPIPE_MEMTRACK_UPROBES");
    const char	*what = NULL, *hint = "";
    int		sts;

    mt->classic = env && strcmp(env, "classic") == 0;
    for (;;) {
	if ((mt->skel = open_load(mt, &sts)) == NULL) {
	    what = "cannot load BPF programs";
	    if (sts == -EPERM || sts == -EACCES)
		hint = " (needs CAP_BPF and CAP_PERFMON)";
	} else if ((sts = attach_all(mt)) < 0) {
	    what = "cannot attach probes";
	    if (sts == -EPERM || sts == -EACCES)
		hint = mt->classic ? " (classic uprobes need CAP_SYS_ADMIN)" :
				     " (needs CAP_BPF and CAP_PERFMON)";
	    bpf_teardown(mt);
	} else {
	    break;
	}
	if (mt->classic || sts == -EPERM || sts == -EACCES) {
	    errmsg("%s: %s%s", what, strerror(-sts), hint);
	    return sts;
	}
	if (mt->verbose)
	    errmsg("uprobe_multi: %s: %s; trying classic uprobes", what,
		   strerror(-sts));
	mt->classic = 1;
    }
    if ((sts = ring_open(&mt->ring, bpf_map__fd(mt->skel->maps.events),
			 mt->ring_bytes)) < 0) {
	errmsg("cannot set up the ring buffer: %s", strerror(-sts));
	bpf_teardown(mt);
	return sts;
    }
    return 0;
}

/* ---- the loop ---- */

enum { W_RING = 1, W_SIGNAL, W_TIMER, W_PIDFD };

static int
watch(struct memtrack *mt, int fd, int tag)
{
    struct epoll_event	ev = { .events = EPOLLIN, .data.u32 = (uint32_t)tag };

    return epoll_ctl(mt->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int
loop_setup(struct memtrack *mt, const sigset_t *sigs)
{
    struct itimerspec	its;

    if ((mt->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	(mt->sigfd = signalfd(-1, sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	(mt->timerfd = timerfd_create(CLOCK_MONOTONIC,
				      TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
	return -errno;
    its.it_interval.tv_sec = mt->interval_ms / 1000;
    its.it_interval.tv_nsec = (mt->interval_ms % 1000) * 1000000L;
    its.it_value = its.it_interval;
    if (timerfd_settime(mt->timerfd, 0, &its, NULL) < 0)
	return -errno;
    if (watch(mt, mt->ring.fd, W_RING) < 0 ||
	watch(mt, mt->sigfd, W_SIGNAL) < 0 || watch(mt, mt->timerfd, W_TIMER) < 0)
	return -errno;
    if (mt->pidfd >= 0 && watch(mt, mt->pidfd, W_PIDFD) < 0)
	return -errno;
    return 0;
}

static void
run(struct memtrack *mt)
{
    struct epoll_event		ev[8];
    struct signalfd_siginfo	si;
    struct target		*t;
    uint64_t			ticks;
    int				n, i, tick, root_gone;

    while (!mt->stop && mt->nt > 0) {
	n = epoll_wait(mt->epfd, ev, 8, DRAIN_MS);
	if (n < 0 && errno != EINTR) {
	    errmsg("epoll_wait: %s", strerror(errno));
	    mt->stop = 1;
	    break;
	}
	tick = root_gone = 0;
	for (i = 0; i < n; i++) {
	    switch (ev[i].data.u32) {
	    case W_SIGNAL:
		while (read(mt->sigfd, &si, sizeof(si)) == sizeof(si))
		    mt->stop = 1;
		break;
	    case W_TIMER:
		if (read(mt->timerfd, &ticks, sizeof(ticks)) > 0)
		    tick = 1;
		break;
	    case W_PIDFD:
		/* readable from now on: look once, then stop watching */
		epoll_ctl(mt->epfd, EPOLL_CTL_DEL, mt->pidfd, NULL);
		root_gone = 1;
		break;
	    }
	}
	drain(mt);
	/*
	 * The exit tracepoint runs before the pidfd turns readable, so its
	 * records are in; and if it exited before we attached, none will come.
	 */
	if (root_gone && (t = target_find(mt, mt->pid)) != NULL)
	    t->exit_seen = 1;
	check_targets(mt, tick);
	fflush(stdout);
    }
    if (mt->stop) {
	drain(mt);
	check_targets(mt, 0);
	while (mt->nt > 0)
	    finish_target(mt, &mt->t[0]);
    }
    fflush(stdout);
}

/*
 * -v: what each BPF program cost, from the kernel's own accounting
 * (kernel.bpf_stats_enabled = 1: run count and time per program).
 */
static void
report_cost(struct memtrack *mt)
{
    struct bpf_program		*prog;
    struct bpf_prog_info	info;
    __u32			len;

    bpf_object__for_each_program(prog, mt->skel->obj) {
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_program__fd(prog) < 0 ||
	    bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0)
	    continue;
	if (info.run_cnt == 0)
	    continue;
	errmsg("%-10s %12llu runs %8.1f ns/run", bpf_program__name(prog),
	       (unsigned long long)info.run_cnt,
	       (double)info.run_time_ns / (double)info.run_cnt);
    }
}

static void
print_probes(struct memtrack *mt)
{
    static const char *const regs[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"
    };
    const char	*base = strrchr(mt->libc, '/');
    int		i;

    base = base ? base + 1 : mt->libc;
    for (i = 0; i < mt->probes.n; i++)
	fprintf(stderr, "%s: %-14s %s+0x%lx %s(%s)\n", progname,
		mt->probes.p[i].name, base, mt->probes.p[i].offset,
		mt->probes.p[i].ret ? "+ return " : "", mt->probes.p[i].why);
    if (!mt->usable) {
	errmsg("sizes: requested (%s)", mt->exact ? "-x" :
	       mt->mode == MT_MODE_EVENTS ? "events mode" : mt->probes.glibc_why);
	return;
    }
    if (mt->free_site)
	errmsg("sizes: usable, glibc free at %s+0x%lx (%s)", base,
	       mt->probes.free_offset, mt->probes.free_why);
    else
	errmsg("sizes: usable, glibc free at its entry (%s)",
	       mt->mode == MT_MODE_LEAKS ? "leaks mode" : mt->probes.free_why);
    if (!mt->sites) {
	errmsg("sizes: usable, glibc malloc by its return probe (%s)",
	       mt->mode == MT_MODE_LEAKS ? "leaks mode" : mt->probes.sites_why);
	return;
    }
    errmsg("sizes: usable, glibc malloc at %d return sites (%s):",
	   mt->probes.nsites, mt->probes.sites_why);
    for (i = 0; i < mt->probes.nsites; i++) {
	unsigned	ck = mt->probes.site[i].cookie;

	fprintf(stderr, "%s:   %s+0x%lx %s%s%s%s%s\n", progname, base,
		mt->probes.site[i].offset,
		ck & MT_CK_TAKEN ? "taken" : "",
		(ck & (MT_CK_TAKEN | MT_CK_FALLTHRU)) ==
		(MT_CK_TAKEN | MT_CK_FALLTHRU) ? " and fall-through" :
		ck & MT_CK_FALLTHRU ? "fall-through" : "",
		ck & MT_CK_TCACHE ? " (a tcache block: its bin index in %" : "",
		ck & MT_CK_TCACHE ? regs[MT_CK_REG(ck)] : "",
		ck & MT_CK_TCACHE ? ")" : "");
    }
}

int
main(int argc, char **argv)
{
    struct memtrack	mt = {
	.mode = MT_MODE_EVENTS, .interval_ms = 1000, .gate = -1, .status = -1,
	.epfd = -1, .sigfd = -1, .timerfd = -1, .pidfd = -1, .ring.fd = -1,
	.reason_fd = -1,
    };
    char		err[PATH_MAX + 128], *end;
    const char		*env;
    sigset_t		sigs, oldmask;
    struct rlimit	rl = { RLIM_INFINITY, RLIM_INFINITY };
    double		secs;
    long		pid;
    int			c, sts, exec_err;

    while ((c = getopt(argc, argv, "+m:i:fr:vxh")) != -1) {
	switch (c) {
	case 'm':
	    for (mt.mode = 0; mt.mode <= MT_MODE_EMPTY; mt.mode++)
		if (strcmp(optarg, mode_names[mt.mode]) == 0)
		    break;
	    if (mt.mode > MT_MODE_EMPTY) {
		errmsg("unknown mode \"%s\"", optarg);
		return EXIT_USAGE;
	    }
	    break;
	case 'i':
	    secs = strtod(optarg, &end);
	    if (*end != '\0' || !(secs >= 0.001 && secs <= 86400)) {
		errmsg("bad interval \"%s\"", optarg);
		return EXIT_USAGE;
	    }
	    mt.interval_ms = (long)(secs * 1000 + 0.5);
	    break;
	case 'f':
	    mt.follow = 1;
	    break;
	case 'r':
	    if (parse_size(optarg, &mt.ring_bytes) < 0) {
		errmsg("bad ring buffer size \"%s\"", optarg);
		return EXIT_USAGE;
	    }
	    break;
	case 'v':
	    mt.verbose++;
	    break;
	case 'x':
	    mt.exact = 1;
	    break;
	case 'h':
	    usage(stdout);
	    return 0;
	default:
	    usage(stderr);
	    return EXIT_USAGE;
	}
    }
    if (optind > 1 && strcmp(argv[optind - 1], "--") == 0) {
	if (optind >= argc) {
	    usage(stderr);
	    return EXIT_USAGE;
	}
	mt.argv = argv + optind;
    } else {
	if (optind != argc - 1) {
	    usage(stderr);
	    return EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end != '\0' || pid <= 0 || pid > INT_MAX) {
	    errmsg("bad PID \"%s\"", argv[optind]);
	    return EXIT_USAGE;
	}
	mt.pid = (pid_t)pid;
    }
    if (mt.ring_bytes == 0)
	mt.ring_bytes = mt.mode == MT_MODE_EVENTS ? DEFAULT_RING : CONTROL_RING;
    mt.ring_bytes = ring_round(mt.ring_bytes);
    verbose_libbpf = mt.verbose;
    libbpf_set_print(libbpf_print);
    mt.reason_fd = reason_open();
    /* the loop flushes after each drain: big writes at high rates */
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);

    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
	errmsg("kernel BTF is not available (/sys/kernel/btf/vmlinux: %s)",
	       strerror(errno));
	return EXIT_NOBPF;
    }
    /* not needed with memcg accounting of BPF memory (Linux >= 5.11) */
    if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0 && mt.verbose)
	errmsg("warning: cannot raise RLIMIT_MEMLOCK: %s", strerror(errno));

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &sigs, &oldmask);

    if (mt.argv) {
	if (launch(&mt, &oldmask) < 0)
	    return EXIT_USAGE;
    } else if ((mt.pidfd = (int)syscall(SYS_pidfd_open, mt.pid, 0)) < 0) {
	errmsg("process %d: %s", (int)mt.pid, errno == EINVAL ?
	       "not a process ID (a thread ID?)" : strerror(errno));
	return EXIT_USAGE;
    }

    sts = EXIT_NOBPF;
    if ((c = procmap_libc(mt.pid, mt.libc, sizeof(mt.libc))) < 0) {
	if (c == -ENOENT)
	    errmsg("process %d: no C library mapped (statically linked?)",
		   (int)mt.pid);
	else if (c == -EXDEV)
	    errmsg("process %d: cannot reach its C library (in another mount "
		   "namespace: needs CAP_SYS_PTRACE)", (int)mt.pid);
	else
	    errmsg("cannot read /proc/%d/maps: %s", (int)mt.pid, strerror(-c));
	goto cleanup;
    }
    if (probes_resolve(mt.libc, &mt.probes, err, sizeof(err)) < 0) {
	errmsg("%s", err);
	goto cleanup;
    }
    /* usable sizes where glibc's allocator keeps them; never for events */
    mt.usable = mt.probes.glibc && !mt.exact && mt.mode != MT_MODE_EVENTS;
    mt.sites = mt.usable && mt.mode != MT_MODE_LEAKS && mt.probes.nsites > 0;
    mt.free_site = mt.usable && mt.mode != MT_MODE_LEAKS && mt.probes.free_site;
    if ((env = getenv("PMPIPE_MEMTRACK_SITES")) && strcmp(env, "no") == 0) {
	/* for tests: the return probe path these replace */
	mt.sites = mt.free_site = 0;
	snprintf(mt.probes.sites_why, sizeof(mt.probes.sites_why),
		 "PMPIPE_MEMTRACK_SITES=no");
	snprintf(mt.probes.free_why, sizeof(mt.probes.free_why),
		 "PMPIPE_MEMTRACK_SITES=no");
    }
    if ((env = getenv("PMPIPE_MEMTRACK_PLACE")) && strcmp(env, "entry") == 0) {
	/* for benchmarks: what the placement saves */
	for (c = 0; c < mt.probes.n; c++) {
	    mt.probes.p[c].offset = mt.probes.p[c].entry;
	    snprintf(mt.probes.p[c].why, sizeof(mt.probes.p[c].why),
		     "entry: PMPIPE_MEMTRACK_PLACE=entry");
	}
    }
    if (mt.verbose)
	print_probes(&mt);
    if (bpf_setup(&mt) < 0)
	goto cleanup;
    if (mt.refused) {
	errmsg("process %d: %s: not tracked", (int)mt.pid, mt.refused);
	reason_say(&mt, mt.refused);
	sts = EXIT_CHANGED;
	goto cleanup;
    }
    if (mt.verbose)
	errmsg("%s, %s mode, ring buffer %lu bytes", mt.classic ?
	       "classic uprobes" : "uprobe_multi", mode_names[mt.mode],
	       mt.ring_bytes);
    sts = EXIT_USAGE;
    if (target_add(&mt, mt.pid, 0) == NULL || loop_setup(&mt, &sigs) < 0) {
	errmsg("cannot set up: %s", strerror(errno));
	goto cleanup;
    }
    printf("{\"type\":\"attached\",\"pid\":%d,\"sizes\":\"%s\"}\n", (int)mt.pid,
	   mt.usable ? "usable" : "requested");
    fflush(stdout);
    sts = 0;
    if (mt.argv && (exec_err = launch_release(&mt)) < 0) {
	errmsg("cannot execute %s: %s", mt.argv[0], strerror(-exec_err));
	sts = EXIT_USAGE;
    }
    run(&mt);
    if (mt.sts == EXIT_CHANGED)
	sts = EXIT_CHANGED;
    report_lost(&mt);
    if (mt.verbose)
	report_cost(&mt);

cleanup:
    if (mt.argv) {
	launch_abort(&mt);
	if (!mt.child_reaped)
	    waitpid(mt.pid, NULL, WNOHANG);
    }
    bpf_teardown(&mt);
    while (mt.nt > 0)
	target_remove(&mt, &mt.t[0]);
    free(mt.t);
    if (mt.epfd >= 0)
	close(mt.epfd);
    if (mt.sigfd >= 0)
	close(mt.sigfd);
    if (mt.timerfd >= 0)
	close(mt.timerfd);
    if (mt.pidfd >= 0)
	close(mt.pidfd);
    if (mt.reason_fd >= 0)
	close(mt.reason_fd);		/* ended with nothing to say */
    return sts;
}

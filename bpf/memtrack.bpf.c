/*
 * memtrack.bpf.c - heap allocation tracking for pmpipe-memtrack.
 *
 * One entry program and one return program serve every probed libc
 * function; the BPF cookie of each attachment says which function it is
 * (enum mt_op).  Only processes in the "pids" map are tracked.
 *
 * Per-event work is kept to what the mode needs (bpf/README.md has the
 * cost of each part):
 *  - a thread's state (task local storage) caches the slot of its
 *    process in the procs array, so a probe hit finds its process with
 *    one task storage lookup; the pids hash is read once per thread;
 *  - tracking one process, the thread of a process of one thread keeps
 *    its state in the solo map instead (solo_of), finds its task
 *    without a helper call (task_fast) and counts with plain adds; its
 *    last block waits out of the table until freed (pend_put);
 *  - the allocation table is touched once per call: a freed block's
 *    entry is kept as a tombstone (size 0) that the next malloc of the
 *    same address (glibc reuses freed blocks first) takes over in place,
 *    so a malloc+free pair costs two lookups instead of an insert, a
 *    lookup and a delete; at most MT_MAX_TOMBS tombstones per process,
 *    further frees delete their entry;
 *  - the caller check (is libc calling itself?) runs only for the calls
 *    glibc makes from inside the allocator: mmap, munmap, sbrk, brk, and
 *    free of a block we never saw allocated;
 *  - leaks mode walks the user stack itself, checking each frame pointer
 *    against the thread's stack before reading it (a junk frame pointer
 *    at the bottom of most stacks would otherwise cost a page fault).
 *
 * glibc calls itself (realloc(NULL, n) -> malloc, sysmalloc -> mmap,
 * realloc(p, 0) -> free), so a per-thread depth counter marks the
 * outermost probed call; only that one is reported.  mmap, munmap, sbrk
 * and brk are also ignored when libc itself calls them (free -> munmap
 * or sbrk, where free has no return probe to raise the depth): their
 * return address lies in libc's own text.
 *
 * Totals per process (allocs, frees, live and peak bytes, lost) are kept
 * in the kernel in every mode; events mode also sends one ring buffer
 * record per call, leaks mode records the user stack of each allocation.
 *
 * With glibc's allocator in summary and leaks modes ("usable"), sizes
 * are the usable sizes glibc keeps in each chunk's header (what
 * malloc_usable_size returns), read at the return and, in summary
 * mode, at free: malloc needs no entry probe, and summary mode no table
 * at all.  There malloc is probed at the branches inside it that lead
 * to its return (mt_site: one trap per call instead of two, see
 * probes.c), or else by its return probe alone.  Without a table,
 * summary mode cannot tell the blocks glibc frees again when a thread
 * exits (its per-thread cache: blocks the program had already freed)
 * from real frees: frees libc itself makes are held back per thread
 * and counted at the thread's next counted call, or dropped when the
 * thread exits on its own (the cache flush runs then).  Only while the
 * process has more than one thread: a thread alone flushes nothing.
 *
 * A process is observed only while the kernel would let its owner
 * ptrace it: the same credentials it had when tracking started (a
 * setuid or setgid exec, setresuid or a capability gain end it) and
 * dumpable.  Every probe hit compares its thread's credentials pointer
 * with the one last checked and reads the dumpable bits; exec and exit
 * check too, and user space runs mt_check each interval for processes
 * that make no allocator calls.  Once changed, a process is marked and
 * nothing more of it is counted or sent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "memtrack.h"

#define EEXIST		17
#define SUID_DUMP_USER	1	/* get_dumpable(mm): dumpable */
#define MMF_DUMPABLE_MASK 3
#define VM_EXEC		0x00000004UL
#define MAP_FAILED	((__u64)-1)
#define MT_MAX_TOMBS	65536	/* per process */
#define SIGNAL_GROUP_EXIT 0x00000004	/* signal->flags: exit_group or fatal signal */

/* summary mode on the usable path: no allocation table */
#define NO_TABLE	(usable && mode != MT_MODE_LEAKS)
/* ... tracking one process: hits may take proc_fast, see there */
#define FAST		(NO_TABLE && !follow)
/* with a table or requested sizes, one process: the solo way, see solo_of */
#define SOLO		(!NO_TABLE && !follow && mode != MT_MODE_EMPTY)
/* ... outside leaks mode: the solo thread's last block waits (pend_put) */
#define DEFER		(SOLO && mode != MT_MODE_LEAKS)
/* one process: a hit may know its task without a helper call (task_fast) */
#define TASK_FAST	(!follow && mode != MT_MODE_EMPTY)

/* set by the loader before load; constant to the verifier */
const volatile __u32 mode = MT_MODE_EVENTS;
const volatile bool follow = false;
const volatile bool usable = false;	/* glibc chunk-header sizes */
const volatile __u64 wakeup_bytes = 2 << 20;
/* events: the ring's fill is queried every query_every records a CPU */
const volatile __u32 query_every = 1;
/*
 * Usable summary mode (x86-64): the cookies of malloc's return sites by
 * the low 12 bits of their address (sites_by_ip: all differ), so mt_site
 * needs no helper call to find its own; free_ret: where mt_free finds
 * the return address (MT_CK_RET of free's site).
 */
const volatile bool sites_by_ip = false;
const volatile __u32 site_ck[4096] = { 0 };
const volatile __u32 free_ret = 0;
const volatile __u32 ncpus = 1;		/* possible CPUs, for mt_exit */

/* the next never-used procs slot (0 is the first target's) */
__u32 next_slot = 1;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MT_MAX_PROCS);
    __type(key, __u32);
    __type(value, struct mt_proc);
} procs SEC(".maps");

/* tgid -> procs slot, for threads seen the first time and for forks */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MT_MAX_PROCS);
    __type(key, __u32);
    __type(value, __u32);
} pids SEC(".maps");

/* slots user space has finished with, for followed children to reuse */
struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, MT_MAX_PROCS);
    __uint(value_size, sizeof(__u32));
} free_slots SEC(".maps");

/* the loader may shrink key and value (see memtrack.h): no BTF types */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 1 << 20);
    __uint(key_size, sizeof(struct mt_alloc_key));
    __uint(value_size, sizeof(struct mt_alloc));
} allocs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, struct mt_stack);
} stacks SEC(".maps");

/* a stack being taken: too big for the BPF stack */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct mt_stack);
} scratch SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MT_LOST_MAX);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

/* per-thread state; freed by the kernel when the thread exits */
struct mt_thread {
    __u32	slot;		/* its process in procs */
    __u32	tgid;		/* ... which must still hold this tgid */
    __u64	cred;		/* the credentials last found unchanged */
    __u32	depth;		/* probed calls in progress */
    __u32	op;		/* outermost call, or MT_OP_NONE to ignore it */
    __u64	size;		/* its size argument */
    __u64	ptr;		/* realloc: old pointer; posix_memalign: out pointer */
    __u64	stack_lo;	/* leaks: the stack mapping holding sp */
    __u64	stack_hi;
    __u64	old_size;	/* NO_TABLE realloc: the old block's size */
    __u64	pend_bytes;	/* NO_TABLE: frees libc made, not yet counted */
    __u64	pend_frees;
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct mt_thread);
} threads SEC(".maps");

/*
 * SOLO: the state of the thread of a process of one thread, in place of
 * its task storage (solo_of); task: that thread.
 */
struct mt_solo {
    struct mt_thread	t;
    __u64		task;
    __u64		pend_addr;	/* DEFER: a live block not in the table */
    __u64		pend_size;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct mt_solo);
} solo SEC(".maps");

/* events: records since this CPU last queried the ring's fill */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} unqueried SEC(".maps");

/*
 * FAST: the tracked thread a CPU last ran a probe for, so that a hit can
 * know its task without a helper call (bpf_get_current_task_btf costs
 * as much as the rest of such a hit here): it is current when the
 * probe's registers (the user registers atop its kernel stack) are at
 * its stack + regs_off (the same for every task).  A task's entries go
 * when it exits; a live task's stack is its own.
 */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} cur_task SEC(".maps");

__u64 regs_off = 0;	/* learnt at the first hit: ctx - task->stack */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

static __always_inline struct task_struct *
task_fast(struct pt_regs *ctx)
{
    struct task_struct	*task;
    __u64		*c, off = regs_off;
    __u32		zero = 0;

    if (!TASK_FAST || !off || (c = bpf_map_lookup_elem(&cur_task, &zero)) == NULL ||
	!*c)
	return NULL;
    task = bpf_rdonly_cast((void *)*c, bpf_core_type_id_kernel(struct task_struct));
    if ((__u64)task->stack + off != (__u64)ctx)
	return NULL;
    return task;
}

/* task is current (bpf_get_current_task_btf), ctx its probe's registers */
static __always_inline void
remember_task(struct pt_regs *ctx, struct task_struct *task)
{
    __u64	*c, off = (__u64)ctx - (__u64)task->stack;
    __u32	zero = 0;

    if (!TASK_FAST || (c = bpf_map_lookup_elem(&cur_task, &zero)) == NULL)
	return;
    if (!regs_off) {
	if (off >= (1 << 16))	/* not on its stack: no fast way then */
	    return;
	regs_off = off;
    }
    *c = (__u64)task;
}

static __always_inline void
count_lost(struct mt_proc *proc, __u32 why)
{
    __u64	*n = bpf_map_lookup_elem(&lost, &why);

    if (n)
	*n += 1;
    if (proc)
	__sync_fetch_and_add(&proc->lost, 1);
}

/* the live process in slot, if it still holds tgid */
static __always_inline struct mt_proc *
proc_at(__u32 slot, __u32 tgid)
{
    struct mt_proc	*proc = bpf_map_lookup_elem(&procs, &slot);

    if (!proc || proc->tgid != tgid ||
	(proc->flags & (MT_PROC_EXITED | MT_PROC_CHANGED)))
	return NULL;
    return proc;
}

/* mm->flags: a bitmap (mm_flags_t) since Linux 6.18, unsigned long before */
struct mt_mm_bitmap {
    unsigned long	__mm_flags[1];
};
struct mm_struct___bitmap {
    struct mt_mm_bitmap	flags;
} __attribute__((preserve_access_index));
struct mm_struct___long {
    unsigned long	flags;
} __attribute__((preserve_access_index));

/* mm is a BTF pointer (a task's mm in a probe or tracepoint) */
static __always_inline bool
dumpable(struct mm_struct *mm)
{
    unsigned long	f;

    if (!mm)
	return true;		/* exiting: the exit tracepoint decides */
    if (bpf_core_field_exists(((struct mm_struct___bitmap *)mm)->flags.__mm_flags))
	f = ((struct mm_struct___bitmap *)mm)->flags.__mm_flags[0];
    else
	f = ((struct mm_struct___long *)mm)->flags;
    return (f & MMF_DUMPABLE_MASK) == SUID_DUMP_USER;
}

/* the same through bpf_probe_read_kernel, for mt_check */
static __always_inline bool
dumpable_read(struct mm_struct *mm)
{
    unsigned long	f = 0;

    if (!mm)
	return true;
    if (bpf_core_field_exists(((struct mm_struct___bitmap *)mm)->flags.__mm_flags))
	bpf_core_read(&f, sizeof(f),
		      &((struct mm_struct___bitmap *)mm)->flags.__mm_flags[0]);
    else
	bpf_core_read(&f, sizeof(f), &((struct mm_struct___long *)mm)->flags);
    return (f & MMF_DUMPABLE_MASK) == SUID_DUMP_USER;
}

static __always_inline void
read_cred(const struct cred *c, struct mt_cred *m)
{
    __u64	prm = 0, eff = 0;

    m->id[0] = BPF_CORE_READ(c, uid.val);
    m->id[1] = BPF_CORE_READ(c, euid.val);
    m->id[2] = BPF_CORE_READ(c, suid.val);
    m->id[3] = BPF_CORE_READ(c, fsuid.val);
    m->id[4] = BPF_CORE_READ(c, gid.val);
    m->id[5] = BPF_CORE_READ(c, egid.val);
    m->id[6] = BPF_CORE_READ(c, sgid.val);
    m->id[7] = BPF_CORE_READ(c, fsgid.val);
    /* kernel_cap_t: a u64 since 6.3, two u32 before: 8 bytes either way */
    bpf_core_read(&prm, sizeof(prm), &c->cap_permitted);
    bpf_core_read(&eff, sizeof(eff), &c->cap_effective);
    m->caps = prm | eff;
}

/* how credentials c differ from the process's starting ones, or 0 */
static __always_inline __u32
cred_change(struct mt_proc *proc, const struct cred *c, bool exec)
{
    struct mt_cred	now;
    int			i;

    if (!(proc->flags & MT_PROC_CRED))
	return MT_CHG_NONE;
    read_cred(c, &now);
    for (i = 0; i < 4; i++)
	if (now.id[i] != proc->cred.id[i])
	    return exec ? MT_CHG_EXEC_UID : MT_CHG_UID;
    for (i = 4; i < 8; i++)
	if (now.id[i] != proc->cred.id[i])
	    return exec ? MT_CHG_EXEC_GID : MT_CHG_GID;
    if (now.caps & ~proc->cred.caps)
	return exec ? MT_CHG_EXEC_CAPS : MT_CHG_CAPS;
    return MT_CHG_NONE;
}

static __always_inline void control(__u32 rec, __u32 pid, __u64 old, __u32 slot);

/* the first to see a change marks the process and tells user space */
static __always_inline void
mark_changed(struct mt_proc *proc, __u32 why)
{
    if (__sync_fetch_and_or(&proc->flags, MT_PROC_CHANGED) & MT_PROC_CHANGED)
	return;
    proc->changed = why;
    control(MT_REC_CHANGED, proc->tgid, why, 0);
}

/*
 * May the calling thread's process still be observed?  The credentials
 * are compared only when the thread's cred pointer moved (every
 * commit_creds makes a new one).
 */
static __always_inline bool
observable(struct task_struct *task, struct mt_thread *t, struct mt_proc *proc)
{
    const struct cred	*c = task->real_cred;
    __u32		why = MT_CHG_NONE;

    if ((__u64)c != t->cred) {
	if ((why = cred_change(proc, c, false)) == MT_CHG_NONE)
	    t->cred = (__u64)c;
    }
    if (why == MT_CHG_NONE && !dumpable(task->mm))
	why = MT_CHG_DUMPABLE;
    if (why == MT_CHG_NONE) {
	if (FAST && (proc->flags & MT_PROC_CRED))
	    proc->cred_ptr = (__u64)c;	/* for proc_fast */
	return true;
    }
    mark_changed(proc, why);
    return false;
}

static __always_inline struct mt_proc *
proc_of(__u32 tgid)
{
    __u32	*slot = bpf_map_lookup_elem(&pids, &tgid);

    return slot ? proc_at(*slot, tgid) : NULL;
}

/*
 * The calling thread's state and its process, or NULL when the process
 * is not tracked.  Fast path: the thread's storage names a slot that
 * still holds its process.  A thread's first hit looks its process up
 * and creates the storage.
 */
static __always_inline struct mt_thread *
thread_of(struct task_struct *task, struct mt_proc **procp)
{
    struct mt_thread	*t;
    struct mt_proc	*proc;
    __u32		tgid, *slot;

    t = bpf_task_storage_get(&threads, task, NULL, 0);
    if (t && (proc = proc_at(t->slot, t->tgid)) != NULL) {
	if (!observable(task, t, proc))
	    return NULL;
	*procp = proc;
	return t;
    }
    tgid = task->tgid;
    if ((slot = bpf_map_lookup_elem(&pids, &tgid)) == NULL ||
	(proc = proc_at(*slot, tgid)) == NULL)
	return NULL;
    if (!t) {
	t = bpf_task_storage_get(&threads, task, NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
	    count_lost(proc, MT_LOST_THREAD);
	    return NULL;
	}
    }
    __builtin_memset(t, 0, sizeof(*t));
    t->slot = *slot;
    t->tgid = tgid;
    if (!observable(task, t, proc))
	return NULL;
    *procp = proc;
    return t;
}

/*
 * FAST: a hit that needs no thread state, in the common case of a
 * process of one thread that is in no probed call with a return probe
 * (inside: so this thread's depth is 0) and holds back no frees (held:
 * nothing to commit first), with the credentials its last full check
 * found unchanged (cred_ptr) and dumpable.  Then the probes are attached
 * to its pid alone, it is in slot 0, and no other program updates its
 * counters while this one runs (user space and mt_check only read them;
 * a new thread would be made by this one), so plain adds do.  NULL: the
 * full way, thread_of, which also refreshes cred_ptr.
 */
static __always_inline struct mt_proc *
proc_fast(struct task_struct *task)
{
    struct mt_proc	*proc;
    __u32		zero = 0;

    if (!FAST || (proc = bpf_map_lookup_elem(&procs, &zero)) == NULL)
	return NULL;
    if (proc->tgid != (__u32)task->tgid ||
	(proc->flags & (MT_PROC_EXITED | MT_PROC_CHANGED)) ||
	proc->inside || proc->held ||
	proc->cred_ptr != (__u64)task->real_cred ||
	task->signal->nr_threads != 1 || !dumpable(task->mm))
	return NULL;
    return proc;
}

/*
 * SOLO: a hit of the thread of a process of one thread keeps its state
 * in the solo map instead of its task storage, so it needs neither the
 * storage nor (with task_fast) its task from a helper call.  It is the
 * solo thread while it is inside a probed call it entered that way
 * (solo depth above 0, the same task), or else when its process has one
 * thread (signal->nr_threads) and no thread is inside a call entered
 * through its task storage (inside: then every thread's storage depth is
 * 0).  A thread creates none inside malloc, realloc, ...; one killed
 * inside its call has its solo depth cleared by mt_exit.  *plain: no
 * other program updates the process's counters while this one runs (a
 * second thread would be made by this one, the exit tracepoint of one
 * that left ran before nr_threads dropped, user space and mt_check only
 * read them, the links are per pid), so plain adds do (*way WAY_PLAIN,
 * else WAY_SOLO).
 */
#define WAY_STORAGE	0	/* the thread's task storage */
#define WAY_SOLO	1	/* the solo map, atomics */
#define WAY_PLAIN	2	/* the solo map, plain adds */

static __always_inline struct mt_thread *
solo_of(struct task_struct *task, struct mt_proc **procp, __u32 *way)
{
    struct mt_proc	*proc;
    struct mt_solo	*so;
    __u32		zero = 0, n;

    if (!SOLO || (proc = bpf_map_lookup_elem(&procs, &zero)) == NULL ||
	(so = bpf_map_lookup_elem(&solo, &zero)) == NULL ||
	proc->tgid != (__u32)task->tgid ||
	(proc->flags & (MT_PROC_EXITED | MT_PROC_CHANGED)))
	return NULL;
    n = task->signal->nr_threads;
    if (so->t.depth) {
	if (so->task != (__u64)task)
	    return NULL;
    } else {
	if (proc->inside || n != 1)
	    return NULL;
	so->task = (__u64)task;
    }
    so->t.slot = 0;
    so->t.tgid = proc->tgid;
    *procp = proc;
    *way = n == 1 ? WAY_PLAIN : WAY_SOLO;
    return &so->t;
}

/*
 * The calling thread's state, its process and task for the entry and
 * return programs: the solo way (task_fast, solo_of) or its task
 * storage (thread_of), as *way says.
 */
static __always_inline struct mt_thread *
thread_now(struct pt_regs *ctx, struct task_struct **taskp,
	   struct mt_proc **procp, __u32 *way)
{
    struct task_struct	*task = NULL, *cur;
    struct mt_thread	*t;

    *way = WAY_STORAGE;
    if (SOLO && (task = task_fast(ctx)) != NULL &&
	(t = solo_of(task, procp, way)) != NULL) {
	*taskp = task;
	return observable(task, t, *procp) ? t : NULL;
    }
    cur = bpf_get_current_task_btf();
    if (!task)
	remember_task(ctx, cur);
    *taskp = cur;
    if (SOLO && (t = solo_of(cur, procp, way)) != NULL)
	return observable(cur, t, *procp) ? t : NULL;
    return thread_of(cur, procp);
}

/*
 * An event record, copied into the ring (one helper call, not a reserve
 * and a submit).  The ring's fill is queried for the wakeup every
 * query_every records of a CPU (a few KiB, at most an eighth of
 * wakeup_bytes: see the loader), not at every one.
 */
static __always_inline void
emit(struct mt_proc *proc, struct task_struct *task, __u32 op, __u64 addr,
     __s64 size, __u64 old)
{
    struct mt_event	e;
    __u64		flags = BPF_RB_NO_WAKEUP;
    __u32		zero = 0, *n;

    if (mode != MT_MODE_EVENTS)
	return;
    if ((n = bpf_map_lookup_elem(&unqueried, &zero)) == NULL || ++*n >= query_every) {
	if (n)
	    *n = 0;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
	    flags = BPF_RB_FORCE_WAKEUP;
    }
    e.ts = bpf_ktime_get_ns();
    e.addr = addr;
    e.size = size;
    e.old = old;
    e.pid = task->tgid;
    e.tid = task->pid;
    e.rec = MT_REC_EVENT;
    e.op = op;
    e.slot = 0;
    if (bpf_ringbuf_output(&events, &e, sizeof(e), flags))
	count_lost(proc, MT_LOST_RING);
}

/* control records are rare and wanted at once; CHANGED: op is why */
static __always_inline void
control(__u32 rec, __u32 pid, __u64 old, __u32 slot)
{
    struct mt_event	*e;

    e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
	count_lost(NULL, MT_LOST_RING);
	return;
    }
    __builtin_memset(e, 0, sizeof(*e));
    e->ts = bpf_ktime_get_ns();
    e->pid = pid;
    e->tid = pid;
    e->old = old;
    e->rec = rec;
    e->slot = slot;
    if (rec == MT_REC_CHANGED)
	e->op = (__u16)old;
    bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

static __always_inline void
raise_peak(struct mt_proc *proc, __s64 live)
{
    __s64	peak;
    int		i;

    for (i = 0; i < 8; i++) {
	peak = proc->peak_bytes;
	if (live <= peak)
	    return;
	if (__sync_val_compare_and_swap(&proc->peak_bytes, peak, live) == peak)
	    return;
    }
}

/* plain: no other program updates proc's counters now (solo_of) */
static __always_inline void
add_live(struct mt_proc *proc, __s64 size, bool plain)
{
    __s64	live;

    if (!plain) {
	raise_peak(proc, __sync_fetch_and_add(&proc->live_bytes, size) + size);
	return;
    }
    live = proc->live_bytes + size;
    proc->live_bytes = live;
    if (live > proc->peak_bytes)
	proc->peak_bytes = live;
}

static __always_inline void
add_count(__u64 *n, __u64 v, bool plain)
{
    if (plain)
	*n += v;
    else
	__sync_fetch_and_add(n, v);
}

static __always_inline void
sub_live(struct mt_proc *proc, __u64 v, bool plain)
{
    if (plain)
	proc->live_bytes -= (__s64)v;
    else
	__sync_fetch_and_add(&proc->live_bytes, -(__s64)v);
}

static __always_inline void
alloc_key(struct mt_alloc_key *key, __u32 tgid, __u64 addr)
{
    key->addr = addr;
    key->pid = tgid;		/* beyond the key size unless following */
    key->pad = 0;
}

/*
 * Table values hold size + 1 for a live block, 0 for a tombstone.  Plain
 * loads and stores: a block cannot be freed on one CPU while another
 * allocates the same address (glibc hands it out only after free
 * returns, after our probe ran), and two threads freeing one block at
 * once is a double free glibc aborts on.
 */
static __always_inline int
table_put(struct mt_proc *proc, __u32 tgid, __u64 addr, __u64 size,
	  __u64 stack, bool plain)
{
    struct mt_alloc_key	key;
    struct mt_alloc	val = { .size = size + 1, .stack = stack };
    struct mt_alloc	*v;
    __u64		old;
    int			i;

    alloc_key(&key, tgid, addr);
    for (i = 0; i < 2; i++) {
	if ((v = bpf_map_lookup_elem(&allocs, &key)) != NULL) {
	    old = v->size;
	    v->size = size + 1;
	    if (old)	/* its free was not seen (made before we attached) */
		sub_live(proc, old - 1, plain);
	    else
		proc->tombs--;	/* only a bound: races may skew it a little */
	    if (mode == MT_MODE_LEAKS)
		v->stack = stack;
	    break;
	}
	if (bpf_map_update_elem(&allocs, &key, &val, BPF_NOEXIST) == 0)
	    break;
	if (i == 1) {	/* full (or a racing insert of the same address) */
	    count_lost(proc, MT_LOST_TABLE);
	    return -1;
	}
    }
    return 0;
}

/*
 * DEFER: the block the solo thread allocated last waits out of the
 * table (its counts are made) until its free (forget_alloc, by any
 * thread) or the next allocation on the solo way with plain adds, which
 * puts it in here.  A malloc+free pair of one thread (glibc hands the
 * same block out again) then touches the table not at all.  No race:
 * the waiting block is set only while the process has one thread, and
 * taken by its free (one at a time: a block is freed once) or by that
 * thread alone.
 */
static __always_inline void
pend_put(struct mt_proc *proc, struct mt_solo *so, bool plain)
{
    __u64	addr = so->pend_addr, size = so->pend_size;

    if (!addr)
	return;
    so->pend_addr = 0;
    if (table_put(proc, proc->tgid, addr, size, 0, plain))
	sub_live(proc, size, plain);	/* as if it had not fitted at once */
}

static __always_inline void
account_alloc(struct mt_proc *proc, __u32 tgid, __u64 addr, __u64 size,
	      __u64 stack, bool plain)
{
    struct mt_solo	*so;
    __u32		zero = 0;

    add_count(&proc->allocs, 1, plain);
    if (DEFER && plain && (so = bpf_map_lookup_elem(&solo, &zero)) != NULL) {
	pend_put(proc, so, plain);
	so->pend_addr = addr;
	so->pend_size = size;
	add_live(proc, (__s64)size, plain);
	return;
    }
    if (table_put(proc, tgid, addr, size, stack, plain) == 0)
	add_live(proc, (__s64)size, plain);
}

/* retire a known live block; 0 when it was not known */
static __always_inline int
forget_alloc(struct mt_proc *proc, __u32 tgid, __u64 addr, bool plain)
{
    struct mt_alloc_key	key;
    struct mt_alloc	*v;
    struct mt_solo	*so;
    __u64		old;
    __u32		zero = 0;

    if (DEFER && (so = bpf_map_lookup_elem(&solo, &zero)) != NULL &&
	so->pend_addr == addr && addr) {
	so->pend_addr = 0;	/* the waiting block: never in the table */
	sub_live(proc, so->pend_size, plain);
	return 1;
    }
    alloc_key(&key, tgid, addr);
    if ((v = bpf_map_lookup_elem(&allocs, &key)) == NULL || (old = v->size) == 0)
	return 0;
    v->size = 0;
    sub_live(proc, old - 1, plain);
    if (proc->tombs >= MT_MAX_TOMBS)
	bpf_map_delete_elem(&allocs, &key);
    else
	proc->tombs++;
    return 1;
}

static __always_inline void
account_free(struct mt_proc *proc, __u32 tgid, __u64 addr, bool plain)
{
    add_count(&proc->frees, 1, plain);
    forget_alloc(proc, tgid, addr, plain);	/* unknown: allocated before we attached */
}

/*
 * glibc's usable size from a chunk header: the chunk size (low 3 bits
 * are flags) less the header, 16 bytes for a chunk of its own mapping
 * (IS_MMAPPED), else 8 (the next chunk's prev_size field is usable
 * while this one is in use).
 */
static __always_inline __u64
header_usable(__u64 h)
{
    if (h < 16)
	return 0;
    return (h & ~7ULL) - ((h & 2) ? 16 : 8);
}

/* ... of the block at p */
static __always_inline __u64
usable_size(__u64 p)
{
    __u64	h = 0;

    if (bpf_probe_read_user(&h, sizeof(h), (void *)(p - 8)))
	return 0;
    return header_usable(h);
}


/* NO_TABLE: count the frees libc made on this thread before this call */
static __always_inline void
commit_pending(struct mt_thread *t, struct mt_proc *proc)
{
    if (!NO_TABLE || !t->pend_frees)
	return;
    __sync_fetch_and_add(&proc->frees, t->pend_frees);
    __sync_fetch_and_add(&proc->live_bytes, -(__s64)t->pend_bytes);
    if (FAST)
	__sync_fetch_and_sub(&proc->held, (__u32)t->pend_frees);
    t->pend_frees = 0;
    t->pend_bytes = 0;
}

/* an allocation at a return: into the table, or only the totals */
static __always_inline void
record_alloc(struct mt_proc *proc, struct mt_thread *t, __u64 addr,
	     __u64 size, __u64 stack, bool plain)
{
    if (NO_TABLE) {
	commit_pending(t, proc);
	__sync_fetch_and_add(&proc->allocs, 1);
	add_live(proc, (__s64)size, false);
    } else {
	account_alloc(proc, t->tgid, addr, size, stack, plain);
    }
}

/* realloc's old block */
static __always_inline void
record_free(struct mt_proc *proc, struct mt_thread *t, __u64 addr, bool plain)
{
    if (NO_TABLE) {
	commit_pending(t, proc);
	__sync_fetch_and_add(&proc->frees, 1);
	__sync_fetch_and_add(&proc->live_bytes, -(__s64)t->old_size);
    } else {
	account_free(proc, t->tgid, addr, plain);
    }
}

struct vma_range {
    __u64	start;
    __u64	end;
};

static long
get_range(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
    struct vma_range	*r = data;

    (void)task;
    r->start = vma->vm_start;
    r->end = vma->vm_end;
    return 0;
}

/*
 * Bounds of libc's text (the mapping holding the probe), cached per
 * process and filled at its first probe hit: bpf_find_vma() only
 * try-locks the mmap lock and fails while another thread holds it.
 */
static __always_inline bool
libc_known(struct pt_regs *ctx, struct mt_proc *proc, struct task_struct *task)
{
    struct vma_range	r = { 0 };
    __u64		ip = PT_REGS_IP(ctx), mm = (__u64)task->mm;

    if (proc->libc_mm == mm && ip >= proc->libc_start && ip < proc->libc_end)
	return true;
    /* task may come from task_fast: the helper wants a trusted one */
    if (bpf_find_vma(bpf_get_current_task_btf(), ip, get_range, &r, 0) || !r.end)
	return false;
    proc->libc_start = r.start;
    proc->libc_end = r.end;
    proc->libc_mm = mm;
    return true;
}

/*
 * The return address of the probed function: the probes sit at the
 * entry or past instructions that leave the stack pointer and the link
 * register alone (probes.c), so it is where the call put it: at the
 * stack pointer on x86 (PT_REGS_RET names that register there), in the
 * link register elsewhere.  A free site (x86) has pushed 'off' bytes.
 */
static __always_inline int
return_address(struct pt_regs *ctx, __u64 off, __u64 *ret)
{
#if defined(bpf_target_x86)
    return bpf_probe_read_user(ret, sizeof(*ret), (void *)(PT_REGS_RET(ctx) + off));
#else
    *ret = PT_REGS_RET(ctx);
    return 0;
#endif
}

/* called from libc's own text? */
static __always_inline bool
called_by_libc_at(struct pt_regs *ctx, struct mt_proc *proc,
		  struct task_struct *task, __u64 off)
{
    __u64	ret = 0;

    if (!libc_known(ctx, proc, task) || return_address(ctx, off, &ret))
	return false;
    return ret >= proc->libc_start && ret < proc->libc_end;
}

static __always_inline bool
called_by_libc(struct pt_regs *ctx, struct mt_proc *proc,
	       struct task_struct *task)
{
    return called_by_libc_at(ctx, proc, task, 0);
}

/*
 * A 64-bit hash of the frames, never 0 (0 means "no stack" in mt_alloc).
 */
static __always_inline __u64
mix(__u64 h, __u64 v)
{
    h ^= v;
    h *= 0x100000001b3ULL;		/* FNV-1a prime */
    return h ^ (h >> 29);
}

/*
 * The user stack at a return probe (its ip is the caller's next
 * instruction), as a key of the stacks map, or 0.  Frame pointers are
 * followed while they stay 8-aligned, rise, and lie within the stack
 * mapping of the thread (cached), so the junk in the last frame pointer
 * (glibc's startup code has none) ends the walk without a fault.  The
 * frame record (next frame pointer, then the return address) is x86-64's
 * and arm64's; elsewhere the kernel's unwinder takes the stack.
 */
#if defined(bpf_target_x86) || defined(bpf_target_arm64)
static __always_inline __u32
walk_stack(struct pt_regs *ctx, struct mt_thread *t, struct mt_stack *s)
{
    struct vma_range	r = { 0 };
    __u64		sp = PT_REGS_SP(ctx), fp = PT_REGS_FP(ctx), frame[2];
    __u32		i, nr = 1;

    s->ip[0] = PT_REGS_IP(ctx);
    if (sp < t->stack_lo || sp >= t->stack_hi) {
	if (bpf_find_vma(bpf_get_current_task_btf(), sp, get_range, &r, 0) == 0 &&
	    r.end) {
	    t->stack_lo = r.start;
	    t->stack_hi = r.end;
	} else {
	    t->stack_lo = t->stack_hi = 0;	/* try again next time */
	    r.end = sp + (1 << 20);	/* meanwhile: as the kernel would */
	}
    }
    if (t->stack_hi)
	r.end = t->stack_hi;
    for (i = 1; i < MT_STACK_DEPTH; i++) {
	if ((fp & 7) || fp < sp || fp + sizeof(frame) > r.end)
	    break;
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)fp) || !frame[1])
	    break;
	s->ip[i] = frame[1];
	nr++;
	if (frame[0] <= fp)
	    break;
	fp = frame[0];
    }
    return nr;
}
#else
static __always_inline __u32
walk_stack(struct pt_regs *ctx, struct mt_thread *t, struct mt_stack *s)
{
    long	n = bpf_get_stack(ctx, s->ip, sizeof(s->ip), BPF_F_USER_STACK);

    return n > 0 ? (__u32)(n / sizeof(s->ip[0])) : 0;
}
#endif

static __always_inline __u64
take_stack(struct pt_regs *ctx, struct mt_thread *t)
{
    struct mt_stack	*s;
    __u64		h = 0xcbf29ce484222325ULL;
    __u32		zero = 0, i, nr;

    if ((s = bpf_map_lookup_elem(&scratch, &zero)) == NULL)
	return 0;
    nr = walk_stack(ctx, t, s);
    for (i = 0; i < MT_STACK_DEPTH && i < nr; i++)
	h = mix(h, s->ip[i]);
    s->nr = nr;
    h |= 1;
    if (!bpf_map_lookup_elem(&stacks, &h) &&
	bpf_map_update_elem(&stacks, &h, s, BPF_NOEXIST) != 0 &&
	!bpf_map_lookup_elem(&stacks, &h))
	return 0;		/* table full */
    return h;
}

/*
 * NO_TABLE: a free of a block of size usable bytes.  The cache flush
 * runs in an exiting thread that is not the only one (the main thread
 * never flushes; a thread group leader that left early still counts in
 * nr_threads until the group ends): a process of one thread needs no
 * caller check.  The return address is at the stack pointer + off.
 */
static __always_inline void
free_usable(struct pt_regs *ctx, struct task_struct *task, struct mt_thread *t,
	    struct mt_proc *proc, __u64 size, __u64 off)
{
    if (task->signal->nr_threads > 1 &&
	called_by_libc_at(ctx, proc, task, off)) {
	t->pend_frees++;	/* counted at our next call, see above */
	t->pend_bytes += size;
	if (FAST)
	    __sync_fetch_and_add(&proc->held, 1);
	return;
    }
    commit_pending(t, proc);
    __sync_fetch_and_add(&proc->frees, 1);
    __sync_fetch_and_add(&proc->live_bytes, -(__s64)size);
}

/* the entry of function op (mt_entry, mt_entry_malloc, mt_entry_free) */
static __always_inline int
entry(struct pt_regs *ctx, __u32 op)
{
    struct task_struct	*task;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    __u64		ptr, size;
    __u32		way;
    bool		plain;

    if (!(t = thread_now(ctx, &task, &proc, &way)))
	return 0;
    plain = way == WAY_PLAIN;
    if (proc->libc_mm != (__u64)task->mm)
	libc_known(ctx, proc, task);	/* fill the cache while it is easy */

    switch (op) {
    case MT_OP_FREE:		/* no return probe: depth is unchanged */
	ptr = PT_REGS_PARM1(ctx);
	if (t->depth || !ptr)
	    return 0;
	if (NO_TABLE) {		/* free's site, if found, has mt_free */
	    free_usable(ctx, task, t, proc, usable_size(ptr), 0);
	    return 0;
	}
	/*
	 * An unknown block freed by libc itself is one it had cached after
	 * the program freed it (tcache flush at thread exit): not a free.
	 * Unknown blocks the program frees were allocated before we attached.
	 */
	if (!forget_alloc(proc, t->tgid, ptr, plain) &&
	    called_by_libc(ctx, proc, task))
	    return 0;
	add_count(&proc->frees, 1, plain);
	emit(proc, task, op, ptr, 0, 0);
	return 0;
    case MT_OP_MUNMAP:
	if (t->depth || called_by_libc(ctx, proc, task))
	    return 0;
	ptr = PT_REGS_PARM1(ctx);
	commit_pending(t, proc);
	account_free(proc, t->tgid, ptr, plain);
	emit(proc, task, op, ptr, PT_REGS_PARM2(ctx), 0);
	return 0;
    case MT_OP_BRK:		/* size: change of the break */
	if (t->depth || called_by_libc(ctx, proc, task))
	    return 0;
	ptr = BPF_CORE_READ(task, mm, brk);
	emit(proc, task, op, ptr, (__s64)(PT_REGS_PARM1(ctx) - ptr), 0);
	return 0;
    }

    /* functions with a return probe: remember the outermost call */
    if (t->depth++ != 0)
	return 0;
    if (!follow && way == WAY_STORAGE)
	__sync_fetch_and_add(&proc->inside, 1);
    t->op = op;
    t->ptr = 0;
    switch (op) {
    case MT_OP_CALLOC:
	size = PT_REGS_PARM1(ctx) * PT_REGS_PARM2(ctx);
	break;
    case MT_OP_REALLOC:
	t->ptr = PT_REGS_PARM1(ctx);
	size = PT_REGS_PARM2(ctx);
	if (NO_TABLE)
	    t->old_size = t->ptr ? usable_size(t->ptr) : 0;
	break;
    case MT_OP_REALLOCARRAY:
	t->ptr = PT_REGS_PARM1(ctx);
	size = PT_REGS_PARM2(ctx) * PT_REGS_PARM3(ctx);
	if (NO_TABLE)
	    t->old_size = t->ptr ? usable_size(t->ptr) : 0;
	break;
    case MT_OP_MEMALIGN:
    case MT_OP_ALIGNED_ALLOC:
    case MT_OP_MMAP:
	size = PT_REGS_PARM2(ctx);
	break;
    case MT_OP_POSIX_MEMALIGN:
	t->ptr = PT_REGS_PARM1(ctx);
	size = PT_REGS_PARM3(ctx);
	break;
    default:			/* malloc, valloc, pvalloc, sbrk */
	size = PT_REGS_PARM1(ctx);
	break;
    }
    t->size = size;
    if ((op == MT_OP_MMAP || op == MT_OP_SBRK) && called_by_libc(ctx, proc, task))
	t->op = MT_OP_NONE;
    return 0;
}

/* every function's entry, the BPF cookie says which (its op) */
SEC("uprobe.multi")
int
mt_entry(struct pt_regs *ctx)
{
    __u32	op = MT_CK_OP(bpf_get_attach_cookie(ctx));

    if (mode == MT_MODE_EMPTY)
	return 0;
    return entry(ctx, op);
}

/*
 * malloc's and free's entries outside empty mode: a program each, so
 * that they need no helper call for their cookie.
 */
SEC("uprobe.multi")
int
mt_entry_malloc(struct pt_regs *ctx)
{
    return entry(ctx, MT_OP_MALLOC);
}

SEC("uprobe.multi")
int
mt_entry_free(struct pt_regs *ctx)
{
    return entry(ctx, MT_OP_FREE);
}

SEC("uretprobe.multi")
int
mt_return(struct pt_regs *ctx)
{
    struct task_struct	*task;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    __u64		ret, addr, size, old, stack = 0;
    __u32		op, way;
    bool		plain;

    if (mode == MT_MODE_EMPTY)
	return 0;
    if (!(t = thread_now(ctx, &task, &proc, &way)))
	return 0;
    plain = way == WAY_PLAIN;
    ret = PT_REGS_RC(ctx);
    /* only usable sizes have MT_CK_RETONLY: no helper call otherwise */
    if (usable && (bpf_get_attach_cookie(ctx) & MT_CK_RETONLY)) {
	/* usable leaks mode: malloc has no entry program to raise depth */
	if (t->depth || !ret)
	    return 0;
	if (mode == MT_MODE_LEAKS)
	    stack = take_stack(ctx, t);
	record_alloc(proc, t, ret, usable_size(ret), stack, plain);
	return 0;
    }
    if (t->depth == 0)
	return 0;		/* entered before we attached */
    if (--t->depth != 0)
	return 0;
    if (!follow && way == WAY_STORAGE)
	__sync_fetch_and_sub(&proc->inside, 1);
    op = t->op;
    size = t->size;
    old = t->ptr;

    switch (op) {
    case MT_OP_NONE:
	return 0;
    case MT_OP_SBRK:		/* addr: the old break */
	if (ret != MAP_FAILED)
	    emit(proc, task, op, ret, (__s64)size, 0);
	return 0;
    case MT_OP_MMAP:		/* always in the table: munmap has no header */
	if (ret == MAP_FAILED)
	    return 0;
	if (mode == MT_MODE_LEAKS)
	    stack = take_stack(ctx, t);
	commit_pending(t, proc);
	account_alloc(proc, t->tgid, ret, size, stack, plain);
	emit(proc, task, op, ret, (__s64)size, 0);
	return 0;
    case MT_OP_POSIX_MEMALIGN:
	if ((int)ret != 0 ||
	    bpf_probe_read_user(&addr, sizeof(addr), (void *)old) || !addr)
	    return 0;
	old = 0;
	break;
    case MT_OP_REALLOC:
    case MT_OP_REALLOCARRAY:
	if (!ret && size)
	    return 0;		/* failed: the old block is untouched */
	if (old)
	    record_free(proc, t, old, plain);
	addr = ret;
	break;
    default:
	if (!ret)
	    return 0;
	addr = ret;
	break;
    }
    if (addr) {
	/* the ip is the return address here: the stack starts at the caller */
	if (mode == MT_MODE_LEAKS)
	    stack = take_stack(ctx, t);
	record_alloc(proc, t, addr, usable ? usable_size(addr) : size, stack,
		     plain);
    }
    emit(proc, task, op, addr, (__s64)size, old);
    return 0;
}

#if defined(bpf_target_x86)
/* does the condition of jcc (low nibble of its opcode) hold for flags? */
static __always_inline bool
cc_holds(__u32 cc, __u64 flags)
{
    bool	cf = flags & 0x1, pf = flags & 0x4, zf = flags & 0x40;
    bool	sf = flags & 0x80, of = flags & 0x800, r;

    switch (cc >> 1) {
    case 0: r = of; break;			/* o */
    case 1: r = cf; break;			/* b */
    case 2: r = zf; break;			/* e */
    case 3: r = cf || zf; break;		/* be */
    case 4: r = sf; break;			/* s */
    case 5: r = pf; break;			/* p */
    case 6: r = sf != of; break;		/* l */
    default: r = zf || sf != of; break;		/* le */
    }
    return (cc & 1) ? !r : r;
}

/*
 * General register n (x86 encoding: rax, rcx, rdx, rbx, rsp, rbp, rsi,
 * rdi, r8..r15).  Each case loads its own field (barrier_var): the
 * verifier refuses a load through a computed context offset.
 */
#define REG_CASE(k, f)	case k: v = ctx->f; barrier_var(v); break
static __always_inline __u64
reg_at(struct pt_regs *ctx, __u32 n)
{
    __u64	v;

    switch (n) {
    REG_CASE(0, ax); REG_CASE(1, cx); REG_CASE(2, dx); REG_CASE(3, bx);
    REG_CASE(4, sp); REG_CASE(5, bp); REG_CASE(6, si); REG_CASE(7, di);
    REG_CASE(8, r8); REG_CASE(9, r9); REG_CASE(10, r10); REG_CASE(11, r11);
    REG_CASE(12, r12); REG_CASE(13, r13); REG_CASE(14, r14);
    default: v = ctx->r15; break;
    }
    return v;
}
#undef REG_CASE

/* the usable size of the block ret a malloc site returns */
static __always_inline __u64
site_size(struct pt_regs *ctx, __u32 ck, __u64 ret)
{
    __u64	idx;

    if ((ck & MT_CK_TCACHE) && (idx = reg_at(ctx, MT_CK_REG(ck))) < 64)
	return idx * 16 + 24;	/* a tcache block: its bin says (probes.c) */
    return usable_size(ret);
}
#endif

/*
 * proc_fast's process, the task found by task_fast or else (*taskp
 * then, for the full way) with a helper call.
 */
static __always_inline struct mt_proc *
proc_now(struct pt_regs *ctx, struct task_struct **taskp)
{
    struct task_struct	*task = task_fast(ctx);
    struct mt_proc	*proc;

    if (task && (proc = proc_fast(task)) != NULL)
	return proc;
    task = bpf_get_current_task_btf();
    *taskp = task;
    remember_task(ctx, task);
    return proc_fast(task);
}

/*
 * The slow way of mt_site and mt_free: the thread's state, and libc's
 * text bounds for the caller check (cached while it is easy: the first
 * hit after an exec takes this way, its credentials are new).
 */
static __always_inline struct mt_thread *
thread_full(struct pt_regs *ctx, struct task_struct *task,
	    struct mt_proc **procp)
{
    struct mt_thread	*t = thread_of(task, procp);

    if (t && (*procp)->libc_mm != (__u64)task->mm)
	libc_known(ctx, *procp, task);
    return t;
}


/*
 * Usable summary mode: a branch in glibc's malloc that may lead straight
 * to its return, with the result in %rax (probes.c).  It counts when
 * the edge it is about to take is one that leads there.  Its cookie is
 * found by its address (sites_by_ip), a load instead of a helper call.
 */
SEC("uprobe.multi")
int
mt_site(struct pt_regs *ctx)
{
#if defined(bpf_target_x86)
    struct task_struct	*task;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    __u64		ret;
    __u32		ck;
    bool		cond;

    if (mode == MT_MODE_EMPTY)
	return 0;
    ck = sites_by_ip ? site_ck[ctx->ip & 0xfff] : bpf_get_attach_cookie(ctx);
    cond = cc_holds(MT_CK_CC(ck), ctx->flags);
    if (!((ck & MT_CK_TAKEN) && cond) && !((ck & MT_CK_FALLTHRU) && !cond))
	return 0;
    if ((ret = PT_REGS_RC(ctx)) == 0)
	return 0;
    if ((proc = proc_now(ctx, &task)) != NULL) {
	__s64	live = proc->live_bytes + (__s64)site_size(ctx, ck, ret);

	proc->allocs++;
	proc->live_bytes = live;
	if (live > proc->peak_bytes)
	    proc->peak_bytes = live;
	return 0;
    }
    if (!(t = thread_full(ctx, task, &proc)) || t->depth)
	return 0;		/* inside realloc, memalign, ...: theirs */
    record_alloc(proc, t, ret, site_size(ctx, ck, ret), 0, false);
#endif
    return 0;
}

/*
 * Usable summary mode: glibc's free past its load of the chunk header
 * into %rax (probes.c), and so past its NULL check.
 */
SEC("uprobe.multi")
int
mt_free(struct pt_regs *ctx)
{
#if defined(bpf_target_x86)
    struct task_struct	*task;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    __u64		size;

    if (mode == MT_MODE_EMPTY)
	return 0;
    size = header_usable(PT_REGS_RC(ctx));
    if ((proc = proc_now(ctx, &task)) != NULL) {
	proc->frees++;
	proc->live_bytes -= (__s64)size;
	return 0;
    }
    if (!(t = thread_full(ctx, task, &proc)) || t->depth)
	return 0;
    free_usable(ctx, task, t, proc, size, free_ret);
#endif
    return 0;
}

/* a free slot for a followed child: never used ones first, then reused */
static __always_inline int
new_slot(__u32 *slot)
{
    __u32	s = __sync_fetch_and_add(&next_slot, 1);

    if (s < MT_MAX_PROCS) {
	*slot = s;
	return 0;
    }
    return bpf_map_pop_elem(&free_slots, slot) == 0 ? 0 : -1;
}

SEC("tp_btf/sched_process_fork")
int
BPF_PROG(mt_fork, struct task_struct *parent, struct task_struct *child)
{
    struct mt_proc	*proc, *pp;
    __u32		ptgid = parent->tgid, ctgid = child->tgid, slot;

    (void)ctx;
    if (!follow || child->pid != child->tgid)
	return 0;		/* not following, or a new thread */
    if (!(pp = proc_of(ptgid)))
	return 0;
    if (new_slot(&slot) != 0 ||
	(proc = bpf_map_lookup_elem(&procs, &slot)) == NULL) {
	count_lost(NULL, MT_LOST_TABLE);
	return 0;
    }
    __builtin_memset(proc, 0, sizeof(*proc));
    proc->parent = ptgid;
    proc->cred = pp->cred;	/* it started with its parent's credentials */
    proc->flags = pp->flags & MT_PROC_CRED;
    proc->tgid = ctgid;
    if (bpf_map_update_elem(&pids, &ctgid, &slot, BPF_NOEXIST) != 0) {
	proc->tgid = 0;
	bpf_map_push_elem(&free_slots, &slot, 0);
	count_lost(NULL, MT_LOST_TABLE);
	return 0;
    }
    control(MT_REC_FORK, ctgid, ptgid, slot);
    return 0;
}

/*
 * The executable file mappings of an exiting process, so its leaked
 * stacks can be resolved after it is gone.  Since Linux 6.16 this
 * tracepoint runs before exit_mm(); on older kernels mm is NULL here
 * and user space falls back to /proc/PID/maps read while it lived.
 */
static __always_inline void
send_vmas(struct task_struct *task, __u32 tgid)
{
    struct bpf_iter_task_vma	it;
    struct vm_area_struct	*vma;
    struct mt_vma		*r;
    struct file			*file;

    if (!task->mm)
	return;
    bpf_iter_task_vma_new(&it, task, 0);
    while ((vma = bpf_iter_task_vma_next(&it)) != NULL) {
	if (!(vma->vm_flags & VM_EXEC) || !(file = vma->vm_file))
	    continue;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
	    count_lost(NULL, MT_LOST_RING);
	    break;
	}
	__builtin_memset(&r->hdr, 0, sizeof(r->hdr));
	r->hdr.rec = MT_REC_VMA;
	r->hdr.pid = tgid;
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	r->pgoff = vma->vm_pgoff;	/* in pages: user space knows their size */
	bpf_probe_read_kernel_str(r->name, sizeof(r->name),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
    }
    bpf_iter_task_vma_destroy(&it);
}

/* a set-user-ID or set-group-ID exec, or one that gains capabilities */
SEC("tp_btf/sched_process_exec")
int
BPF_PROG(mt_exec, struct task_struct *task, pid_t old_pid,
	 struct linux_binprm *bprm)
{
    struct mt_proc	*proc;
    __u32		why;

    (void)ctx;
    (void)old_pid;
    (void)bprm;
    if (!(proc = proc_of(task->tgid)))
	return 0;
    why = cred_change(proc, task->real_cred, true);
    if (why == MT_CHG_NONE && !dumpable(task->mm))
	why = MT_CHG_DUMPABLE;
    if (why != MT_CHG_NONE)
	mark_changed(proc, why);
    return 0;
}

static long
forget_task(__u32 cpu, void *task)
{
    __u32	zero = 0;
    __u64	*c = bpf_map_lookup_percpu_elem(&cur_task, &zero, cpu);

    if (c && *c == *(__u64 *)task)
	*c = 0;
    return 0;
}

SEC("tp_btf/sched_process_exit")
int
BPF_PROG(mt_exit, struct task_struct *task)
{
    __u32		tgid = task->tgid;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    int			last = task->signal->live.counter == 0;
    struct mt_solo	*so;
    __u32		why, zero = 0;

    (void)ctx;
    if (TASK_FAST && (proc = bpf_map_lookup_elem(&procs, &zero)) != NULL &&
	proc->tgid == tgid) {
	__u64	me = (__u64)task;

	bpf_loop(ncpus, forget_task, &me, 0);	/* before its stack goes */
	/* the solo thread killed inside a probed call: its return will not come */
	if (SOLO && (so = bpf_map_lookup_elem(&solo, &zero)) != NULL &&
	    so->task == me) {
	    so->t.depth = 0;
	    so->task = 0;
	}
    }
    /* the same on the storage way (solo_of waits for inside to be 0) */
    if (SOLO && (t = bpf_task_storage_get(&threads, task, NULL, 0)) != NULL &&
	t->depth && (proc = proc_at(t->slot, t->tgid)) != NULL) {
	__sync_fetch_and_sub(&proc->inside, 1);
	t->depth = 0;
    }
    /*
     * NO_TABLE: a thread leaving on its own has just had glibc flush its
     * cache: its held-back frees die with its storage.  The last thread,
     * or one killed with the whole process, has made real ones.
     */
    if (NO_TABLE && (t = bpf_task_storage_get(&threads, task, NULL, 0)) != NULL &&
	(proc = proc_at(t->slot, t->tgid)) != NULL) {
	if (last || (task->signal->flags & SIGNAL_GROUP_EXIT)) {
	    commit_pending(t, proc);
	} else if (t->pend_frees) {
	    if (FAST)
		__sync_fetch_and_sub(&proc->held, (__u32)t->pend_frees);
	    t->pend_frees = 0;
	}
	/* killed inside a probed call: its return will not come */
	if (FAST && t->depth) {
	    __sync_fetch_and_sub(&proc->inside, 1);
	    t->depth = 0;
	}
    }
    if (!last)
	return 0;		/* other threads of the process live on */
    if (!(proc = proc_of(tgid)))
	return 0;
    /* a change since its last allocator call: no exit record, no leaks */
    why = cred_change(proc, task->real_cred, false);
    if (why == MT_CHG_NONE && !dumpable(task->mm))
	why = MT_CHG_DUMPABLE;
    if (why != MT_CHG_NONE) {
	mark_changed(proc, why);
	return 0;
    }
    if (__sync_fetch_and_or(&proc->flags, MT_PROC_EXITED) & MT_PROC_EXITED)
	return 0;
    if (mode == MT_MODE_LEAKS)
	send_vmas(task, tgid);
    control(MT_REC_EXIT, tgid, 0, 0);
    return 0;
}

extern struct task_struct *bpf_task_from_pid(s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;
extern void bpf_rcu_read_lock(void) __weak __ksym;
extern void bpf_rcu_read_unlock(void) __weak __ksym;

/*
 * Run by user space (BPF_PROG_TEST_RUN) when it starts tracking a
 * process (snapshot: its starting credentials) and each interval after:
 * a process that changed and then made no allocator call is found here.
 */
SEC("syscall")
int
mt_check(struct mt_check_args *a)
{
    struct task_struct	*task;
    struct mt_proc	*proc;
    const struct cred	*c;
    __u32		slot = a->slot, why;

    a->result = MT_CHECK_GONE;
    if ((proc = bpf_map_lookup_elem(&procs, &slot)) == NULL ||
	proc->tgid != a->pid || (task = bpf_task_from_pid(a->pid)) == NULL)
	return 0;
    bpf_rcu_read_lock();
    c = BPF_CORE_READ(task, real_cred);
    a->dumpable = dumpable_read(BPF_CORE_READ(task, mm));
    if (a->snapshot) {
	read_cred(c, &proc->cred);
	__sync_fetch_and_or(&proc->flags, MT_PROC_CRED);
	a->result = MT_CHG_NONE;
    } else if (proc->flags & MT_PROC_CHANGED) {
	a->result = proc->changed;
    } else {
	why = cred_change(proc, c, false);
	if (why == MT_CHG_NONE && !a->dumpable)
	    why = MT_CHG_DUMPABLE;
	if (why != MT_CHG_NONE)
	    mark_changed(proc, why);
	a->result = why;
    }
    bpf_rcu_read_unlock();
    bpf_task_release(task);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";

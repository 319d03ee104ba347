/*
 * memtrack.bpf.c - heap allocation tracking for pmpipe-memtrack.
 *
 * One entry program and one return program serve every probed libc
 * function; the BPF cookie of each attachment says which function it is
 * (enum mt_op).  Only processes in the "procs" map are tracked.
 *
 * glibc calls itself (realloc(NULL, n) -> malloc, sysmalloc -> mmap,
 * realloc(p, 0) -> free), so a per-thread depth counter in task local
 * storage marks the outermost probed call; only that one is reported.
 * mmap, munmap, sbrk and brk are also ignored when libc itself calls
 * them (free -> munmap or sbrk, where free has no return probe to raise
 * the depth): their return address lies in libc's own text.
 *
 * Totals per process (allocs, frees, live and peak bytes, lost) are kept
 * in the kernel in every mode; events mode also sends one ring buffer
 * record per call, leaks mode records the user stack of each allocation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "memtrack.h"

#define EEXIST		17
#define VM_EXEC		0x00000004UL
#define MAP_FAILED	((__u64)-1)

/* set by the loader before load; constant to the verifier */
const volatile __u32 mode = MT_MODE_EVENTS;
const volatile bool follow = false;
const volatile __u64 wakeup_bytes = 2 << 20;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, struct mt_proc);
} procs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 1 << 20);
    __type(key, struct mt_alloc_key);
    __type(value, struct mt_alloc);
} allocs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);
    __uint(max_entries, 16384);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, MT_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MT_LOST_MAX);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

/* per-thread call state; freed by the kernel when the thread exits */
struct mt_thread {
    __u32	depth;		/* probed calls in progress */
    __u32	op;		/* outermost call, or MT_OP_NONE to ignore it */
    __u64	size;		/* its size argument */
    __u64	ptr;		/* realloc: old pointer; posix_memalign: out pointer */
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct mt_thread);
} threads SEC(".maps");

static __always_inline void
count_lost(struct mt_proc *proc, __u32 why)
{
    __u64	*n = bpf_map_lookup_elem(&lost, &why);

    if (n)
	*n += 1;
    if (proc)
	__sync_fetch_and_add(&proc->lost, 1);
}

static __always_inline struct mt_proc *
tracked(__u32 tgid)
{
    struct mt_proc	*proc = bpf_map_lookup_elem(&procs, &tgid);

    if (!proc || (proc->flags & MT_PROC_EXITED))
	return NULL;
    return proc;
}

/* submit with a wakeup only once enough data is waiting */
static __always_inline void
submit(void *rec)
{
    __u64	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

    bpf_ringbuf_submit(rec, avail >= wakeup_bytes ?
			    BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void
emit(struct mt_proc *proc, __u32 op, __u64 addr, __s64 size, __u64 old)
{
    struct mt_event	*e;
    __u64		id;

    if (mode != MT_MODE_EVENTS)
	return;
    e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
	count_lost(proc, MT_LOST_RING);
	return;
    }
    id = bpf_get_current_pid_tgid();
    e->ts = bpf_ktime_get_ns();
    e->addr = addr;
    e->size = size;
    e->old = old;
    e->pid = id >> 32;
    e->tid = (__u32)id;
    e->rec = MT_REC_EVENT;
    e->op = op;
    e->pad = 0;
    submit(e);
}

/* control records are rare and wanted at once */
static __always_inline void
control(__u32 rec, __u32 pid, __u64 old)
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

static __always_inline void
account_alloc(struct mt_proc *proc, __u32 tgid, __u64 addr, __u64 size,
	      __s64 stackid)
{
    struct mt_alloc_key	key = { .pid = tgid, .addr = addr };
    struct mt_alloc	val = { .size = size, .stackid = stackid };
    struct mt_alloc	*prev;
    __s64		live;
    long		sts;

    __sync_fetch_and_add(&proc->allocs, 1);
    sts = bpf_map_update_elem(&allocs, &key, &val, BPF_NOEXIST);
    if (sts == -EEXIST) {
	/* its free was not seen (e.g. made before we attached): replace */
	prev = bpf_map_lookup_elem(&allocs, &key);
	if (!prev)
	    return;
	__sync_fetch_and_add(&proc->live_bytes, -(__s64)prev->size);
	prev->size = size;
	prev->stackid = stackid;
    } else if (sts != 0) {
	count_lost(proc, MT_LOST_TABLE);
	return;
    }
    live = __sync_fetch_and_add(&proc->live_bytes, (__s64)size) + (__s64)size;
    raise_peak(proc, live);
}

/* drop a known allocation from the table; 0 when it was not known */
static __always_inline int
forget_alloc(struct mt_proc *proc, __u32 tgid, __u64 addr)
{
    struct mt_alloc_key	key = { .pid = tgid, .addr = addr };
    struct mt_alloc	*val;
    __u64		size;

    val = bpf_map_lookup_elem(&allocs, &key);
    if (!val)
	return 0;
    size = val->size;
    if (bpf_map_delete_elem(&allocs, &key) == 0)
	__sync_fetch_and_add(&proc->live_bytes, -(__s64)size);
    return 1;
}

static __always_inline void
account_free(struct mt_proc *proc, __u32 tgid, __u64 addr)
{
    __sync_fetch_and_add(&proc->frees, 1);
    forget_alloc(proc, tgid, addr);	/* unknown: allocated before we attached */
}

struct vma_range {
    __u64	start;
    __u64	end;
};

static long
get_range(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
    struct vma_range	*r = data;

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
    if (bpf_find_vma(task, ip, get_range, &r, 0) || !r.end)
	return false;
    proc->libc_start = r.start;
    proc->libc_end = r.end;
    proc->libc_mm = mm;
    return true;
}

/*
 * Called from libc's own text?  The probes sit at the entry or past
 * instructions that leave %rsp alone, so the return address is at (%rsp).
 */
static __always_inline bool
called_by_libc(struct pt_regs *ctx, struct mt_proc *proc)
{
    __u64	ret = 0;

    if (!libc_known(ctx, proc, bpf_get_current_task_btf()))
	return false;
    if (bpf_probe_read_user(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx)))
	return false;
    return ret >= proc->libc_start && ret < proc->libc_end;
}

SEC("uprobe.multi")
int
mt_entry(struct pt_regs *ctx)
{
    __u32		op = bpf_get_attach_cookie(ctx);
    __u32		tgid;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    struct task_struct	*task;
    __u64		ptr, size;

    if (mode == MT_MODE_EMPTY)
	return 0;
    tgid = bpf_get_current_pid_tgid() >> 32;
    if (!(proc = tracked(tgid)))
	return 0;
    task = bpf_get_current_task_btf();
    libc_known(ctx, proc, task);	/* fill the cache while it is easy */
    t = bpf_task_storage_get(&threads, task, NULL,
			     BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!t) {
	count_lost(proc, MT_LOST_THREAD);
	return 0;
    }

    switch (op) {
    case MT_OP_FREE:		/* no return probe: depth is unchanged */
	ptr = PT_REGS_PARM1(ctx);
	if (t->depth || !ptr)
	    return 0;
	/*
	 * An unknown block freed by libc itself is one it had cached after
	 * the program freed it (tcache flush at thread exit): not a free.
	 * Unknown blocks the program frees were allocated before we attached.
	 */
	if (!forget_alloc(proc, tgid, ptr) && called_by_libc(ctx, proc))
	    return 0;
	__sync_fetch_and_add(&proc->frees, 1);
	emit(proc, op, ptr, 0, 0);
	return 0;
    case MT_OP_MUNMAP:
	if (t->depth || called_by_libc(ctx, proc))
	    return 0;
	ptr = PT_REGS_PARM1(ctx);
	account_free(proc, tgid, ptr);
	emit(proc, op, ptr, PT_REGS_PARM2(ctx), 0);
	return 0;
    case MT_OP_BRK:		/* size: change of the break */
	if (t->depth || called_by_libc(ctx, proc))
	    return 0;
	ptr = BPF_CORE_READ(task, mm, brk);
	emit(proc, op, ptr, (__s64)(PT_REGS_PARM1(ctx) - ptr), 0);
	return 0;
    }

    /* functions with a return probe: remember the outermost call */
    if (t->depth++ != 0)
	return 0;
    t->op = op;
    t->ptr = 0;
    switch (op) {
    case MT_OP_CALLOC:
	size = PT_REGS_PARM1(ctx) * PT_REGS_PARM2(ctx);
	break;
    case MT_OP_REALLOC:
	t->ptr = PT_REGS_PARM1(ctx);
	size = PT_REGS_PARM2(ctx);
	break;
    case MT_OP_REALLOCARRAY:
	t->ptr = PT_REGS_PARM1(ctx);
	size = PT_REGS_PARM2(ctx) * PT_REGS_PARM3(ctx);
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
    if ((op == MT_OP_MMAP || op == MT_OP_SBRK) && called_by_libc(ctx, proc))
	t->op = MT_OP_NONE;
    return 0;
}

SEC("uretprobe.multi")
int
mt_return(struct pt_regs *ctx)
{
    __u32		tgid;
    struct mt_proc	*proc;
    struct mt_thread	*t;
    __u64		ret, addr, size, old;
    __s64		stackid = -1;
    __u32		op;

    if (mode == MT_MODE_EMPTY)
	return 0;
    tgid = bpf_get_current_pid_tgid() >> 32;
    if (!(proc = tracked(tgid)))
	return 0;
    t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL, 0);
    if (!t || t->depth == 0)
	return 0;		/* entered before we attached */
    if (--t->depth != 0)
	return 0;
    op = t->op;
    size = t->size;
    old = t->ptr;
    ret = PT_REGS_RC(ctx);

    switch (op) {
    case MT_OP_NONE:
	return 0;
    case MT_OP_SBRK:		/* addr: the old break */
	if (ret != MAP_FAILED)
	    emit(proc, op, ret, (__s64)size, 0);
	return 0;
    case MT_OP_MMAP:
	if (ret == MAP_FAILED)
	    return 0;
	addr = ret;
	break;
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
	    account_free(proc, tgid, old);
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
	    stackid = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	account_alloc(proc, tgid, addr, size, stackid);
    }
    emit(proc, op, addr, (__s64)size, old);
    return 0;
}

SEC("tp_btf/sched_process_fork")
int
BPF_PROG(mt_fork, struct task_struct *parent, struct task_struct *child)
{
    struct mt_proc	np = { 0 };
    __u32		ptgid = parent->tgid, ctgid = child->tgid;

    if (!follow || child->pid != child->tgid)
	return 0;		/* not following, or a new thread */
    if (!tracked(ptgid))
	return 0;
    np.parent = ptgid;
    if (bpf_map_update_elem(&procs, &ctgid, &np, BPF_NOEXIST) != 0) {
	count_lost(NULL, MT_LOST_TABLE);
	return 0;
    }
    control(MT_REC_FORK, ctgid, ptgid);
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

SEC("tp_btf/sched_process_exit")
int
BPF_PROG(mt_exit, struct task_struct *task)
{
    __u32		tgid = task->tgid;
    struct mt_proc	*proc;

    if (!(proc = tracked(tgid)))
	return 0;
    if (task->signal->live.counter != 0)
	return 0;		/* other threads of the process live on */
    if (__sync_fetch_and_or(&proc->flags, MT_PROC_EXITED) & MT_PROC_EXITED)
	return 0;
    if (mode == MT_MODE_LEAKS)
	send_vmas(task, tgid);
    control(MT_REC_EXIT, tgid, 0);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";

/*
 * memtrack.h - definitions shared by memtrack.bpf.c (kernel side) and
 * memtrack.c (loader and CLI).
 *
 * Only fixed-size types: this header is included both with vmlinux.h
 * (BPF target) and with the C library headers (user space).
 */
#ifndef MEMTRACK_H
#define MEMTRACK_H

#define MT_STACK_DEPTH		64	/* frames kept per user stack */
#define MT_NAME_LEN		64	/* basename of a mapped file */
#define MT_MAX_PROCS		4096	/* tracked processes at a time */

/* the libc functions we probe; the BPF cookie of each probe is its op */
enum mt_op {
    MT_OP_NONE = 0,
    MT_OP_MALLOC,
    MT_OP_CALLOC,
    MT_OP_REALLOC,
    MT_OP_REALLOCARRAY,
    MT_OP_FREE,
    MT_OP_MEMALIGN,
    MT_OP_ALIGNED_ALLOC,	/* glibc < 2.38: the same function as memalign */
    MT_OP_POSIX_MEMALIGN,
    MT_OP_VALLOC,
    MT_OP_PVALLOC,
    MT_OP_MMAP,
    MT_OP_MUNMAP,
    MT_OP_SBRK,
    MT_OP_BRK,
    MT_OP_MAX
};

/*
 * Cookie bits above the op (low byte).  MT_CK_RETONLY: a return probe
 * whose function has no entry program (glibc's malloc in usable-size
 * leaks mode).  MT_CK_SITE: a probe inside glibc's malloc on a branch
 * that leads to its return with the result in %rax (usable-size summary
 * mode, x86-64); MT_CK_TAKEN / MT_CK_FALLTHRU say which of the branch's
 * edges lead there, bits 12-15 its condition (the low nibble of the jcc
 * opcode; an unconditional jmp has both edge bits).
 */
#define MT_CK_OP(c)		((c) & 0xff)
#define MT_CK_RETONLY		(1u << 8)
#define MT_CK_SITE		(1u << 9)
#define MT_CK_TAKEN		(1u << 10)
#define MT_CK_FALLTHRU		(1u << 11)
#define MT_CK_CC_SHIFT		12
#define MT_CK_CC(c)		(((c) >> MT_CK_CC_SHIFT) & 0xf)
/*
 * MT_CK_TCACHE on a malloc site: its fall-through returns a block of
 * glibc's tcache, whose bin index is in the general register numbered
 * (x86 encoding) by bits 16-19: the usable size is 16 * index + 24.
 */
#define MT_CK_TCACHE		(1u << 20)
#define MT_CK_REG_SHIFT		16
#define MT_CK_REG(c)		(((c) >> MT_CK_REG_SHIFT) & 0xf)
/*
 * MT_CK_SITE on free (usable summary mode, x86-64): a probe past glibc's
 * load of the chunk header into %rax; the return address is at %rsp +
 * bits 16-31.
 */
#define MT_CK_RET_SHIFT		16
#define MT_CK_RET(c)		((c) >> MT_CK_RET_SHIFT)

/* what the programs do, fixed before load */
enum mt_mode {
    MT_MODE_EVENTS = 0,		/* per-event records and in-kernel totals */
    MT_MODE_SUMMARY,		/* in-kernel totals only */
    MT_MODE_LEAKS,		/* in-kernel totals, allocation stacks */
    MT_MODE_EMPTY		/* programs return at once: probe cost only */
};

/* record kinds in the ring buffer */
enum mt_rec {
    MT_REC_EVENT = 0,		/* an allocator call (events mode only) */
    MT_REC_FORK,		/* pid is a newly followed child of old */
    MT_REC_EXIT,		/* the last thread of pid exited */
    MT_REC_VMA,			/* an executable file mapping of pid at exit */
    MT_REC_CHANGED		/* pid may no longer be observed: op is why */
};

/*
 * Why a process may no longer be observed (the kernel's rule for
 * ptrace, ptrace_may_access: the same credentials, dumpable, no
 * privilege gained); MT_REC_CHANGED records and mt_proc.changed.
 */
enum mt_change {
    MT_CHG_NONE = 0,
    MT_CHG_EXEC_UID,		/* exec of a set-user-ID program */
    MT_CHG_EXEC_GID,		/* exec of a set-group-ID program */
    MT_CHG_EXEC_CAPS,		/* exec that gained capabilities */
    MT_CHG_UID,			/* user IDs changed (setuid, setresuid, ...) */
    MT_CHG_GID,			/* group IDs changed */
    MT_CHG_CAPS,		/* capabilities gained */
    MT_CHG_DUMPABLE,		/* became non-dumpable */
    MT_CHG_MAX
};

/* lost-record reasons: indexes of the per-CPU "lost" array */
enum mt_loss {
    MT_LOST_RING = 0,		/* bpf_ringbuf_reserve failed: ring full */
    MT_LOST_TABLE,		/* allocation or process table full */
    MT_LOST_THREAD,		/* no per-thread state: call not seen */
    MT_LOST_MAX
};

/* one ring buffer record (48 bytes) */
struct mt_event {
    __u64	ts;		/* CLOCK_MONOTONIC ns */
    __u64	addr;		/* result, freed pointer, or break */
    __s64	size;		/* requested bytes (signed for sbrk/brk) */
    __u64	old;		/* realloc: the old pointer; FORK: the parent */
    __u32	pid;
    __u32	tid;
    __u16	rec;		/* enum mt_rec */
    __u16	op;		/* enum mt_op */
    __u32	slot;		/* FORK: the child's procs slot */
};

/* MT_REC_VMA record: one executable file mapping, for stack resolution */
struct mt_vma {
    struct mt_event	hdr;	/* rec = MT_REC_VMA, pid */
    __u64		start;
    __u64		end;
    __u64		pgoff;	/* file offset of start, in pages */
    char		name[MT_NAME_LEN];
};

/*
 * Credentials a tracked process started with: uid, euid, suid, fsuid,
 * then the same for groups; permitted | effective capabilities.
 */
struct mt_cred {
    __u32	id[8];
    __u64	caps;
};

/*
 * A tracked process: one element of the procs array, found through the
 * pids hash (tgid -> slot) or a thread's cached slot.  The first cache
 * line holds what every probe hit touches.
 */
struct mt_proc {
    __u64		allocs;
    __u64		frees;
    __s64		live_bytes;
    __s64		peak_bytes;
    __u64		lost;
    __u32		tgid;		/* 0: a free slot */
    __u32		flags;		/* MT_PROC_* */
    /*
     * Single-process usable summary mode (memtrack.bpf.c, proc_fast):
     * a hit whose thread has this cred pointer, while no thread is in a
     * probed call and no frees are held back, needs no thread state.
     */
    __u64		cred_ptr;	/* credentials last found unchanged */
    __u32		inside;		/* threads in a call with a return probe */
    __u32		held;		/* frees held back on its threads */
    /* cold */
    __u64		libc_start;	/* libc's text in address space libc_mm */
    __u64		libc_end;
    __u64		libc_mm;
    __s64		tombs;		/* tombstones in the allocation table */
    __u32		parent;		/* followed from this tgid, or 0 */
    __u32		changed;	/* enum mt_change, once it happened */
    struct mt_cred	cred;		/* valid with MT_PROC_CRED */
} __attribute__((aligned(64)));

#define MT_PROC_EXITED	0x1	/* last thread gone: counters are final */
#define MT_PROC_CHANGED	0x2	/* may not be observed: report nothing more */
#define MT_PROC_CRED	0x4	/* cred holds the starting credentials */

/*
 * Outstanding allocations: (address, tgid) -> size + 1 and stack; size
 * 0 is a tombstone, a freed block whose entry the next allocation at
 * that address reuses.  The key is only the address (8 bytes) when one
 * process is tracked, and the value only the size (8 bytes) outside
 * leaks mode.
 */
struct mt_alloc_key {
    __u64	addr;
    __u32	pid;
    __u32	pad;
};

struct mt_alloc {
    __u64	size;		/* bytes + 1, or 0 */
    __u64	stack;		/* key in the stacks map, or 0 */
};

/* a user stack (leaks mode), keyed by a hash of its frames */
struct mt_stack {
    __u32	nr;
    __u32	pad;
    __u64	ip[MT_STACK_DEPTH];
};

/* mt_check's argument (a syscall program user space runs) */
struct mt_check_args {
    __u32	pid;		/* in: tgid */
    __u32	slot;		/* in: its procs slot */
    __u32	snapshot;	/* in: take the starting credentials now */
    __u32	result;		/* out: enum mt_change, or MT_CHECK_GONE */
    __u32	dumpable;	/* out: its mm is dumpable */
    __u32	pad;
};

#define MT_CHECK_GONE	0xffffffffu

#endif /* MEMTRACK_H */

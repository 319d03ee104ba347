/*
 * bpfops.bpf.c - what one BPF operation the memtracker uses costs here
 * (bench/bpfops.c runs it).  One raw_tp program, run by
 * BPF_PROG_TEST_RUN, repeats the operation "which" in a bpf_loop.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct key16 {
    __u64	addr;
    __u32	pid;
    __u32	pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 1 << 20);
    __type(key, struct key16);
    __type(value, __u64);
} table SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, __u64);
} pids SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, __u64);
} procs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, __u64);
} threads SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} ring SEC(".maps");

const volatile __u32 which = 0;
const volatile __u64 uaddr = 0;		/* a readable user address */
__u64 sink;

static long
op(__u64 i, void *ctx)
{
    struct key16	k = { .addr = 0x1000 + (i & 7) * 16, .pid = 42 };
    __u64		v = i, *pv, x[2], *e;
    __u32		key = 42;

    (void)ctx;
    switch (which) {
    case 1:		/* insert and delete */
	bpf_map_update_elem(&table, &k, &v, BPF_NOEXIST);
	bpf_map_delete_elem(&table, &k);
	break;
    case 2:		/* lookup of a missing key */
	if ((pv = bpf_map_lookup_elem(&table, &k)) != NULL)
	    sink += *pv;
	break;
    case 3:		/* lookup of a tgid */
	if ((pv = bpf_map_lookup_elem(&pids, &key)) != NULL)
	    sink += *pv;
	break;
    case 4:
	pv = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (pv)
	    sink += *pv;
	break;
    case 5:		/* an array element and an atomic add */
	if ((pv = bpf_map_lookup_elem(&procs, &key)) != NULL)
	    __sync_fetch_and_add(pv, 1);
	break;
    case 6:
	sink += bpf_ktime_get_ns();
	break;
    case 7:		/* a 48-byte record */
	if ((e = bpf_ringbuf_reserve(&ring, 48, 0)) != NULL) {
	    e[0] = e[1] = e[2] = e[3] = e[4] = e[5] = i;
	    bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	}
	break;
    case 8:
	if (bpf_probe_read_user(x, 8, (void *)uaddr) == 0)
	    sink += x[0];
	break;
    case 9:		/* an unmapped address: a page fault, fixed up */
	if (bpf_probe_read_user(x, 16, (void *)16) == 0)
	    sink += x[0];
	break;
    }
    return 0;
}

SEC("raw_tp")
int
run(void *ctx)
{
    (void)ctx;
    bpf_loop(100000, op, NULL, 0);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";

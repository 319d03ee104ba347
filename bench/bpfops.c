/*
 * bpfops.c - ns per BPF operation the memtracker's programs use, on
 * this machine: each operation 100,000 times in a bpf_loop, the best of
 * 5 runs, less the empty loop.  For bpf/README.md's cost breakdown.
 *
 *   make bench-bpfops      (as root)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpfops.skel.h"

#define LOOPS	100000

static const char *names[] = {
    "empty loop", "hash insert + delete (16-byte key)", "hash lookup, missing key",
    "hash lookup of a tgid (found)", "task storage get", "array element + atomic add",
    "bpf_ktime_get_ns", "ring buffer reserve + submit (48 bytes)",
    "bpf_probe_read_user, 8 bytes", "bpf_probe_read_user, faulting",
};

static double
now_ns(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(void)
{
    static unsigned long long	data[2] = { 1, 2 };
    struct bpfops_bpf		*skel;
    double			base = 0, best, t;
    unsigned			w;
    int				r;

    for (w = 0; w < sizeof(names) / sizeof(names[0]); w++) {
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if ((skel = bpfops_bpf__open()) == NULL)
	    return 2;
	skel->rodata->which = w;
	skel->rodata->uaddr = (unsigned long long)data;
	if (bpfops_bpf__load(skel) != 0) {
	    fprintf(stderr, "bpfops: cannot load: %s\n", strerror(errno));
	    bpfops_bpf__destroy(skel);
	    return 2;
	}
	{
	    unsigned			key = 42;
	    unsigned long long		val = 7;

	    /* the tgid the lookup finds */
	    bpf_map__update_elem(skel->maps.pids, &key, sizeof(key), &val,
				 sizeof(val), 0);
	}
	for (best = 1e30, r = 0; r < 5; r++) {
	    t = now_ns();
	    if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.run), &opts) != 0)
		break;
	    t = (now_ns() - t) / LOOPS;
	    if (t < best)
		best = t;
	}
	if (w == 0)
	    base = best;
	printf("%-42s %7.1f ns\n", names[w], w ? best - base : best);
	bpfops_bpf__destroy(skel);
    }
    return 0;
}

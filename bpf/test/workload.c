/*
 * workload.c - a deterministic allocator workload for pmpipe-memtrack tests.
 *
 *   workload [-w] [-f] [-t THREADS] [-a] [-r] [-u] [-d] [-s PAIRS [-p RATE]] [-b PAIRS]
 *            [-S SECONDS] [-e] N M [PROGRAM ARGS...]
 *
 * Makes N mallocs of the distinct sizes 1000+i (i = 0..N-1), then frees
 * the first M of them, and exits with the other N-M outstanding.  It
 * allocates nothing else: no stdio (reports go through snprintf and
 * write), pointers in a static array.  Nothing is printed.
 *
 *   -w        wait for a byte (or EOF) on stdin first, so a tracker can attach
 *   -f        fork first; the child does the same, the parent waits for it
 *   -t T      do the N mallocs and M frees in each of T threads instead
 *   -a        also call each other allocator function once (sizes 3001..3011)
 *   -r        also, for each size 0..1100, malloc+free it twice: the second
 *             malloc takes the block back from glibc's per-thread cache
 *             (its tcache covers up to 1032 bytes)
 *   -u        print its own totals at exit, in glibc's usable sizes
 *             (malloc_usable_size; mmap by length): "usable allocs=A
 *             frees=F live=L peak=P" on stderr (peak: only without -t)
 *   -s PAIRS  then PAIRS malloc(64)+free pairs, paced at -p RATE calls/s
 *   -d        after the N mallocs and M frees, prctl(PR_SET_DUMPABLE, 0)
 *   -S SECS   at the end, sleep SECS seconds
 *   -e        at the end, execute PROGRAM with ARGS (instead of exiting)
 *   -b PAIRS  time PAIRS malloc(64)+free pairs; print "pairs=N ns=T cpu=C" on
 *             stderr: elapsed and CPU (user + system, traps included) ns
 */
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXN	(1 << 20)
#define MAXT	16

static void	*ptrs[MAXN];
static void	*volatile sink;
static long long n, m;
static long long u_allocs, u_frees, u_live, u_peak;	/* -u */

/* -u accounting (atomic: threads share it); not an allocator call */
static void
u_add(long long allocs, long long frees, long long bytes)
{
    long long	live;

    __atomic_add_fetch(&u_allocs, allocs, __ATOMIC_RELAXED);
    __atomic_add_fetch(&u_frees, frees, __ATOMIC_RELAXED);
    live = __atomic_add_fetch(&u_live, bytes, __ATOMIC_RELAXED);
    if (live > u_peak)
	u_peak = live;
}

static void *
u_alloc(void *p)
{
    if (p)
	u_add(1, 0, (long long)malloc_usable_size(p));
    return p;
}

static void
u_free(void *p)
{
    if (p)
	u_add(0, 1, -(long long)malloc_usable_size(p));
}

static long long
clock_ns(clockid_t id)
{
    struct timespec	ts;

    clock_gettime(id, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long
now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/* a line on stderr without stdio (which would allocate) */
static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
    char	buf[128];
    va_list	ap;
    int		len;

    va_start(ap, fmt);
    len = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (len > 0 && write(2, buf, (size_t)len) < 0)
	_exit(1);
}

/* each allocator function once, with sizes 3001.. */
static void
all_functions(void)
{
    void	*p, *q;

    p = u_alloc(calloc(3, 1001));		/* 3003 */
    u_free(p);
    free(p);
    p = u_alloc(realloc(NULL, 3004));		/* realloc as malloc */
    u_free(p);
    q = u_alloc(realloc(p, 3005));		/* grow */
    u_free(q);
    free(q);
    p = u_alloc(malloc(3006));
    u_free(p);
    q = u_alloc(reallocarray(p, 3, 1002));	/* 3006 -> 3006 bytes moved or kept */
    u_free(q);
    free(q);
    p = u_alloc(memalign(64, 3007));
    u_free(p);
    free(p);
    p = u_alloc(aligned_alloc(64, 3008));
    u_free(p);
    free(p);
    if (posix_memalign(&p, 64, 3009) == 0) {
	u_alloc(p);
	u_free(p);
	free(p);
    }
    p = u_alloc(valloc(3010));
    u_free(p);
    free(p);
    p = u_alloc(pvalloc(3011));
    u_free(p);
    free(p);
    p = mmap(NULL, 3 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
	u_add(1, 0, 3 << 12);
	munmap(p, 3 << 12);
	u_add(0, 1, -(3 << 12));
    }
    p = u_alloc(malloc(3001));
    u_free(p);
    p = realloc(p, 0);				/* realloc as free */
    (void)p;
}

/* -r: each size twice, the second time from the cache the free filled */
static void
reuse(void)
{
    void	*p;
    size_t	size;
    int		k;

    for (size = 0; size <= 1100; size++)
	for (k = 0; k < 2; k++) {
	    if ((p = u_alloc(malloc(size))) == NULL)
		_exit(1);
	    u_free(p);
	    free(p);
	}
}

/* the N mallocs and M frees, pointers in slice [k*n/t, (k+1)*n/t) */
static void *
work(void *arg)
{
    void	**p = arg;
    long long	i;

    for (i = 0; i < n; i++)
	if ((p[i] = u_alloc(malloc((size_t)(1000 + i)))) == NULL)
	    _exit(1);
    for (i = 0; i < m; i++) {
	u_free(p[i]);
	free(p[i]);
    }
    return NULL;
}

static void
pairs(long long count, long long rate)
{
    long long	i, t0 = now_ns(), step = rate > 0 ? 2000000000LL / rate : 0;

    for (i = 0; i < count; i++) {
	if (step)
	    while (now_ns() < t0 + i * step)
		;
	sink = malloc(64);
	free(sink);
    }
}

int
main(int argc, char **argv)
{
    long long	storm = 0, rate = 0, bench = 0, t0, c0;
    int		c, wait_stdin = 0, fork_child = 0, all = 0, status, k, threads = 0;
    int		again = 0;
    int		usable = 0, nodump = 0, exec_after = 0, pause = 0;
    pthread_t	tid[MAXT];
    pid_t	child = -1;
    char	b;

    while ((c = getopt(argc, argv, "+wft:arudes:p:b:S:")) != -1) {
	switch (c) {
	case 'w': wait_stdin = 1; break;
	case 'u': usable = 1; break;
	case 'd': nodump = 1; break;
	case 'e': exec_after = 1; break;
	case 'S': pause = atoi(optarg); break;
	case 'f': fork_child = 1; break;
	case 't': threads = atoi(optarg); break;
	case 'a': all = 1; break;
	case 'r': again = 1; break;
	case 's': storm = atoll(optarg); break;
	case 'p': rate = atoll(optarg); break;
	case 'b': bench = atoll(optarg); break;
	default: return 2;
	}
    }
    if (exec_after ? optind + 3 > argc : optind + 2 != argc)
	return 2;
    n = atoll(argv[optind]);
    m = atoll(argv[optind + 1]);
    if (n < 0 || m < 0 || m > n || threads < 0 || threads > MAXT ||
	n * (threads ? threads : 1) > MAXN)
	return 2;
    if (wait_stdin && read(0, &b, 1) < 0)
	return 1;
    if (fork_child && (child = fork()) < 0)
	return 1;

    if (threads == 0)
	work(ptrs);
    for (k = 0; k < threads; k++)
	if (pthread_create(&tid[k], NULL, work, ptrs + k * n) != 0)
	    return 1;
    for (k = 0; k < threads; k++)
	pthread_join(tid[k], NULL);
    if (nodump && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
	return 1;
    if (all)
	all_functions();
    if (again)
	reuse();
    if (storm)
	pairs(storm, rate);
    if (bench) {
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns();
	pairs(bench, 0);
	t0 = now_ns() - t0;
	say("pairs=%lld ns=%lld cpu=%lld\n", bench, t0,
	    clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0);
    }
    if (usable) {
	say("usable allocs=%lld frees=%lld live=%lld peak=%lld\n",
	    u_allocs, u_frees, u_live, u_peak);
    }
    if (child > 0)
	while (waitpid(child, &status, 0) < 0)
	    ;
    if (pause)
	sleep((unsigned)pause);
    if (exec_after) {
	execv(argv[optind + 2], argv + optind + 2);
	return 127;
    }
    return 0;
}

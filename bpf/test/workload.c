/*
 * workload.c - a deterministic allocator workload for pmpipe-memtrack tests.
 *
 *   workload [-w] [-f] [-t THREADS] [-a] [-s PAIRS [-p RATE]] [-b PAIRS] N M
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
 *   -s PAIRS  then PAIRS malloc(64)+free pairs, paced at -p RATE calls/s
 *   -b PAIRS  time PAIRS malloc(64)+free pairs; print "pairs=N ns=T" on stderr
 */
#include <malloc.h>
#include <pthread.h>
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

static long long
now_ns(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
say(const char *fmt, long long a, long long b)
{
    char	buf[128];
    int		n = snprintf(buf, sizeof(buf), fmt, a, b);

    if (n > 0 && write(2, buf, (size_t)n) < 0)
	_exit(1);
}

/* each allocator function once, with sizes 3001.. */
static void
all_functions(void)
{
    void	*p, *q;

    p = calloc(3, 1001);			/* 3003 */
    free(p);
    p = realloc(NULL, 3004);			/* realloc as malloc */
    q = realloc(p, 3005);			/* grow */
    free(q);
    p = malloc(3006);
    q = reallocarray(p, 3, 1002);		/* 3006 -> 3006 bytes moved or kept */
    free(q);
    p = memalign(64, 3007);
    free(p);
    p = aligned_alloc(64, 3008);
    free(p);
    if (posix_memalign(&p, 64, 3009) == 0)
	free(p);
    p = valloc(3010);
    free(p);
    p = pvalloc(3011);
    free(p);
    p = mmap(NULL, 3 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
	munmap(p, 3 << 12);
    p = realloc(malloc(3001), 0);		/* realloc as free */
    (void)p;
}

/* the N mallocs and M frees, pointers in slice [k*n/t, (k+1)*n/t) */
static void *
work(void *arg)
{
    void	**p = arg;
    long long	i;

    for (i = 0; i < n; i++)
	if ((p[i] = malloc((size_t)(1000 + i))) == NULL)
	    _exit(1);
    for (i = 0; i < m; i++)
	free(p[i]);
    return NULL;
}

static void
pairs(long long n, long long rate)
{
    long long	i, t0 = now_ns(), step = rate > 0 ? 2000000000LL / rate : 0;

    for (i = 0; i < n; i++) {
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
    long long	storm = 0, rate = 0, bench = 0, t0;
    int		c, wait_stdin = 0, fork_child = 0, all = 0, status, k, threads = 0;
    pthread_t	tid[MAXT];
    pid_t	child = -1;
    char	b;

    while ((c = getopt(argc, argv, "wft:as:p:b:")) != -1) {
	switch (c) {
	case 'w': wait_stdin = 1; break;
	case 'f': fork_child = 1; break;
	case 't': threads = atoi(optarg); break;
	case 'a': all = 1; break;
	case 's': storm = atoll(optarg); break;
	case 'p': rate = atoll(optarg); break;
	case 'b': bench = atoll(optarg); break;
	default: return 2;
	}
    }
    if (optind + 2 != argc)
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
    if (all)
	all_functions();
    if (storm)
	pairs(storm, rate);
    if (bench) {
	t0 = now_ns();
	pairs(bench, 0);
	say("pairs=%lld ns=%lld\n", bench, now_ns() - t0);
    }
    if (child > 0)
	while (waitpid(child, &status, 0) < 0)
	    ;
    return 0;
}

/*
 * sanitizer_selftest.c - built like the qa-asan PMDA (same compiler,
 * flags and qa/asan_options.c) and run by scripts/qa-run.sh --asan
 * before the suite: one UBSan and one ASan finding must each leave a
 * report file where the run looks for them, or a sanitizer run that
 * found something could pass unnoticed (GCC's split runtimes sent UBSan
 * to the PMDA's stderr, pipe.log, whatever log_path said).
 *
 *	sanitizer_selftest ub|asan
 */
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    volatile int	big = 0x7fffffff;
    char		*p;

    if (argc > 1 && strcmp(argv[1], "ub") == 0)
	return big + argc;	/* signed overflow: UBSan aborts */
    p = malloc(4);
    free(p);
    return p[argc];		/* use after free: ASan aborts */
}

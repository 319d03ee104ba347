/*
 * testutil.h - helpers shared by the cmocka unit tests: removing a
 * temporary directory tree, and comparing a parser's diagnostics.
 * Include after <cmocka.h> (and "config.h" for check_diag).
 */
#ifndef PIPE_TESTUTIL_H
#define PIPE_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline int
testutil_rm_entry(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* remove dir and everything under it */
static inline int
rm_tree(const char *dir)
{
    return nftw(dir, testutil_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#ifdef PIPE_CONFIG_H
/*
 * Compare diagnostics with want (NULL-terminated), printing every
 * difference; returns the number of differences.
 */
static inline int
check_diag(const char *row, const struct config_diag *d,
	const char *const *want)
{
    size_t	i, n;
    int		bad = 0;

    for (n = 0; want[n] != NULL; n++)
	;
    for (i = 0; i < n && i < d->nmsgs; i++) {
	if (strcmp(d->msgs[i], want[i]) != 0) {
	    print_error("[%s] message %zu:\n  got  \"%s\"\n  want \"%s\"\n",
			row, i, d->msgs[i], want[i]);
	    bad++;
	}
    }
    if (d->nmsgs != n) {
	print_error("[%s] %zu messages, expected %zu:\n", row, d->nmsgs, n);
	for (i = 0; i < d->nmsgs; i++)
	    print_error("  \"%s\"\n", d->msgs[i]);
	bad++;
    }
    return bad;
}
#endif

#endif /* PIPE_TESTUTIL_H */

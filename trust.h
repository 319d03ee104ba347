/*
 * trust.h - may a program running as root trust a file?  As sudo and
 * sshd's StrictModes judge it: the file and every directory above it are
 * owned by root and writable by no one else, and a symbolic link is
 * followed only as far as its target passes the same test.  Pure: no
 * libpcp, no NSS (owners and groups are named by number).
 */
#ifndef PIPE_TRUST_H
#define PIPE_TRUST_H

#include <stddef.h>
#include <sys/types.h>

struct trust_rules {
    uid_t	owner;		/* the one trusted owner: 0 (tests: their uid) */
    /*
     * NULL for the PMDA.  Tests: an absolute path without symbolic links
     * whose own directories are taken as trusted; a walk of a path under
     * it starts there (anything reached through "..", or a link out of
     * it, is judged as usual).
     */
    const char	*top;
};

enum {
    TRUST_READ	 = 1 << 0,	/* open the file for reading (else O_PATH) */
    TRUST_DIR	 = 1 << 1,	/* want a directory (opened for reading) */
    /*
     * Every user may read it already: the file readable and each
     * directory above it searchable by others.  Text of such a file can
     * be quoted where every user can see it (pipe.log) without
     * disclosing anything.
     */
    TRUST_PUBLIC = 1 << 2,
};

/* room for a reason: two paths and some words */
#define TRUST_WHY_MAX	8400

/*
 * Walk path (relative paths start at the working directory) one
 * component at a time, from "/" (or top): each component is opened with
 * O_PATH | O_NOFOLLOW relative to the directory before it and judged by
 * fstat of that descriptor, so nothing can be swapped between the check
 * and the use; a symbolic link's target is walked the same way.
 * Returns a descriptor (O_CLOEXEC) of the regular file (or, with
 * TRUST_DIR, the directory) reached, or:
 *	-EPERM	refused: why says which path and why
 *		("/tmp is writable by every user (mode 1777)")
 *	-EISDIR	a directory where a file is wanted (TRUST_DIR not given)
 *	-ENOENT, -ENOTDIR, -ELOOP, -EACCES, ...: the path cannot be walked
 *		(why says where)
 */
int trust_open(const struct trust_rules *, const char *path, int flags,
		char *why, size_t whylen);

#endif /* PIPE_TRUST_H */

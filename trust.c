/*
 * trust.c - a path judged one component at a time (trust.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "trust.h"

#define TRUST_MAXLINKS	40	/* symbolic links per walk, as the kernel's limit */

struct walk {
    const struct trust_rules *r;
    int		flags;
    int		fd;			/* the directory reached, judged */
    char	where[PATH_MAX];	/* its path ("" is "/") */
    char	rest[2 * PATH_MAX];	/* the components still to walk */
    int		links;
    char	*why;
    size_t	whylen;
};

static int
fail(struct walk *w, int sts, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct walk *w, int sts, const char *fmt, ...)
{
    va_list	ap;

    va_start(ap, fmt);
    vsnprintf(w->why, w->whylen, fmt, ap);
    va_end(ap);
    return sts;
}

/* a system call failed on name */
static int
fail_errno(struct walk *w, const char *name)
{
    int		err = errno;

    return fail(w, -err, "%s: %s", name, strerror(err));
}

/*
 * The test itself: owned by root (or the rules' owner), writable by no
 * group and no other user; with TRUST_PUBLIC also readable (a file) or
 * searchable (a directory) by every user.
 */
static int
judge(struct walk *w, const char *name, const struct stat *sb)
{
    unsigned int	mode = sb->st_mode & 07777;
    int			dir = S_ISDIR(sb->st_mode);

    if (sb->st_uid != 0 && sb->st_uid != w->r->owner)
	return fail(w, -EPERM, "%s is writable by uid %u (its owner)", name,
		    (unsigned)sb->st_uid);
    if (mode & S_IWOTH)
	return fail(w, -EPERM, "%s is writable by every user (mode %04o)",
		    name, mode);
    if (mode & S_IWGRP)
	return fail(w, -EPERM, "%s is writable by group %u (mode %04o)",
		    name, (unsigned)sb->st_gid, mode);
    if ((w->flags & TRUST_PUBLIC) && dir && !(mode & S_IXOTH))
	return fail(w, -EPERM, "%s is not searchable by every user (mode "
		    "%04o)", name, mode);
    if ((w->flags & TRUST_PUBLIC) && !dir && !(mode & S_IROTH))
	return fail(w, -EPERM, "%s is not readable by every user (mode %04o)",
		    name, mode);
    return 0;
}

/* where/comp, or where itself (comp NULL), for messages */
static const char *
name_of(const struct walk *w, const char *comp, char *buf, size_t len)
{
    if (comp != NULL)
	snprintf(buf, len, "%s/%s", w->where, comp);
    else
	snprintf(buf, len, "%s", w->where[0] ? w->where : "/");
    return buf;
}

/*
 * w->rest is an absolute path: start from top when it lies under top
 * (top itself is not judged), else from "/" (judged).
 */
static int
walk_start(struct walk *w)
{
    const char	*top = w->r->top;
    size_t	n = top ? strlen(top) : 0;
    struct stat	sb;
    int		fd, sts;

    if (n > 1 && strncmp(w->rest, top, n) == 0 &&
	(w->rest[n] == '/' || w->rest[n] == '\0')) {
	if (n >= sizeof(w->where))
	    return fail(w, -ENAMETOOLONG, "%s: %s", top, strerror(ENAMETOOLONG));
	if ((fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
	    return fail_errno(w, top);
	memcpy(w->where, top, n + 1);
	memmove(w->rest, w->rest + n, strlen(w->rest + n) + 1);
    } else {
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
	    return fail_errno(w, "/");
	w->where[0] = '\0';
	if (fstat(fd, &sb) < 0)
	    sts = fail_errno(w, "/");
	else
	    sts = judge(w, "/", &sb);
	if (sts < 0) {
	    close(fd);
	    return sts;
	}
    }
    if (w->fd >= 0)
	close(w->fd);
    w->fd = fd;
    return 0;
}

/* the next component of w->rest into comp: 1, 0 when none is left, or -errno */
static int
next_comp(struct walk *w, char *comp, size_t len)
{
    char	*s = w->rest, *e;
    size_t	n;

    while (*s == '/')
	s++;
    if (*s == '\0')
	return 0;
    e = s + strcspn(s, "/");
    if ((n = e - s) >= len)
	return fail(w, -ENAMETOOLONG, "%.64s...: %s", s, strerror(ENAMETOOLONG));
    memcpy(comp, s, n);
    comp[n] = '\0';
    memmove(w->rest, e, strlen(e) + 1);
    return 1;
}

static int
more_comps(const struct walk *w)
{
    return w->rest[strspn(w->rest, "/")] != '\0';
}

/* a symbolic link (fd, O_PATH) named name: its target goes in front of rest */
static int
follow(struct walk *w, int fd, const char *name)
{
    char	target[PATH_MAX];
    size_t	tlen, rlen = strlen(w->rest);
    ssize_t	n;

    if (++w->links > TRUST_MAXLINKS)
	return fail(w, -ELOOP, "%s: %s", name, strerror(ELOOP));
    if ((n = readlinkat(fd, "", target, sizeof(target))) < 0)
	return fail_errno(w, name);
    if (n == 0 || (size_t)n >= sizeof(target))
	return fail(w, n ? -ENAMETOOLONG : -ENOENT, "%s: %s", name,
		    strerror(n ? ENAMETOOLONG : ENOENT));
    tlen = n;
    if (tlen + 1 + rlen >= sizeof(w->rest))
	return fail(w, -ENAMETOOLONG, "%s: %s", name, strerror(ENAMETOOLONG));
    memmove(w->rest + tlen + 1, w->rest, rlen + 1);
    memcpy(w->rest, target, tlen);
    w->rest[tlen] = '/';
    /* a relative target goes on from the link's directory (already judged) */
    return target[0] == '/' ? walk_start(w) : 0;
}

/* the path ends at the directory reached */
static int
final_dir(struct walk *w)
{
    char	name[PATH_MAX];
    int		fd;

    name_of(w, NULL, name, sizeof(name));
    if (!(w->flags & TRUST_DIR))
	return fail(w, -EISDIR, "%s is a directory", name);
    if ((fd = openat(w->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
	return fail_errno(w, name);
    return fd;
}

/* the path ends at comp, not a directory or link, opened as fd (O_PATH) */
static int
final_file(struct walk *w, int fd, const char *comp, const char *name,
	const struct stat *sb)
{
    struct stat	rsb;
    int		rfd, sts;

    if (w->flags & TRUST_DIR)
	sts = fail(w, -ENOTDIR, "%s is not a directory", name);
    else if (!S_ISREG(sb->st_mode))
	sts = fail(w, -EPERM, "%s is not a regular file", name);
    else
	sts = judge(w, name, sb);
    if (sts < 0) {
	close(fd);
	return sts;
    }
    if (!(w->flags & TRUST_READ))
	return fd;
    close(fd);
    /* O_NONBLOCK: had it become a FIFO, the open must not hang */
    if ((rfd = openat(w->fd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		      O_CLOEXEC)) < 0)
	return fail_errno(w, name);
    if (fstat(rfd, &rsb) < 0 || rsb.st_dev != sb->st_dev ||
	rsb.st_ino != sb->st_ino) {
	close(rfd);
	return fail(w, -EPERM, "%s changed while it was being checked", name);
    }
    return rfd;
}

int
trust_open(const struct trust_rules *r, const char *path, int flags,
	char *why, size_t whylen)
{
    struct walk	w = { .r = r, .flags = flags, .fd = -1, .why = why,
		      .whylen = whylen };
    char	comp[NAME_MAX + 1], name[PATH_MAX + NAME_MAX + 2];
    struct stat	sb;
    size_t	n;
    int		fd, sts;

    why[0] = '\0';
    n = 0;
    if (path[0] != '/') {
	/* relative: from the working directory, judged from "/" as well */
	if (getcwd(w.rest, sizeof(w.rest)) == NULL)
	    return fail_errno(&w, ".");
	n = strlen(w.rest);
	w.rest[n++] = '/';
    }
    if (n + strlen(path) >= sizeof(w.rest))
	return fail(&w, -ENAMETOOLONG, "%.64s...: %s", path,
		    strerror(ENAMETOOLONG));
    strcpy(w.rest + n, path);
    if ((sts = walk_start(&w)) < 0)
	return sts;
    for (;;) {
	if ((sts = next_comp(&w, comp, sizeof(comp))) <= 0) {
	    if (sts == 0)
		sts = final_dir(&w);	/* "/", "dir/", "x/.." */
	    break;
	}
	if (strcmp(comp, ".") == 0)
	    continue;
	if (strcmp(comp, "..") == 0) {
	    if (w.where[0] == '\0')
		continue;		/* "/.." is "/" */
	    if ((fd = openat(w.fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		sts = fail_errno(&w, name_of(&w, comp, name, sizeof(name)));
		break;
	    }
	    *strrchr(w.where, '/') = '\0';
	    name_of(&w, NULL, name, sizeof(name));
	    if (fstat(fd, &sb) < 0 || (sts = judge(&w, name, &sb)) < 0) {
		sts = sts < 0 ? sts : fail_errno(&w, name);
		close(fd);
		break;
	    }
	    close(w.fd);
	    w.fd = fd;
	    continue;
	}
	name_of(&w, comp, name, sizeof(name));
	if ((fd = openat(w.fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) < 0) {
	    sts = fail_errno(&w, name);
	    if (fd >= 0)
		close(fd);
	    break;
	}
	if (S_ISLNK(sb.st_mode)) {
	    sts = follow(&w, fd, name);
	    close(fd);
	    if (sts < 0)
		break;
	    continue;
	}
	if (S_ISDIR(sb.st_mode)) {
	    if ((sts = judge(&w, name, &sb)) < 0) {
		close(fd);
		break;
	    }
	    if (strlen(name) >= sizeof(w.where)) {
		close(fd);
		sts = fail(&w, -ENAMETOOLONG, "%.64s...: %s", name,
			   strerror(ENAMETOOLONG));
		break;
	    }
	    strcpy(w.where, name);
	    close(w.fd);
	    w.fd = fd;
	    continue;
	}
	if (more_comps(&w)) {
	    close(fd);
	    sts = fail(&w, -ENOTDIR, "%s: %s", name, strerror(ENOTDIR));
	    break;
	}
	sts = final_file(&w, fd, comp, name, &sb);
	break;
    }
    if (w.fd >= 0)
	close(w.fd);
    return sts;
}

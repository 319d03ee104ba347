/*
 * procmaps.c - executable file mappings of a process.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "procmaps.h"

int
procmap_add(struct procmap *pm, unsigned long start, unsigned long end,
	    unsigned long pgoff, const char *path)
{
    struct pm_entry	*e;
    const char		*base;

    if (pm->n == pm->max) {
	size_t	max = pm->max ? 2 * pm->max : 32;

	if ((e = realloc(pm->e, max * sizeof(*e))) == NULL)
	    return -ENOMEM;
	pm->e = e;
	pm->max = max;
    }
    e = &pm->e[pm->n];
    base = strrchr(path, '/');
    e->start = start;
    e->end = end;
    e->pgoff = pgoff;
    e->path = base ? strdup(path) : NULL;
    e->name = strdup(base ? base + 1 : path);
    if (e->name == NULL || (base && e->path == NULL)) {
	free(e->name);
	free(e->path);
	return -ENOMEM;
    }
    pm->n++;
    return 0;
}

void
procmap_clear(struct procmap *pm)
{
    size_t	i;

    for (i = 0; i < pm->n; i++) {
	free(pm->e[i].name);
	free(pm->e[i].path);
    }
    free(pm->e);
    pm->e = NULL;
    pm->n = pm->max = 0;
}

/* one /proc/PID/maps line: executable file mappings only */
static int
parse_line(char *line, unsigned long *start, unsigned long *end,
	   unsigned long *pgoff, char **path)
{
    char	perms[8];
    int		pos = 0;
    size_t	len;

    if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", start, end, perms,
	       pgoff, &pos) < 4 || pos == 0)
	return 0;
    if (perms[2] != 'x' || line[pos] != '/')
	return 0;
    *path = line + pos;
    len = strlen(*path);
    if (len && (*path)[len - 1] == '\n')
	(*path)[--len] = '\0';
    return 1;
}

int
procmap_read(pid_t pid, struct procmap *pm)
{
    struct procmap	fresh = { 0 };
    char		name[64], line[4096 + 128], *path;
    unsigned long	start, end, pgoff;
    FILE		*f;
    int			sts = 0;

    snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
    if ((f = fopen(name, "re")) == NULL)
	return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
	if (!parse_line(line, &start, &end, &pgoff, &path))
	    continue;
	if ((sts = procmap_add(&fresh, start, end, pgoff, path)) < 0)
	    break;
    }
    fclose(f);
    if (sts == 0 && fresh.n == 0)
	sts = -ESRCH;			/* exited: the file reads empty */
    if (sts < 0) {
	procmap_clear(&fresh);
	return sts;
    }
    procmap_clear(pm);
    *pm = fresh;
    return 0;
}

const struct pm_entry *
procmap_find(const struct procmap *pm, unsigned long addr)
{
    size_t	i;

    for (i = 0; i < pm->n; i++)
	if (addr >= pm->e[i].start && addr < pm->e[i].end)
	    return &pm->e[i];
    return NULL;
}

void
procmap_format(const struct procmap *pm, unsigned long addr, char *buf, size_t len)
{
    const struct pm_entry	*e = procmap_find(pm, addr);

    if (e)
	snprintf(buf, len, "%s+0x%lx", e->name, addr - e->start + e->pgoff);
    else
	snprintf(buf, len, "0x%lx", addr);
}

/* does path name the file with this device and inode? */
static int
same_file(const char *path, unsigned int maj, unsigned int min, unsigned long ino)
{
    struct stat	st;

    if (stat(path, &st) < 0)
	return -errno;
    if (major(st.st_dev) != maj || minor(st.st_dev) != min || st.st_ino != ino)
	return -EXDEV;
    return 0;
}

int
procmap_libc(pid_t pid, char *out, size_t len)
{
    char		name[64], line[4096 + 128], *path, *base;
    unsigned long	start, end, pgoff, ino;
    unsigned int	maj, min;
    FILE		*f;
    int			sts = -ENOENT;

    snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
    if ((f = fopen(name, "re")) == NULL)
	return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
	if (!parse_line(line, &start, &end, &pgoff, &path))
	    continue;
	base = strrchr(path, '/') + 1;
	/* libc.so.6, or libc-2.NN.so on older distributions */
	if (strcmp(base, "libc.so.6") != 0 &&
	    fnmatch("libc-[0-9]*.so", base, 0) != 0)
	    continue;
	if (sscanf(line, "%*x-%*x %*s %*x %x:%x %lu", &maj, &min, &ino) != 3) {
	    sts = -EINVAL;
	    break;
	}
	/* through the target's root: right in any mount namespace */
	if ((size_t)snprintf(out, len, "/proc/%d/root%s", (int)pid, path) >= len) {
	    sts = -ENAMETOOLONG;
	    break;
	}
	if ((sts = same_file(out, maj, min, ino)) != -EACCES)
	    break;
	/*
	 * /proc/PID/root of another user's process needs CAP_SYS_PTRACE;
	 * the same path here will do if it is the very same file.
	 */
	if ((size_t)snprintf(out, len, "%s", path) >= len) {
	    sts = -ENAMETOOLONG;
	    break;
	}
	sts = same_file(out, maj, min, ino);
	if (sts == -ENOENT)
	    sts = -EXDEV;	/* elsewhere: only /proc/PID/root reaches it */
	break;
    }
    fclose(f);
    return sts;
}

/*
 * procmaps.h - executable file mappings of a process, for resolving
 * user stack addresses to module+offset and for finding its libc.
 */
#ifndef MT_PROCMAPS_H
#define MT_PROCMAPS_H

#include <stddef.h>
#include <sys/types.h>

struct pm_entry {
    unsigned long	start;
    unsigned long	end;
    unsigned long	pgoff;		/* file offset of start */
    char		*name;		/* basename of the file */
    char		*path;		/* full path, or NULL */
};

struct procmap {
    struct pm_entry	*e;
    size_t		n, max;
};

/* add one mapping; -errno */
int procmap_add(struct procmap *pm, unsigned long start, unsigned long end,
		unsigned long pgoff, const char *path);

/* replace pm with the executable file mappings in /proc/PID/maps; -errno */
int procmap_read(pid_t pid, struct procmap *pm);

void procmap_clear(struct procmap *pm);

const struct pm_entry *procmap_find(const struct procmap *pm, unsigned long addr);

/* "name+0xoff" for addr, or "0xaddr" when no mapping holds it */
void procmap_format(const struct procmap *pm, unsigned long addr, char *buf, size_t len);

/*
 * The path of the C library mapped executable in pid, as seen from here:
 * through /proc/PID/root, or where that is denied, the same path if it
 * names the same file (device and inode as in the maps).  -ENOENT when
 * there is none, -EXDEV when it cannot be reached, else -errno of
 * reading the maps.
 */
int procmap_libc(pid_t pid, char *path, size_t len);

#endif /* MT_PROCMAPS_H */

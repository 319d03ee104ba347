/*
 * cgroup_file.h - write one value into a file of a cgroup directory
 * (cgroup.c, cgroup_systemd.c, cgroup_v1.c).  Never creates it: a cgroup
 * has its files, anything else is not one.  0 or -errno.
 */
#ifndef PIPE_CGROUP_FILE_H
#define PIPE_CGROUP_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline int
cgroup_file_write(const char *dir, const char *file, const char *value)
{
    char	path[PATH_MAX];
    int		fd, n, sts = 0;
    size_t	len = strlen(value);

    n = snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof(path))
	return -ENAMETOOLONG;
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
	return -errno;
    if (write(fd, value, len) != (ssize_t)len)
	sts = -errno;
    close(fd);
    return sts;
}

#endif /* PIPE_CGROUP_FILE_H */

/*
 * slow_chdir.c - LD_PRELOAD shim for qa tests: chdir() into a path that
 * contains "pqa-slowhome" takes 2 seconds, as an NFS home directory that
 * does not answer.  Everything else goes straight to the real call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

int
chdir(const char *path)
{
    static int	(*real)(const char *);

    if (real == NULL)
	real = (int (*)(const char *))dlsym(RTLD_NEXT, "chdir");
    if (path && strstr(path, "pqa-slowhome") != NULL)
	sleep(2);
    return real(path);
}

/*
 * nss_pqaslow.c - an NSS passwd service that is slow and knows nobody,
 * as a directory service on a bad day: every lookup waits
 * $PQASLOW_SECS (default 3) seconds (read from /run/pqaslow.secs if it
 * exists) and answers "not found", so NSS goes on to the next service.
 * Built and installed by qa tests only (libnss_pqaslow.so.2).
 */
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void
slow(void)
{
    FILE	*f;
    int		secs = 3;

    if ((f = fopen("/run/pqaslow.secs", "r")) != NULL) {
	if (fscanf(f, "%d", &secs) != 1)
	    secs = 3;
	fclose(f);
    }
    sleep(secs);
}

enum nss_status
_nss_pqaslow_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
	int *errnop)
{
    (void)uid; (void)pw; (void)buf; (void)len; (void)errnop;
    slow();
    return NSS_STATUS_NOTFOUND;
}

enum nss_status
_nss_pqaslow_getpwnam_r(const char *name, struct passwd *pw, char *buf,
	size_t len, int *errnop)
{
    (void)name; (void)pw; (void)buf; (void)len; (void)errnop;
    slow();
    return NSS_STATUS_NOTFOUND;
}

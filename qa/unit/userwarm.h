/*
 * userwarm.h - for unit tests whose code resolves users (users.c): start
 * the lookup worker and have the answers for root and the named users in
 * hand first.  The store path waits USERS_WAIT_MS for a fresh answer and
 * otherwise serves the last one; a first NSS lookup is slow under valgrind
 * or on a loaded machine, and without an earlier answer the test would see
 * "try again" instead of what it checks.  Include after "users.h".
 */
#ifndef PIPE_USERWARM_H
#define PIPE_USERWARM_H

#define USERWARM_WAIT_MS	60000
#define USERWARM_TTL_MS		3600000L

/* names: NULL-terminated; 0, or -1 when the worker or a lookup fails */
static inline int
users_warm(const char *const *names)
{
    struct user_info	info;

    if (users_init() < 0)
	return -1;
    users_set_ttl(USERWARM_TTL_MS, USERWARM_TTL_MS);
    if (users_by_uid(0, USERWARM_WAIT_MS, &info) != 1)
	return -1;
    user_info_clear(&info);
    for (; *names != NULL; names++) {
	if (users_by_name(*names, USERWARM_WAIT_MS, &info) != 1)
	    return -1;
	user_info_clear(&info);
    }
    return 0;
}

#endif /* PIPE_USERWARM_H */

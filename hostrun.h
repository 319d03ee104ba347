/*
 * hostrun.h - one pmpipe run on one host: connect to its pmcd, start the
 * instance's command, fetch the records until the END record (or -T, or
 * a stop), and print them, each line prefixed with the host's name when
 * several hosts run (fanout.c runs each in a thread of its own).
 */
#ifndef PIPE_HOSTRUN_H
#define PIPE_HOSTRUN_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

/* what every run does: pmpipe's options */
struct run_opts {
    const char		*inst;		/* instance name */
    const char		*params;	/* parameters, space-separated */
    double		interval;	/* -t seconds */
    double		limit;		/* -T seconds, or 0 */
    int			count;		/* -c */
    int			prefix;		/* "host: " before every line */
    int			many;		/* more than one host */
    struct timespec	t0;		/* when pmpipe started */
};

/* shared by the runs of one pmpipe */
struct runctl {
    pthread_mutex_t	stop_lock;
    pthread_cond_t	wake;		/* stop was set (CLOCK_MONOTONIC) */
    int			stop;		/* the signal that stops every run */
    pthread_mutex_t	out_lock;	/* one run writes its lines at a time */
    pthread_mutex_t	prompt_lock;	/* one password prompt at a time */
};

struct outbuf {
    char		*buf;
    size_t		len, size;
};

struct hostrun {
    const char		*spec;		/* the host spec as given */
    char		*name;		/* spec without its ?attributes */
    const struct run_opts *o;
    struct runctl	*ctl;
    struct outbuf	out, err;	/* this fetch's lines, not yet written */
    unsigned long long	records, lines, errlines, bytes, missed;
    double		start;		/* seconds from t0 to the store */
    double		first, last;	/* seconds from the store to the fetches
					   that returned the first and last records */
    int			status;		/* the command's exit status, or 1 */
};

/* set up r for spec; 0 or -ENOMEM */
int hostrun_init(struct hostrun *r, const char *spec, const struct run_opts *o,
		struct runctl *ctl);
/* the whole run; r->status is set (pthread start routine) */
void *hostrun(void *r);
void hostrun_free(struct hostrun *r);

#endif /* PIPE_HOSTRUN_H */

/*
 * options.h - per-instance containment and delivery options:
 *	[options NAME] / [options *]
 *	key = value
 * Parsing and validation only; launch.c and cgroup.c enforce them.
 */
#ifndef PIPE_OPTIONS_H
#define PIPE_OPTIONS_H

#include <stdint.h>

enum {
    OPT_CAPS		= 1 << 0,
    OPT_TIMEOUT		= 1 << 1,
    OPT_MEMORY		= 1 << 2,
    OPT_TASKS		= 1 << 3,
    OPT_CPU		= 1 << 4,
    OPT_NICE		= 1 << 5,
    OPT_OOM		= 1 << 6,
    OPT_SANDBOX		= 1 << 7,
    OPT_NETWORK		= 1 << 8,
    OPT_OVERFLOW	= 1 << 9,
    OPT_AUTOSTART	= 1 << 10,
    OPT_PARAMS		= 1 << 11,
    OPT_RESTART		= 1 << 12,
    OPT_PIDPARAM	= 1 << 13,
    OPT_QUEUE		= 1 << 14,
    OPT_STRICT_EXEC	= 1 << 15,
    OPT_DYNUIDS		= 1 << 16,
};

#define OPTIONS_MAXPARAMS	256	/* longest params = value */

enum sandbox_mode { SANDBOX_NONE, SANDBOX_PRIVATE };
enum network_mode { NETWORK_HOST, NETWORK_NONE };
enum overflow_mode { OVERFLOW_DROP, OVERFLOW_BLOCK };
enum restart_mode { RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_NO };

struct pipe_options {
    unsigned int	set;		/* OPT_* given explicitly */
    uint64_t		caps;		/* capability numbers as bits */
    long		timeout_ms;
    unsigned long long	memory;		/* bytes */
    long		tasks;
    int			cpu_pct;	/* percent of one CPU */
    int			nice;
    int			oom_score_adj;
    enum sandbox_mode	sandbox;
    enum network_mode	network;
    enum overflow_mode	overflow;
    int			autostart;	/* shared instance started by the PMDA */
    char		params[OPTIONS_MAXPARAMS];	/* its parameters */
    enum restart_mode	restart;	/* when it exits */
    int			pidparam;	/* $N must be a PID the client owns */
    unsigned long long	queue;		/* per-client queue bound (-m) */
    int			strict_exec;	/* an untrusted program is an error */
    unsigned int	uid_lo, uid_hi;	/* dynamic_uids = LO-HI (dynuid.h) */
};

/*
 * Parse one "key = value" line into o.  Returns 0, or -EINVAL with a
 * message in err.
 */
int options_parse_line(struct pipe_options *o, const char *line,
		char *err, size_t errlen);
/* overlay: every option set in top replaces the one in base */
void options_merge(struct pipe_options *base, const struct pipe_options *top);
/* reject combinations that cannot be honoured; -EINVAL with a reason */
int options_check(const struct pipe_options *o, char *err, size_t errlen);
/* a size: 256M, 1G, 65536, 512K (optional B); -EINVAL when not, or 0 */
int options_parse_bytes(const char *v, unsigned long long *out);
/* strip leading and trailing white space in place (also used by config.c) */
char *options_trim(char *s);
/* render the capability set in number order, e.g. "cap_perfmon,cap_bpf" (malloc'd) */
char *options_caps_string(uint64_t caps);

#endif /* PIPE_OPTIONS_H */

/*
 * options.c - parse and check [options] sections.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include "options.h"

char *
options_trim(char *s)
{
    char	*e;

    while (isspace((unsigned char)*s))
	s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
	*--e = '\0';
    return s;
}

static int
parse_long(const char *v, long min, long max, long *out)
{
    char	*end;
    long	n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || n < min || n > max)
	return -EINVAL;
    *out = n;
    return 0;
}

/* yes or true: 1, no or false: 0 */
static int
parse_yesno(const char *v, int *out)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
	*out = 1;
    else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
	*out = 0;
    else
	return -EINVAL;
    return 0;
}

/* 90, 90s, 5m, 1h, 500ms */
static int
parse_duration(const char *v, long *ms)
{
    char	*end;
    double	n;

    errno = 0;
    n = strtod(v, &end);
    if (errno || end == v || !(n > 0))	/* also refuses NaN */
	return -EINVAL;
    if (*end == '\0' || strcmp(end, "s") == 0)
	n *= 1000;
    else if (strcmp(end, "ms") == 0)
	;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
	n *= 60000;
    else if (strcmp(end, "h") == 0)
	n *= 3600000;
    else
	return -EINVAL;
    if (n < 1 || n > 7 * 24 * 3600000.0)
	return -EINVAL;
    *ms = (long)n;
    return 0;
}

/*
 * dynamic_uids = LO-HI: no root, no 65534 (nobody, the kernel's overflow
 * uid) and nothing from 2^31 up (uid_t (-1) and its like)
 */
#define UID_RANGE_MAX	2147483646L

static int
parse_uid_range(const char *v, unsigned int *lo, unsigned int *hi)
{
    char	num[32];
    size_t	n = strspn(v, "0123456789");
    long	a, b;

    if (n == 0 || n >= sizeof(num) || v[n] != '-' ||
	strspn(v + n + 1, "0123456789") != strlen(v + n + 1))
	return -EINVAL;
    memcpy(num, v, n);
    num[n] = '\0';
    if (parse_long(num, 1, UID_RANGE_MAX, &a) < 0 ||
	parse_long(v + n + 1, 1, UID_RANGE_MAX, &b) < 0 || a > b ||
	(a <= 65534 && b >= 65534))
	return -EINVAL;
    *lo = (unsigned int)a;
    *hi = (unsigned int)b;
    return 0;
}

int
options_parse_bytes(const char *v, unsigned long long *out)
{
    char		*end;
    unsigned long long	n;
    int			shift = 0;

    errno = 0;
    if (!isdigit((unsigned char)*v))
	return -EINVAL;
    n = strtoull(v, &end, 10);
    if (errno || end == v)
	return -EINVAL;
    switch (toupper((unsigned char)*end)) {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    }
    if (*end == 'B' || *end == 'b')
	end++;
    if (*end != '\0' || n == 0 || (shift && n > (~0ULL >> shift)))
	return -EINVAL;
    *out = n << shift;
    return 0;
}

static int
cap_token(const char *tok)
{
    /* a name only: libcap would take "cap_bpf;x" or "63" as well */
    if (!isalpha((unsigned char)*tok))
	return 0;
    for (; *tok; tok++)
	if (!isalnum((unsigned char)*tok) && *tok != '_')
	    return 0;
    return 1;
}

static int
parse_caps(const char *v, uint64_t *caps, char *err, size_t errlen)
{
    char	*copy, *tok, *save = NULL;
    cap_value_t	cap;
    int		sts = 0;

    *caps = 0;
    if ((copy = strdup(v)) == NULL)
	return -ENOMEM;
    for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
	if (strcasecmp(tok, "none") == 0)
	    continue;
	if (!cap_token(tok) || cap_from_name(tok, &cap) < 0 || cap < 0 ||
	    cap >= 64 || cap > CAP_LAST_CAP) {
	    snprintf(err, errlen, "unknown capability \"%s\"", tok);
	    sts = -EINVAL;
	    break;
	}
	*caps |= 1ULL << cap;
    }
    free(copy);
    return sts;
}

char *
options_caps_string(uint64_t caps)
{
    char	*out = NULL, *name;
    size_t	len = 0;
    FILE	*f = open_memstream(&out, &len);
    int		i, first = 1;

    if (f == NULL)
	return NULL;
    for (i = 0; i < 64; i++) {
	if (!(caps & (1ULL << i)))
	    continue;
	name = cap_to_name(i);
	fprintf(f, "%s%s", first ? "" : ",", name ? name : "?");
	cap_free(name);
	first = 0;
    }
    if (first)
	fputs("none", f);
    fclose(f);
    return out;
}

int
options_parse_line(struct pipe_options *o, const char *line, char *err,
	size_t errlen)
{
    char	buf[1024], *key, *val, *eq;
    long	n;

    if (strlen(line) >= sizeof(buf)) {
	snprintf(err, errlen, "line too long");
	return -EINVAL;
    }
    strcpy(buf, line);
    if ((eq = strchr(buf, '=')) == NULL) {
	snprintf(err, errlen, "expected \"key = value\"");
	return -EINVAL;
    }
    *eq = '\0';
    key = options_trim(buf);
    val = options_trim(eq + 1);

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)
    if (strcmp(key, "caps") == 0) {
	uint64_t	caps;

	if (parse_caps(val, &caps, err, errlen) < 0)
	    return -EINVAL;
	o->caps = caps;
	o->set |= OPT_CAPS;
    } else if (strcmp(key, "timeout") == 0) {
	long	ms;

	if (parse_duration(val, &ms) < 0)
	    BAD("timeout: expected a duration like 60s, 5m or 1h, found \"%s\"", val);
	o->timeout_ms = ms;
	o->set |= OPT_TIMEOUT;
    } else if (strcmp(key, "memory") == 0) {
	unsigned long long	bytes;

	if (options_parse_bytes(val, &bytes) < 0 || bytes < (1ULL << 20))
	    BAD("memory: expected a size of at least 1M like 256M, found \"%s\"", val);
	o->memory = bytes;
	o->set |= OPT_MEMORY;
    } else if (strcmp(key, "tasks") == 0) {
	if (parse_long(val, 1, 1L << 22, &o->tasks) < 0)
	    BAD("tasks: expected a number from 1 to 4194304, found \"%s\"", val);
	o->set |= OPT_TASKS;
    } else if (strcmp(key, "cpu") == 0) {
	char	num[32];
	size_t	l = strlen(val);

	if (l == 0 || l >= sizeof(num) || val[l - 1] != '%')
	    BAD("cpu: expected a percentage of one CPU like 50%%, found \"%s\"", val);
	memcpy(num, val, l - 1);
	num[l - 1] = '\0';
	if (parse_long(num, 1, 100000, &n) < 0)
	    BAD("cpu: expected a percentage from 1%% to 100000%%, found \"%s\"", val);
	o->cpu_pct = (int)n;
	o->set |= OPT_CPU;
    } else if (strcmp(key, "nice") == 0) {
	if (parse_long(val, -20, 19, &n) < 0)
	    BAD("nice: expected a number from -20 to 19, found \"%s\"", val);
	o->nice = (int)n;
	o->set |= OPT_NICE;
    } else if (strcmp(key, "oom_score_adj") == 0) {
	if (parse_long(val, -1000, 1000, &n) < 0)
	    BAD("oom_score_adj: expected a number from -1000 to 1000, found \"%s\"", val);
	o->oom_score_adj = (int)n;
	o->set |= OPT_OOM;
    } else if (strcmp(key, "sandbox") == 0) {
	if (strcmp(val, "none") == 0)
	    o->sandbox = SANDBOX_NONE;
	else if (strcmp(val, "private") == 0)
	    o->sandbox = SANDBOX_PRIVATE;
	else
	    BAD("sandbox: expected none or private, found \"%s\"", val);
	o->set |= OPT_SANDBOX;
    } else if (strcmp(key, "network") == 0) {
	if (strcmp(val, "host") == 0)
	    o->network = NETWORK_HOST;
	else if (strcmp(val, "none") == 0)
	    o->network = NETWORK_NONE;
	else
	    BAD("network: expected host or none, found \"%s\"", val);
	o->set |= OPT_NETWORK;
    } else if (strcmp(key, "overflow") == 0) {
	if (strcmp(val, "drop") == 0)
	    o->overflow = OVERFLOW_DROP;
	else if (strcmp(val, "block") == 0)
	    o->overflow = OVERFLOW_BLOCK;
	else
	    BAD("overflow: expected drop or block, found \"%s\"", val);
	o->set |= OPT_OVERFLOW;
    } else if (strcmp(key, "autostart") == 0) {
	if (parse_yesno(val, &o->autostart) < 0)
	    BAD("autostart: expected yes or no, found \"%s\"", val);
	o->set |= OPT_AUTOSTART;
    } else if (strcmp(key, "params") == 0) {
	if (strlen(val) >= sizeof(o->params))
	    BAD("params: longer than %d characters", OPTIONS_MAXPARAMS - 1);
	strcpy(o->params, val);
	o->set |= OPT_PARAMS;
    } else if (strcmp(key, "queue") == 0) {
	unsigned long long	bytes;

	if (options_parse_bytes(val, &bytes) < 0 || bytes < (64ULL << 10) ||
	    bytes > (1ULL << 34))
	    BAD("queue: expected a size from 64K to 16G like 32M, found \"%s\"", val);
	o->queue = bytes;
	o->set |= OPT_QUEUE;
    } else if (strcmp(key, "pidparam") == 0) {
	if (parse_long(val[0] == '$' ? val + 1 : val, 1, 99, &n) < 0)
	    BAD("pidparam: expected a parameter number from 1 to 99 (or $1..$99), found \"%s\"", val);
	o->pidparam = (int)n;
	o->set |= OPT_PIDPARAM;
    } else if (strcmp(key, "dynamic_uids") == 0) {
	if (parse_uid_range(val, &o->uid_lo, &o->uid_hi) < 0)
	    BAD("dynamic_uids: expected a range of uids like 61184-65519 "
		"(from 1 to %ld, not 65534), found \"%s\"", UID_RANGE_MAX, val);
	o->set |= OPT_DYNUIDS;
    } else if (strcmp(key, "restart") == 0) {
	if (strcmp(val, "on-failure") == 0)
	    o->restart = RESTART_ON_FAILURE;
	else if (strcmp(val, "always") == 0)
	    o->restart = RESTART_ALWAYS;
	else if (strcmp(val, "no") == 0)
	    o->restart = RESTART_NO;
	else
	    BAD("restart: expected on-failure, always or no, found \"%s\"", val);
	o->set |= OPT_RESTART;
    } else if (strcmp(key, "strict_executables") == 0) {
	if (parse_yesno(val, &o->strict_exec) < 0)
	    BAD("strict_executables: expected yes or no, found \"%s\"", val);
	o->set |= OPT_STRICT_EXEC;
    } else {
	BAD("unknown option \"%s\"", key);
    }
#undef BAD
    return 0;
}

void
options_merge(struct pipe_options *base, const struct pipe_options *top)
{
    if (top->set & OPT_CAPS)
	base->caps = top->caps;
    if (top->set & OPT_TIMEOUT)
	base->timeout_ms = top->timeout_ms;
    if (top->set & OPT_MEMORY)
	base->memory = top->memory;
    if (top->set & OPT_TASKS)
	base->tasks = top->tasks;
    if (top->set & OPT_CPU)
	base->cpu_pct = top->cpu_pct;
    if (top->set & OPT_NICE)
	base->nice = top->nice;
    if (top->set & OPT_OOM)
	base->oom_score_adj = top->oom_score_adj;
    if (top->set & OPT_SANDBOX)
	base->sandbox = top->sandbox;
    if (top->set & OPT_NETWORK)
	base->network = top->network;
    if (top->set & OPT_OVERFLOW)
	base->overflow = top->overflow;
    if (top->set & OPT_AUTOSTART)
	base->autostart = top->autostart;
    if (top->set & OPT_PARAMS)
	memcpy(base->params, top->params, sizeof(base->params));
    if (top->set & OPT_RESTART)
	base->restart = top->restart;
    if (top->set & OPT_PIDPARAM)
	base->pidparam = top->pidparam;
    if (top->set & OPT_QUEUE)
	base->queue = top->queue;
    if (top->set & OPT_STRICT_EXEC)
	base->strict_exec = top->strict_exec;
    if (top->set & OPT_DYNUIDS) {
	base->uid_lo = top->uid_lo;
	base->uid_hi = top->uid_hi;
    }
    base->set |= top->set;
}

int
options_check(const struct pipe_options *o, char *err, size_t errlen)
{
    if (o->autostart && o->overflow == OVERFLOW_BLOCK) {
	snprintf(err, errlen, "overflow = block cannot apply to an autostart "
		 "instance (its readers share one queue; a slow one must not "
		 "stop the command for all)");
	return -EINVAL;
    }
    if (o->sandbox == SANDBOX_PRIVATE && (o->set & OPT_CAPS) &&
	(o->caps & (1ULL << CAP_SYS_ADMIN))) {
	snprintf(err, errlen, "caps includes cap_sys_admin, which can undo "
		 "sandbox = private (it may unmount or remount anything)");
	return -EINVAL;
    }
    if (o->sandbox == SANDBOX_PRIVATE && (o->set & OPT_TASKS) && o->tasks < 2) {
	snprintf(err, errlen, "sandbox = private needs tasks >= 2 (its init "
		 "process and the command)");
	return -EINVAL;
    }
    return 0;
}

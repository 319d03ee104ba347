/*
 * test_options.c - cmocka unit tests for options.c: "key = value" lines,
 * overlaying option sets, incompatible combinations, rendering the
 * capability set, and [options NAME] / [options *] sections as seen
 * through config_parse_text() + config_finish().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../options.h"
#include "../../config.h"
#include "testutil.h"

/* capability numbers spelt out, independent of <linux/capability.h> */
#define CAP(n)		(1ULL << (n))
#define C_CHOWN		CAP(0)
#define C_SYS_ADMIN	CAP(21)
#define C_PERFMON	CAP(38)
#define C_BPF		CAP(39)
#define C_CHECKPOINT	CAP(40)

#define MB		(1ULL << 20)
#define GB		(1ULL << 30)
#define TB		(1ULL << 40)

/* the exact error texts */
#define E_EQ		"expected \"key = value\""
#define E_KEY(k)	"unknown option \"" k "\""
#define E_CAP(c)	"unknown capability \"" c "\""
#define E_TIME(v)	"timeout: expected a duration like 60s, 5m or 1h, " \
			"found \"" v "\""
#define E_MEM(v)	"memory: expected a size of at least 1M like 256M, " \
			"found \"" v "\""
#define E_TASKS(v)	"tasks: expected a number from 1 to 4194304, " \
			"found \"" v "\""
#define E_CPU(v)	"cpu: expected a percentage of one CPU like 50%, " \
			"found \"" v "\""
#define E_CPUR(v)	"cpu: expected a percentage from 1% to 100000%, " \
			"found \"" v "\""
#define E_NICE(v)	"nice: expected a number from -20 to 19, " \
			"found \"" v "\""
#define E_OOM(v)	"oom_score_adj: expected a number from -1000 to " \
			"1000, found \"" v "\""
#define E_SANDBOX(v)	"sandbox: expected none or private, found \"" v "\""
#define E_NET(v)	"network: expected host or none, found \"" v "\""
#define E_OVER(v)	"overflow: expected drop or block, found \"" v "\""
#define E_STRICT(v)	"strict_executables: expected yes or no, found \"" v "\""
#define E_UIDS(v)	"dynamic_uids: expected a range of uids like " \
			"61184-65519 (from 1 to 2147483646, not 65534), " \
			"found \"" v "\""

#define E_SYSADMIN	"caps includes cap_sys_admin, which can undo sandbox " \
			"= private (it may unmount or remount anything)"
#define E_TASKS2	"sandbox = private needs tasks >= 2 (its init " \
			"process and the command)"

#define UNTOUCHED	"(untouched)"
#define MAXLINES	12
#define MAXMSGS		6
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Compare every field of two option sets, printing each difference;
 * returns the number of differences.
 */
static int
opts_diff(const char *row, const struct pipe_options *got,
	const struct pipe_options *want)
{
    int		bad = 0;

#define DIFF(field, fmt, cast) \
    if (got->field != want->field) { \
	print_error("[%s] " #field ": got " fmt ", want " fmt "\n", row, \
		    (cast)got->field, (cast)want->field); \
	bad++; \
    }
    DIFF(set, "%#x", unsigned int)
    DIFF(caps, "%#llx", unsigned long long)
    DIFF(timeout_ms, "%ld", long)
    DIFF(memory, "%llu", unsigned long long)
    DIFF(tasks, "%ld", long)
    DIFF(cpu_pct, "%d", int)
    DIFF(nice, "%d", int)
    DIFF(oom_score_adj, "%d", int)
    DIFF(sandbox, "%d", int)
    DIFF(network, "%d", int)
    DIFF(overflow, "%d", int)
    DIFF(strict_exec, "%d", int)
    DIFF(uid_lo, "%u", unsigned int)
    DIFF(uid_hi, "%u", unsigned int)
#undef DIFF
    return bad;
}

/* parse lines (NULL-terminated) into o, which starts empty */
static int
opts_from_lines(const char *row, const char *const *lines,
	struct pipe_options *o)
{
    char	err[256];
    int		i, bad = 0;

    memset(o, 0, sizeof(*o));
    for (i = 0; lines[i] != NULL; i++) {
	if (options_parse_line(o, lines[i], err, sizeof(err)) != 0) {
	    print_error("[%s] cannot parse \"%s\": %s\n", row, lines[i], err);
	    bad++;
	}
    }
    return bad;
}

/*
 * options_parse_line(): one line into an empty option set.  On success
 * the whole set is compared (only the key's field and its OPT_* bit may
 * change) and err must be left alone; on failure the set bits stay clear
 * and err holds the exact text.
 */
struct line_case {
    const char		*line;
    int			sts;
    struct pipe_options	want;
    const char		*err;
};

static const struct line_case line_cases[] = {
    /* caps: names by number, lists, empty and "none" */
    { "caps = cap_sys_admin", 0,
      { .set = OPT_CAPS, .caps = C_SYS_ADMIN }, NULL },
    { "caps = cap_perfmon", 0, { .set = OPT_CAPS, .caps = C_PERFMON }, NULL },
    { "caps = cap_bpf", 0, { .set = OPT_CAPS, .caps = C_BPF }, NULL },
    { "caps = cap_chown", 0, { .set = OPT_CAPS, .caps = C_CHOWN }, NULL },
    { "caps = cap_checkpoint_restore", 0,
      { .set = OPT_CAPS, .caps = C_CHECKPOINT }, NULL },
    { "caps = cap_bpf,cap_perfmon", 0,
      { .set = OPT_CAPS, .caps = C_BPF | C_PERFMON }, NULL },
    { "caps = cap_bpf, cap_perfmon", 0,
      { .set = OPT_CAPS, .caps = C_BPF | C_PERFMON }, NULL },
    { "caps = cap_bpf cap_perfmon\tcap_sys_admin", 0,
      { .set = OPT_CAPS, .caps = C_BPF | C_PERFMON | C_SYS_ADMIN }, NULL },
    { "caps = cap_bpf,,cap_perfmon,", 0,
      { .set = OPT_CAPS, .caps = C_BPF | C_PERFMON }, NULL },
    { "caps = cap_bpf,cap_bpf", 0, { .set = OPT_CAPS, .caps = C_BPF }, NULL },
    { "caps = CAP_BPF", 0, { .set = OPT_CAPS, .caps = C_BPF }, NULL },
    { "caps =", 0, { .set = OPT_CAPS, .caps = 0 }, NULL },
    { "caps = none", 0, { .set = OPT_CAPS, .caps = 0 }, NULL },
    { "caps = NONE", 0, { .set = OPT_CAPS, .caps = 0 }, NULL },
    { "caps = x", -EINVAL, { 0 }, E_CAP("x") },
    { "caps = cap_bpf,cap_bogus", -EINVAL, { 0 }, E_CAP("cap_bogus") },
    { "caps = all", -EINVAL, { 0 }, E_CAP("all") },
    { "caps = bpf", -EINVAL, { 0 }, E_CAP("bpf") },
    { "caps = cap_bpf;cap_perfmon", -EINVAL, { 0 },
      E_CAP("cap_bpf;cap_perfmon") },
    { "caps = cap_bpf,cap_perfmon+ep", -EINVAL, { 0 },
      E_CAP("cap_perfmon+ep") },
    { "caps = cap_sys_admin=ep", -EINVAL, { 0 }, E_CAP("cap_sys_admin=ep") },
    { "caps = cap_bpfx", -EINVAL, { 0 }, E_CAP("cap_bpfx") },
    { "caps = 64", -EINVAL, { 0 }, E_CAP("64") },

    /* timeout: plain seconds, ms, s, m, min, h; 1ms to 7 days */
    { "timeout = 90", 0, { .set = OPT_TIMEOUT, .timeout_ms = 90000 }, NULL },
    { "timeout = 60s", 0, { .set = OPT_TIMEOUT, .timeout_ms = 60000 }, NULL },
    { "timeout = 500ms", 0, { .set = OPT_TIMEOUT, .timeout_ms = 500 }, NULL },
    { "timeout = 1ms", 0, { .set = OPT_TIMEOUT, .timeout_ms = 1 }, NULL },
    { "timeout = 0.5s", 0, { .set = OPT_TIMEOUT, .timeout_ms = 500 }, NULL },
    { "timeout = 5m", 0, { .set = OPT_TIMEOUT, .timeout_ms = 300000 }, NULL },
    { "timeout = 5min", 0, { .set = OPT_TIMEOUT, .timeout_ms = 300000 }, NULL },
    { "timeout = 1h", 0, { .set = OPT_TIMEOUT, .timeout_ms = 3600000 }, NULL },
    { "timeout = 1.5h", 0,
      { .set = OPT_TIMEOUT, .timeout_ms = 5400000 }, NULL },
    { "timeout = 168h", 0,
      { .set = OPT_TIMEOUT, .timeout_ms = 7L * 24 * 3600000 }, NULL },
    { "timeout = 169h", -EINVAL, { 0 }, E_TIME("169h") },
    { "timeout = 0", -EINVAL, { 0 }, E_TIME("0") },
    { "timeout = 0.5ms", -EINVAL, { 0 }, E_TIME("0.5ms") },
    { "timeout = -5s", -EINVAL, { 0 }, E_TIME("-5s") },
    { "timeout =", -EINVAL, { 0 }, E_TIME("") },
    { "timeout = s", -EINVAL, { 0 }, E_TIME("s") },
    { "timeout = 5d", -EINVAL, { 0 }, E_TIME("5d") },
    { "timeout = 5S", -EINVAL, { 0 }, E_TIME("5S") },
    { "timeout = 5 s", -EINVAL, { 0 }, E_TIME("5 s") },
    { "timeout = 5sec", -EINVAL, { 0 }, E_TIME("5sec") },
    { "timeout = inf", -EINVAL, { 0 }, E_TIME("inf") },
    { "timeout = nan", -EINVAL, { 0 }, E_TIME("nan") },
    { "timeout = nanms", -EINVAL, { 0 }, E_TIME("nanms") },

    /* memory: bytes or K/M/G/T, optional B, any case; at least 1M */
    { "memory = 1M", 0, { .set = OPT_MEMORY, .memory = MB }, NULL },
    { "memory = 256M", 0, { .set = OPT_MEMORY, .memory = 256 * MB }, NULL },
    { "memory = 256MB", 0, { .set = OPT_MEMORY, .memory = 256 * MB }, NULL },
    { "memory = 256mb", 0, { .set = OPT_MEMORY, .memory = 256 * MB }, NULL },
    { "memory = 256m", 0, { .set = OPT_MEMORY, .memory = 256 * MB }, NULL },
    { "memory = 1024K", 0, { .set = OPT_MEMORY, .memory = MB }, NULL },
    { "memory = 2048KB", 0, { .set = OPT_MEMORY, .memory = 2 * MB }, NULL },
    { "memory = 2G", 0, { .set = OPT_MEMORY, .memory = 2 * GB }, NULL },
    { "memory = 2gB", 0, { .set = OPT_MEMORY, .memory = 2 * GB }, NULL },
    { "memory = 1T", 0, { .set = OPT_MEMORY, .memory = TB }, NULL },
    { "memory = 1TB", 0, { .set = OPT_MEMORY, .memory = TB }, NULL },
    { "memory = 1048576", 0, { .set = OPT_MEMORY, .memory = MB }, NULL },
    { "memory = 1048576B", 0, { .set = OPT_MEMORY, .memory = MB }, NULL },
    { "memory = 16777215T", 0,
      { .set = OPT_MEMORY, .memory = 16777215ULL * TB }, NULL },
    { "memory = 1048575", -EINVAL, { 0 }, E_MEM("1048575") },
    { "memory = 1023K", -EINVAL, { 0 }, E_MEM("1023K") },
    { "memory = 0", -EINVAL, { 0 }, E_MEM("0") },
    { "memory = 0M", -EINVAL, { 0 }, E_MEM("0M") },
    { "memory = -1M", -EINVAL, { 0 }, E_MEM("-1M") },
    { "memory = 1.5G", -EINVAL, { 0 }, E_MEM("1.5G") },
    { "memory = 1P", -EINVAL, { 0 }, E_MEM("1P") },
    { "memory = M", -EINVAL, { 0 }, E_MEM("M") },
    { "memory = 1 M", -EINVAL, { 0 }, E_MEM("1 M") },
    { "memory = 1MBB", -EINVAL, { 0 }, E_MEM("1MBB") },
    { "memory = 16777216T", -EINVAL, { 0 }, E_MEM("16777216T") },
    { "memory = 99999999999999999999", -EINVAL, { 0 },
      E_MEM("99999999999999999999") },
    { "memory =", -EINVAL, { 0 }, E_MEM("") },

    /* tasks: 1 to 4194304 */
    { "tasks = 1", 0, { .set = OPT_TASKS, .tasks = 1 }, NULL },
    { "tasks = 64", 0, { .set = OPT_TASKS, .tasks = 64 }, NULL },
    { "tasks = 4194304", 0, { .set = OPT_TASKS, .tasks = 4194304 }, NULL },
    { "tasks = 0", -EINVAL, { 0 }, E_TASKS("0") },
    { "tasks = 4194305", -EINVAL, { 0 }, E_TASKS("4194305") },
    { "tasks = -1", -EINVAL, { 0 }, E_TASKS("-1") },
    { "tasks = ten", -EINVAL, { 0 }, E_TASKS("ten") },
    { "tasks = 5.0", -EINVAL, { 0 }, E_TASKS("5.0") },
    { "tasks = 10k", -EINVAL, { 0 }, E_TASKS("10k") },
    { "tasks =", -EINVAL, { 0 }, E_TASKS("") },

    /* cpu: N% of one CPU, 1% to 100000% */
    { "cpu = 50%", 0, { .set = OPT_CPU, .cpu_pct = 50 }, NULL },
    { "cpu = 1%", 0, { .set = OPT_CPU, .cpu_pct = 1 }, NULL },
    { "cpu = 250%", 0, { .set = OPT_CPU, .cpu_pct = 250 }, NULL },
    { "cpu = 100000%", 0, { .set = OPT_CPU, .cpu_pct = 100000 }, NULL },
    { "cpu = 50", -EINVAL, { 0 }, E_CPU("50") },
    { "cpu =", -EINVAL, { 0 }, E_CPU("") },
    { "cpu = 0.5", -EINVAL, { 0 }, E_CPU("0.5") },
    { "cpu = %", -EINVAL, { 0 }, E_CPUR("%") },
    { "cpu = 0%", -EINVAL, { 0 }, E_CPUR("0%") },
    { "cpu = -5%", -EINVAL, { 0 }, E_CPUR("-5%") },
    { "cpu = 100001%", -EINVAL, { 0 }, E_CPUR("100001%") },
    { "cpu = 1.5%", -EINVAL, { 0 }, E_CPUR("1.5%") },
    { "cpu = 50%%", -EINVAL, { 0 }, E_CPUR("50%%") },
    { "cpu = 12345678901234567890123456789012%", -EINVAL, { 0 },
      E_CPU("12345678901234567890123456789012%") },

    /* nice: -20 to 19 */
    { "nice = 10", 0, { .set = OPT_NICE, .nice = 10 }, NULL },
    { "nice = -20", 0, { .set = OPT_NICE, .nice = -20 }, NULL },
    { "nice = 19", 0, { .set = OPT_NICE, .nice = 19 }, NULL },
    { "nice = 0", 0, { .set = OPT_NICE, .nice = 0 }, NULL },
    { "nice = -21", -EINVAL, { 0 }, E_NICE("-21") },
    { "nice = 20", -EINVAL, { 0 }, E_NICE("20") },
    { "nice = low", -EINVAL, { 0 }, E_NICE("low") },

    /* oom_score_adj: -1000 to 1000 */
    { "oom_score_adj = 500", 0,
      { .set = OPT_OOM, .oom_score_adj = 500 }, NULL },
    { "oom_score_adj = -1000", 0,
      { .set = OPT_OOM, .oom_score_adj = -1000 }, NULL },
    { "oom_score_adj = 1000", 0,
      { .set = OPT_OOM, .oom_score_adj = 1000 }, NULL },
    { "oom_score_adj = -1001", -EINVAL, { 0 }, E_OOM("-1001") },
    { "oom_score_adj = 1001", -EINVAL, { 0 }, E_OOM("1001") },
    { "oom_score_adj =", -EINVAL, { 0 }, E_OOM("") },

    /* the keyword options, case-sensitive */
    { "sandbox = none", 0,
      { .set = OPT_SANDBOX, .sandbox = SANDBOX_NONE }, NULL },
    { "sandbox = private", 0,
      { .set = OPT_SANDBOX, .sandbox = SANDBOX_PRIVATE }, NULL },
    { "sandbox = Private", -EINVAL, { 0 }, E_SANDBOX("Private") },
    { "sandbox = private=1", -EINVAL, { 0 }, E_SANDBOX("private=1") },
    { "sandbox =", -EINVAL, { 0 }, E_SANDBOX("") },
    { "network = host", 0,
      { .set = OPT_NETWORK, .network = NETWORK_HOST }, NULL },
    { "network = none", 0,
      { .set = OPT_NETWORK, .network = NETWORK_NONE }, NULL },
    { "network = off", -EINVAL, { 0 }, E_NET("off") },
    { "network = NONE", -EINVAL, { 0 }, E_NET("NONE") },
    { "overflow = drop", 0,
      { .set = OPT_OVERFLOW, .overflow = OVERFLOW_DROP }, NULL },
    { "overflow = block", 0,
      { .set = OPT_OVERFLOW, .overflow = OVERFLOW_BLOCK }, NULL },
    { "overflow = wait", -EINVAL, { 0 }, E_OVER("wait") },
    { "strict_executables = yes", 0,
      { .set = OPT_STRICT_EXEC, .strict_exec = 1 }, NULL },
    { "strict_executables = true", 0,
      { .set = OPT_STRICT_EXEC, .strict_exec = 1 }, NULL },
    { "strict_executables = no", 0,
      { .set = OPT_STRICT_EXEC, .strict_exec = 0 }, NULL },
    { "strict_executables = false", 0,
      { .set = OPT_STRICT_EXEC, .strict_exec = 0 }, NULL },
    { "strict_executables = 1", -EINVAL, { 0 }, E_STRICT("1") },
    { "strict_executables =", -EINVAL, { 0 }, E_STRICT("") },

    /* dynamic_uids = LO-HI: no root, no 65534, nothing from 2^31 - 1 */
    { "dynamic_uids = 61184-65519", 0,
      { .set = OPT_DYNUIDS, .uid_lo = 61184, .uid_hi = 65519 }, NULL },
    { "dynamic_uids = 70000-70000", 0,
      { .set = OPT_DYNUIDS, .uid_lo = 70000, .uid_hi = 70000 }, NULL },
    { "dynamic_uids = 1-65533", 0,
      { .set = OPT_DYNUIDS, .uid_lo = 1, .uid_hi = 65533 }, NULL },
    { "dynamic_uids = 65535-2147483646", 0,
      { .set = OPT_DYNUIDS, .uid_lo = 65535, .uid_hi = 2147483646 }, NULL },
    { "dynamic_uids = 0-100", -EINVAL, { 0 }, E_UIDS("0-100") },
    { "dynamic_uids = 65000-66000", -EINVAL, { 0 }, E_UIDS("65000-66000") },
    { "dynamic_uids = 200-100", -EINVAL, { 0 }, E_UIDS("200-100") },
    { "dynamic_uids = 1-2147483647", -EINVAL, { 0 }, E_UIDS("1-2147483647") },
    { "dynamic_uids = 61184", -EINVAL, { 0 }, E_UIDS("61184") },
    { "dynamic_uids = 61184-", -EINVAL, { 0 }, E_UIDS("61184-") },
    { "dynamic_uids = -5-10", -EINVAL, { 0 }, E_UIDS("-5-10") },
    { "dynamic_uids = 1 - 5", -EINVAL, { 0 }, E_UIDS("1 - 5") },
    { "dynamic_uids = 10-+20", -EINVAL, { 0 }, E_UIDS("10-+20") },

    /* blanks around the key, '=' and the value */
    { "caps=cap_bpf", 0, { .set = OPT_CAPS, .caps = C_BPF }, NULL },
    { "  timeout   =   60s  ", 0,
      { .set = OPT_TIMEOUT, .timeout_ms = 60000 }, NULL },
    { "\tmemory\t=\t256M\t", 0,
      { .set = OPT_MEMORY, .memory = 256 * MB }, NULL },
    { "nice =-5", 0, { .set = OPT_NICE, .nice = -5 }, NULL },
    { "cpu= 50%\r", 0, { .set = OPT_CPU, .cpu_pct = 50 }, NULL },
    { "sandbox = private\n", 0,
      { .set = OPT_SANDBOX, .sandbox = SANDBOX_PRIVATE }, NULL },

    /* unknown keys and lines without '=' */
    { "color = red", -EINVAL, { 0 }, E_KEY("color") },
    { "Caps = cap_bpf", -EINVAL, { 0 }, E_KEY("Caps") },
    { "time out = 5s", -EINVAL, { 0 }, E_KEY("time out") },
    { "= 5", -EINVAL, { 0 }, E_KEY("") },
    { "==", -EINVAL, { 0 }, E_KEY("") },
    { "caps cap_bpf", -EINVAL, { 0 }, E_EQ },
    { "timeout: 60s", -EINVAL, { 0 }, E_EQ },
    { "sandbox", -EINVAL, { 0 }, E_EQ },
    { "", -EINVAL, { 0 }, E_EQ },
};

static void
test_parse_line_table(void **state)
{
    const struct line_case	*c;
    struct pipe_options		o;
    char			err[256];
    size_t			i;
    int				sts, bad = 0;

    (void)state;
    for (i = 0; i < NELEM(line_cases); i++) {
	c = &line_cases[i];
	memset(&o, 0, sizeof(o));
	strcpy(err, UNTOUCHED);
	sts = options_parse_line(&o, c->line, err, sizeof(err));
	if (sts != c->sts) {
	    print_error("[%s] returned %d, want %d (err \"%s\")\n", c->line,
			sts, c->sts, err);
	    bad++;
	    continue;
	}
	if (sts == 0) {
	    bad += opts_diff(c->line, &o, &c->want);
	    if (strcmp(err, UNTOUCHED) != 0) {
		print_error("[%s] success wrote err \"%s\"\n", c->line, err);
		bad++;
	    }
	} else {
	    if (o.set != 0) {
		print_error("[%s] failed but set %#x\n", c->line, o.set);
		bad++;
	    }
	    if (strcmp(err, c->err) != 0) {
		print_error("[%s] error:\n  got  \"%s\"\n  want \"%s\"\n",
			    c->line, err, c->err);
		bad++;
	    }
	}
    }
    print_message("%zu option lines\n", NELEM(line_cases));
    assert_int_equal(bad, 0);
}

/* lines accumulate into one set: later lines override, bits stay set */
static void
test_parse_line_sequence(void **state)
{
    struct pipe_options	o;
    char		err[256];

#define PARSE(line)	options_parse_line(&o, line, err, sizeof(err))
    (void)state;
    memset(&o, 0, sizeof(o));
    assert_int_equal(PARSE("timeout = 60s"), 0);
    assert_int_equal(PARSE("caps = cap_bpf"), 0);
    assert_int_equal(PARSE("timeout = 2m"), 0);
    assert_int_equal(o.set, OPT_TIMEOUT | OPT_CAPS);
    assert_int_equal(o.timeout_ms, 120000);
    assert_int_equal(o.caps, C_BPF);
    /* a value replaces the previous list, it does not add to it */
    assert_int_equal(PARSE("caps = cap_perfmon"), 0);
    assert_int_equal(o.caps, C_PERFMON);
    assert_int_equal(PARSE("caps = none"), 0);
    assert_int_equal(o.caps, 0);
    assert_int_equal(o.set, OPT_TIMEOUT | OPT_CAPS);
    /* a bad line leaves the bits and the other fields alone */
    assert_int_equal(PARSE("timeout = soon"), -EINVAL);
    assert_string_equal(err, E_TIME("soon"));
    assert_int_equal(o.timeout_ms, 120000);
    assert_int_equal(PARSE("nice = 99"), -EINVAL);
    assert_int_equal(o.nice, 0);
    assert_int_equal(o.set, OPT_TIMEOUT | OPT_CAPS);
#undef PARSE
}

/*
 * A rejected value must not become the effective one: a line that fails
 * leaves the field as it was, whatever the key.
 */
static void
test_parse_line_failure_keeps_value(void **state)
{
    static const struct {
	const char	*good;
	const char	*bad;
	const char	*err;
    } cases[] = {
	{ "caps = cap_bpf", "caps = cap_perfmon,cap_bogus",
	  E_CAP("cap_bogus") },
	{ "caps = cap_bpf", "caps = cap_sys_admin x", E_CAP("x") },
	{ "timeout = 60s", "timeout = 0.5ms", E_TIME("0.5ms") },
	{ "memory = 256M", "memory = 512K", E_MEM("512K") },
	{ "memory = 256M", "memory = 1048575", E_MEM("1048575") },
	{ "memory = 256M", "memory = 1MBB", E_MEM("1MBB") },
	{ "tasks = 64", "tasks = 0", E_TASKS("0") },
	{ "cpu = 50%", "cpu = 0%", E_CPUR("0%") },
	{ "nice = 5", "nice = 20", E_NICE("20") },
	{ "oom_score_adj = 5", "oom_score_adj = 2000", E_OOM("2000") },
	{ "sandbox = private", "sandbox = yes", E_SANDBOX("yes") },
	{ "network = none", "network = yes", E_NET("yes") },
	{ "overflow = block", "overflow = yes", E_OVER("yes") },
	{ "strict_executables = yes", "strict_executables = on",
	  E_STRICT("on") },
    };
    struct pipe_options	o, before;
    char		err[256];
    size_t		i;
    int			bad = 0;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
	memset(&o, 0, sizeof(o));
	assert_int_equal(options_parse_line(&o, cases[i].good, err,
			    sizeof(err)), 0);
	before = o;
	assert_int_equal(options_parse_line(&o, cases[i].bad, err,
			    sizeof(err)), -EINVAL);
	assert_string_equal(err, cases[i].err);
	bad += opts_diff(cases[i].bad, &o, &before);
    }
    assert_int_equal(bad, 0);
}

/* over-long lines, and messages cut to the caller's buffer */
static void
test_parse_line_limits(void **state)
{
    struct pipe_options	o;
    char		line[1100], err[256], small[12];
    size_t		n;

    (void)state;
    /* 1023 characters fit the parser's buffer */
    memset(&o, 0, sizeof(o));
    n = strlen("caps = ");
    memcpy(line, "caps = ", n);
    memset(line + n, ' ', 1023 - n - strlen("cap_bpf"));
    strcpy(line + 1023 - strlen("cap_bpf"), "cap_bpf");
    assert_int_equal(strlen(line), 1023);
    assert_int_equal(options_parse_line(&o, line, err, sizeof(err)), 0);
    assert_int_equal(o.caps, C_BPF);

    /* 1024 do not */
    memset(&o, 0, sizeof(o));
    memset(line, ' ', 1024);
    memcpy(line, "caps = cap_bpf", strlen("caps = cap_bpf"));
    line[1024] = '\0';
    assert_int_equal(options_parse_line(&o, line, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "line too long");
    assert_int_equal(o.set, 0);

    /* snprintf semantics: truncated, always terminated */
    memset(small, 'x', sizeof(small));
    assert_int_equal(options_parse_line(&o, "nice = 40", small, sizeof(small)),
		-EINVAL);
    assert_string_equal(small, "nice: expec");
}

/*
 * options_merge(): base and top as lines; the result must equal the
 * options parsed from want.
 */
struct merge_case {
    const char	*name;
    const char	*base[MAXLINES];
    const char	*top[MAXLINES];
    const char	*want[MAXLINES];
};

static const struct merge_case merge_cases[] = {
    { "both empty", { NULL }, { NULL }, { NULL } },
    { "empty top keeps base",
      { "timeout = 60s", "memory = 256M", "caps = cap_bpf", NULL },
      { NULL },
      { "timeout = 60s", "memory = 256M", "caps = cap_bpf", NULL } },
    { "empty base takes top",
      { NULL },
      { "tasks = 64", "sandbox = private", NULL },
      { "tasks = 64", "sandbox = private", NULL } },
    { "later sets override",
      { "timeout = 60s", "memory = 256M", NULL },
      { "timeout = 5m", NULL },
      { "timeout = 5m", "memory = 256M", NULL } },
    { "disjoint sets are OR-ed",
      { "timeout = 60s", "nice = 5", NULL },
      { "cpu = 50%", "network = none", NULL },
      { "timeout = 60s", "nice = 5", "cpu = 50%", "network = none", NULL } },
    { "a zero value overrides too",
      { "nice = 5", "oom_score_adj = 100", "sandbox = private",
	"network = none", "overflow = block", "caps = cap_bpf", NULL },
      { "nice = 0", "oom_score_adj = 0", "sandbox = none",
	"network = host", "overflow = drop", "caps = none", NULL },
      { "nice = 0", "oom_score_adj = 0", "sandbox = none",
	"network = host", "overflow = drop", "caps = none", NULL } },
    { "strict_executables: a per-instance no overrides yes",
      { "strict_executables = yes", NULL },
      { "strict_executables = no", NULL },
      { "strict_executables = no", NULL } },
    { "strict_executables: kept when top does not set it",
      { "strict_executables = yes", NULL },
      { "timeout = 1m", NULL },
      { "strict_executables = yes", "timeout = 1m", NULL } },
    { "caps are replaced, not added",
      { "caps = cap_bpf,cap_perfmon", NULL },
      { "caps = cap_sys_admin", NULL },
      { "caps = cap_sys_admin", NULL } },
    { "every key overridden",
      { "caps = cap_bpf", "timeout = 1m", "memory = 64M", "tasks = 8",
	"cpu = 10%", "nice = 1", "oom_score_adj = 1", "sandbox = none",
	"network = host", "overflow = drop", NULL },
      { "caps = cap_perfmon", "timeout = 2h", "memory = 1G", "tasks = 100",
	"cpu = 200%", "nice = -3", "oom_score_adj = -500",
	"sandbox = private", "network = none", "overflow = block", NULL },
      { "caps = cap_perfmon", "timeout = 2h", "memory = 1G", "tasks = 100",
	"cpu = 200%", "nice = -3", "oom_score_adj = -500",
	"sandbox = private", "network = none", "overflow = block", NULL } },
    { "half of them overridden",
      { "caps = cap_bpf", "timeout = 1m", "memory = 64M", "tasks = 8",
	"cpu = 10%", "nice = 1", "oom_score_adj = 1", "sandbox = private",
	"network = none", "overflow = block", NULL },
      { "timeout = 2h", "tasks = 100", "nice = -3", "network = host",
	NULL },
      { "caps = cap_bpf", "timeout = 2h", "memory = 64M", "tasks = 100",
	"cpu = 10%", "nice = -3", "oom_score_adj = 1", "sandbox = private",
	"network = host", "overflow = block", NULL } },
};

static void
test_merge_table(void **state)
{
    const struct merge_case	*c;
    struct pipe_options		base, top, want, top_copy;
    size_t			i;
    int				bad = 0;

    (void)state;
    for (i = 0; i < NELEM(merge_cases); i++) {
	c = &merge_cases[i];
	bad += opts_from_lines(c->name, c->base, &base);
	bad += opts_from_lines(c->name, c->top, &top);
	bad += opts_from_lines(c->name, c->want, &want);
	top_copy = top;
	options_merge(&base, &top);
	bad += opts_diff(c->name, &base, &want);
	/* top is const and stays so */
	bad += opts_diff(c->name, &top, &top_copy);
    }
    assert_int_equal(bad, 0);
}

/* only the set bits count: values in top without their bit are ignored */
static void
test_merge_unset_values(void **state)
{
    struct pipe_options	base, top;

    (void)state;
    memset(&base, 0, sizeof(base));
    memset(&top, 0, sizeof(top));
    base.set = OPT_TIMEOUT | OPT_MEMORY;
    base.timeout_ms = 60000;
    base.memory = 256 * MB;
    top.set = OPT_NICE;
    top.nice = 7;
    top.caps = C_SYS_ADMIN;
    top.timeout_ms = 1;
    top.memory = 1;
    top.tasks = 1;
    top.cpu_pct = 1;
    top.oom_score_adj = 1;
    top.sandbox = SANDBOX_PRIVATE;
    top.network = NETWORK_NONE;
    top.overflow = OVERFLOW_BLOCK;
    options_merge(&base, &top);
    assert_int_equal(base.set, OPT_TIMEOUT | OPT_MEMORY | OPT_NICE);
    assert_int_equal(base.nice, 7);
    assert_int_equal(base.timeout_ms, 60000);
    assert_int_equal(base.memory, 256 * MB);
    assert_int_equal(base.caps, 0);
    assert_int_equal(base.tasks, 0);
    assert_int_equal(base.cpu_pct, 0);
    assert_int_equal(base.oom_score_adj, 0);
    assert_int_equal(base.sandbox, SANDBOX_NONE);
    assert_int_equal(base.network, NETWORK_HOST);
    assert_int_equal(base.overflow, OVERFLOW_DROP);

    /* merging in sequence: "*" sections then the instance's own */
    memset(&base, 0, sizeof(base));
    memset(&top, 0, sizeof(top));
    top.set = OPT_TASKS;
    top.tasks = 10;
    options_merge(&base, &top);
    top.tasks = 20;
    options_merge(&base, &top);
    assert_int_equal(base.tasks, 20);
    assert_int_equal(base.set, OPT_TASKS);
}

/* options_check(): the combinations that cannot be honoured */
struct check_case {
    const char	*name;
    const char	*lines[MAXLINES];
    int		sts;
    const char	*err;
};

static const struct check_case check_cases[] = {
    { "nothing set", { NULL }, 0, NULL },
    { "sandbox alone", { "sandbox = private", NULL }, 0, NULL },
    { "cap_sys_admin without sandbox", { "caps = cap_sys_admin", NULL },
      0, NULL },
    { "cap_sys_admin with sandbox = none",
      { "sandbox = none", "caps = cap_sys_admin", NULL }, 0, NULL },
    { "sandbox with other caps",
      { "sandbox = private", "caps = cap_bpf,cap_perfmon", NULL }, 0, NULL },
    { "sandbox with caps = none",
      { "sandbox = private", "caps = none", NULL }, 0, NULL },
    { "sandbox with cap_sys_admin",
      { "sandbox = private", "caps = cap_sys_admin", NULL }, -EINVAL,
      E_SYSADMIN },
    { "sandbox with cap_sys_admin among others",
      { "caps = cap_bpf cap_sys_admin cap_perfmon", "sandbox = private",
	NULL }, -EINVAL, E_SYSADMIN },
    { "tasks = 1 without sandbox", { "tasks = 1", NULL }, 0, NULL },
    { "sandbox with tasks = 1",
      { "sandbox = private", "tasks = 1", NULL }, -EINVAL, E_TASKS2 },
    { "sandbox with tasks = 2",
      { "sandbox = private", "tasks = 2", NULL }, 0, NULL },
    { "sandbox with tasks = 1 after a larger value",
      { "tasks = 50", "sandbox = private", "tasks = 1", NULL }, -EINVAL,
      E_TASKS2 },
    { "both problems: cap_sys_admin reported first",
      { "sandbox = private", "tasks = 1", "caps = cap_sys_admin", NULL },
      -EINVAL, E_SYSADMIN },
    { "sandbox switched off again",
      { "sandbox = private", "caps = cap_sys_admin", "tasks = 1",
	"sandbox = none", NULL }, 0, NULL },
    { "everything, compatible",
      { "caps = cap_perfmon,cap_bpf", "timeout = 1h", "memory = 64M",
	"tasks = 16", "cpu = 50%", "nice = 10", "oom_score_adj = 500",
	"sandbox = private", "network = none", "overflow = block", NULL },
      0, NULL },
};

static void
test_check_table(void **state)
{
    const struct check_case	*c;
    struct pipe_options		o;
    char			err[256];
    size_t			i;
    int				sts, bad = 0;

    (void)state;
    for (i = 0; i < NELEM(check_cases); i++) {
	c = &check_cases[i];
	bad += opts_from_lines(c->name, c->lines, &o);
	strcpy(err, UNTOUCHED);
	sts = options_check(&o, err, sizeof(err));
	if (sts != c->sts) {
	    print_error("[%s] returned %d, want %d (err \"%s\")\n", c->name,
			sts, c->sts, err);
	    bad++;
	} else if (sts < 0 && strcmp(err, c->err) != 0) {
	    print_error("[%s] error:\n  got  \"%s\"\n  want \"%s\"\n",
			c->name, err, c->err);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
}

/* a cap_sys_admin bit without OPT_CAPS is not a capability set */
static void
test_check_needs_set_bits(void **state)
{
    struct pipe_options	o;
    char		err[256];

    (void)state;
    memset(&o, 0, sizeof(o));
    o.set = OPT_SANDBOX;
    o.sandbox = SANDBOX_PRIVATE;
    o.caps = C_SYS_ADMIN;
    o.tasks = 1;
    assert_int_equal(options_check(&o, err, sizeof(err)), 0);
}

/* options_caps_string(): names in capability number order, or "none" */
static void
test_caps_string(void **state)
{
    static const struct {
	uint64_t	caps;
	const char	*want;
    } cases[] = {
	{ 0, "none" },
	{ C_CHOWN, "cap_chown" },
	{ C_SYS_ADMIN, "cap_sys_admin" },
	{ C_PERFMON, "cap_perfmon" },
	{ C_BPF, "cap_bpf" },
	{ C_BPF | C_PERFMON, "cap_perfmon,cap_bpf" },
	{ C_CHOWN | C_SYS_ADMIN | C_BPF, "cap_chown,cap_sys_admin,cap_bpf" },
    };
    char	*s;
    size_t	i;

    (void)state;
    for (i = 0; i < NELEM(cases); i++) {
	assert_non_null(s = options_caps_string(cases[i].caps));
	if (strcmp(s, cases[i].want) != 0)
	    fail_msg("caps %#llx: got \"%s\", want \"%s\"",
		     (unsigned long long)cases[i].caps, s, cases[i].want);
	free(s);
    }
}

/* what options_caps_string() renders, "caps =" reads back */
static void
test_caps_round_trip(void **state)
{
    static const uint64_t	masks[] = {
	0, C_CHOWN, C_SYS_ADMIN, C_BPF | C_PERFMON,
	C_CHOWN | C_SYS_ADMIN | C_PERFMON | C_BPF | C_CHECKPOINT,
	CAP(41) - 1,		/* cap_chown .. cap_checkpoint_restore */
    };
    struct pipe_options		o;
    char			line[2048], err[256], *s;
    size_t			i;

    (void)state;
    for (i = 0; i < NELEM(masks); i++) {
	assert_non_null(s = options_caps_string(masks[i]));
	snprintf(line, sizeof(line), "caps = %s", s);
	memset(&o, 0, sizeof(o));
	if (options_parse_line(&o, line, err, sizeof(err)) != 0)
	    fail_msg("\"%s\": %s", line, err);
	if (o.caps != masks[i] || o.set != OPT_CAPS)
	    fail_msg("\"%s\": got caps %#llx set %#x, want %#llx",
		     line, (unsigned long long)o.caps, o.set,
		     (unsigned long long)masks[i]);
	free(s);
    }
}

/*
 * [options] sections through config_parse_text() + config_finish():
 * the diagnostics of both steps, and each listed instance's effective
 * options compared with the options parsed from its lines.
 */
struct conf_want {
    const char	*inst;
    const char	*lines[MAXLINES];
};

struct conf_case {
    const char		*name;
    const char		*text;
    int			parse_errors;
    int			finish_errors;
    size_t		ncmds;
    const char		*msgs[MAXMSGS];
    struct conf_want	want[4];	/* up to an entry with inst NULL */
};

#define CONF_SYSADMIN(line, inst) \
    "pipe.conf:" #line ": instance \"" inst "\": " E_SYSADMIN
#define CONF_TASKS2(line, inst) \
    "pipe.conf:" #line ": instance \"" inst "\": " E_TASKS2
#define CONF_NOINST(line, inst) \
    "pipe.conf:" #line ": [options " inst "] names no configured instance"
#define CONF_BADHDR(line) \
    "pipe.conf:" #line ": expected [options INSTANCE] or [options *]"

static const struct conf_case conf_cases[] = {
    { "no options at all",
      "foo root echo foo\n", 0, 0, 1, { NULL },
      { { "foo", { NULL } } } },
    { "[options NAME]",
      "foo root echo foo\n"
      "bar root echo bar\n"
      "[options foo]\n"
      "timeout = 60s\n"
      "memory = 256M\n", 0, 0, 2, { NULL },
      { { "foo", { "timeout = 60s", "memory = 256M", NULL } },
	{ "bar", { NULL } } } },
    { "[options *] overlaid by [options NAME]",
      "foo root echo foo\n"
      "bar root echo bar\n"
      "[options *]\n"
      "timeout = 60s\n"
      "caps = cap_bpf\n"
      "[options foo]\n"
      "timeout = 5m\n", 0, 0, 2, { NULL },
      { { "foo", { "timeout = 5m", "caps = cap_bpf", NULL } },
	{ "bar", { "timeout = 60s", "caps = cap_bpf", NULL } } } },
    { "[options NAME] before [options *], both before the commands",
      "[options foo]\n"
      "timeout = 5m\n"
      "[options *]\n"
      "timeout = 60s\n"
      "caps = cap_bpf\n"
      "[commands]\n"
      "foo root echo foo\n"
      "bar root echo bar\n", 0, 0, 2, { NULL },
      { { "foo", { "timeout = 5m", "caps = cap_bpf", NULL } },
	{ "bar", { "timeout = 60s", "caps = cap_bpf", NULL } } } },
    { "[options *] after [options NAME], commands in between",
      "[options foo]\n"
      "caps = none\n"
      "[commands]\n"
      "foo root echo foo\n"
      "[options *]\n"
      "caps = cap_perfmon\n"
      "nice = 5\n"
      "[commands]\n"
      "bar root echo bar\n", 0, 0, 2, { NULL },
      { { "foo", { "caps = none", "nice = 5", NULL } },
	{ "bar", { "caps = cap_perfmon", "nice = 5", NULL } } } },
    { "[options all] is [options *]",
      "foo root echo foo\n"
      "bar root echo bar\n"
      "[options all]\n"
      "tasks = 32\n"
      "[options bar]\n"
      "tasks = 8\n", 0, 0, 2, { NULL },
      { { "foo", { "tasks = 32", NULL } },
	{ "bar", { "tasks = 8", NULL } } } },
    { "[options all] and [options *] both apply, in order",
      "foo root echo foo\n"
      "[options *]\n"
      "tasks = 32\n"
      "cpu = 50%\n"
      "[options all]\n"
      "tasks = 16\n", 0, 0, 1, { NULL },
      { { "foo", { "tasks = 16", "cpu = 50%", NULL } } } },
    { "repeated [options NAME] sections merge in order",
      "foo root echo foo\n"
      "[options foo]\n"
      "timeout = 1m\n"
      "memory = 64M\n"
      "[options foo]\n"
      "timeout = 2m\n", 0, 0, 1, { NULL },
      { { "foo", { "timeout = 2m", "memory = 64M", NULL } } } },
    { "header spelling: case and blanks",
      "foo root echo foo\n"
      "[ Options   foo ]\n"
      "overflow = block\n"
      "[OPTIONS\t*]\n"
      "network = none\n", 0, 0, 1, { NULL },
      { { "foo", { "overflow = block", "network = none", NULL } } } },
    { "comments and blank lines in a section",
      "foo root echo foo\n"
      "[options foo] # limits\n"
      "\n"
      "# a comment\n"
      "  timeout = 90s   # a minute and a half\n"
      "memory=1G#tight\n", 0, 0, 1, { NULL },
      { { "foo", { "timeout = 90", "memory = 1G", NULL } } } },
    { "[access] ends an options section",
      "foo root echo foo\n"
      "[options foo]\n"
      "nice = 3\n"
      "[access]\n"
      "allow user root : foo\n", 0, 0, 1, { NULL },
      { { "foo", { "nice = 3", NULL } } } },

    /* errors found while parsing, with file:line */
    { "a bad value",
      "foo root echo foo\n"
      "[options foo]\n"
      "timeout = soon\n"
      "memory = 256M\n", 1, 0, 1,
      { "pipe.conf:3: " E_TIME("soon"), NULL },
      { { "foo", { "memory = 256M", NULL } } } },
    { "a bad value in [options *]",
      "foo root echo foo\n"
      "\n"
      "[options *]\n"
      "cpu = 50\n"
      "caps = cap_bpf, x\n"
      "nice = 1\n", 2, 0, 1,
      { "pipe.conf:4: " E_CPU("50"), "pipe.conf:5: " E_CAP("x"), NULL },
      { { "foo", { "nice = 1", NULL } } } },
    { "an unknown key",
      "foo root echo foo\n"
      "[options foo]\n"
      "colour = red\n", 1, 0, 1,
      { "pipe.conf:3: " E_KEY("colour"), NULL },
      { { "foo", { NULL } } } },
    { "a command line inside an options section",
      "[options *]\n"
      "timeout = 1m\n"
      "foo root echo foo\n"
      "[commands]\n"
      "bar root echo bar\n", 1, 0, 1,
      { "pipe.conf:3: " E_EQ, NULL },
      { { "bar", { "timeout = 1m", NULL } } } },
    { "[options] without a name",
      "foo root echo foo\n"
      "[options]\n"
      "timeout = nonsense\n"
      "[options foo]\n"
      "nice = 2\n", 1, 0, 1,
      { CONF_BADHDR(2), NULL },
      { { "foo", { "nice = 2", NULL } } } },
    { "[options] with an invalid name",
      "foo root echo foo\n"
      "[options 9\001foo]\n"
      "nice = 2\n"
      "[options foo bar]\n"
      "nice = 3\n", 2, 0, 1,
      { CONF_BADHDR(2), CONF_BADHDR(4), NULL },
      { { "foo", { NULL } } } },
    { "[options] for names the stock agent takes",
      "trace:sda root echo foo\n"
      ";34@#bleurg root echo foo\n"
      "[options trace:sda]\n"
      "nice = 2\n"
      "[options ;34@#bleurg] # a comment\n"
      "nice = 3\n", 0, 0, 2,
      { NULL },
      { { "trace:sda", { "nice = 2", NULL } },
	{ ";34@#bleurg", { "nice = 3", NULL } } } },
    { "[optionsfoo] is not an options section",
      "foo root echo foo\n"
      "[optionsfoo]\n", 1, 0, 1,
      { "pipe.conf:2: unknown section [optionsfoo]", NULL },
      { { "foo", { NULL } } } },

    /* errors found by config_finish() */
    { "an unknown instance",
      "foo root echo foo\n"
      "[options bar]\n"
      "timeout = 1m\n", 0, 1, 1,
      { CONF_NOINST(2, "bar"), NULL },
      { { "foo", { NULL } } } },
    { "instance names are case-sensitive, ALL is not all",
      "foo root echo foo\n"
      "[options FOO]\n"
      "nice = 1\n"
      "[options ALL]\n"
      "nice = 2\n", 0, 2, 1,
      { CONF_NOINST(2, "FOO"), CONF_NOINST(4, "ALL"), NULL },
      { { "foo", { NULL } } } },
    { "an instance whose definition failed",
      "foo root\n"
      "[options foo]\n"
      "nice = 1\n", 1, 1, 0,
      { "pipe.conf:1: instance \"foo\": missing a command",
	CONF_NOINST(2, "foo"), NULL },
      { { NULL, { NULL } } } },
    { "sandbox with cap_sys_admin, on the command's line",
      "# two commands\n"
      "foo root echo foo\n"
      "bar root echo bar\n"
      "[options *]\n"
      "sandbox = private\n"
      "[options foo]\n"
      "caps = cap_sys_admin\n", 0, 1, 2,
      { CONF_SYSADMIN(2, "foo"), NULL },
      { { "foo", { "sandbox = private", "caps = cap_sys_admin", NULL } },
	{ "bar", { "sandbox = private", NULL } } } },
    { "sandbox with tasks = 1 from the defaults",
      "[options *]\n"
      "tasks = 1\n"
      "[options bar]\n"
      "sandbox = private\n"
      "[commands]\n"
      "foo root echo foo\n"
      "bar root echo bar\n", 0, 1, 2,
      { CONF_TASKS2(7, "bar"), NULL },
      { { "foo", { "tasks = 1", NULL } },
	{ "bar", { "tasks = 1", "sandbox = private", NULL } } } },
    { "every instance incompatible",
      "foo root echo foo\n"
      "bar root echo bar\n"
      "[options *]\n"
      "sandbox = private\n"
      "caps = cap_sys_admin\n", 0, 2, 2,
      { CONF_SYSADMIN(1, "foo"), CONF_SYSADMIN(2, "bar"), NULL },
      { { NULL, { NULL } } } },
    { "the instance's own section resolves a conflict",
      "foo root echo foo\n"
      "bar root echo bar\n"
      "[options *]\n"
      "sandbox = private\n"
      "caps = cap_sys_admin\n"
      "[options foo]\n"
      "caps = cap_bpf\n"
      "[options bar]\n"
      "sandbox = none\n", 0, 0, 2, { NULL },
      { { "foo", { "sandbox = private", "caps = cap_bpf", NULL } },
	{ "bar", { "sandbox = none", "caps = cap_sys_admin", NULL } } } },
    { "parse and finish errors together",
      "foo root echo foo\n"
      "[options foo]\n"
      "sandbox = private\n"
      "tasks = 1\n"
      "timeout = never\n"
      "[options nope]\n", 1, 2, 1,
      { "pipe.conf:5: " E_TIME("never"), CONF_NOINST(6, "nope"),
	CONF_TASKS2(1, "foo"), NULL },
      { { "foo", { "sandbox = private", "tasks = 1", NULL } } } },
};

static void
test_config_table(void **state)
{
    const struct conf_case	*c;
    const struct pipe_cmd	*cmd;
    struct pipe_config		*cfg;
    struct config_diag		d;
    struct pipe_options		want;
    char			row[256];
    size_t			i, j;
    int				sts, fin, bad = 0;

    (void)state;
    for (i = 0; i < NELEM(conf_cases); i++) {
	c = &conf_cases[i];
	memset(&d, 0, sizeof(d));
	assert_non_null(cfg = config_new());
	sts = config_parse_text(cfg, "pipe.conf", c->text, &d);
	fin = config_finish(cfg, &d);
	bad += check_diag(c->name, &d, c->msgs);
	if (sts != c->parse_errors || fin != c->finish_errors ||
	    (int)d.nerrors != c->parse_errors + c->finish_errors ||
	    cfg->ncmds != c->ncmds) {
	    print_error("[%s] parse %d, finish %d, nerrors %zu, ncmds %zu; "
			"expected %d, %d, %d, %zu\n", c->name, sts, fin,
			d.nerrors, cfg->ncmds, c->parse_errors,
			c->finish_errors, c->parse_errors + c->finish_errors,
			c->ncmds);
	    bad++;
	}
	for (j = 0; j < NELEM(c->want) && c->want[j].inst != NULL; j++) {
	    snprintf(row, sizeof(row), "%s: %s", c->name, c->want[j].inst);
	    if ((cmd = config_find(cfg, c->want[j].inst)) == NULL) {
		print_error("[%s] no such instance\n", row);
		bad++;
		continue;
	    }
	    bad += opts_from_lines(row, c->want[j].lines, &want);
	    bad += opts_diff(row, &cmd->opts, &want);
	}
	diag_clear(&d);
	config_free(cfg);
    }
    assert_int_equal(bad, 0);
}

/* sections in one file apply to commands in another; messages say where */
static void
test_config_files(void **state)
{
    static const char	a[] =
	"foo root echo foo\n"
	"\n"
	"bar root echo bar\n";
    static const char	b[] =
	"[options *]\n"
	"sandbox = private\n"
	"[options bar]\n"
	"caps = cap_sys_admin\n"
	"[options baz]\n"
	"nice = 1\n"
	"[options foo]\n"
	"memory = 2M\n"
	"memory = lots\n";
    static const char	*msgs[] = {
	"20-b.conf:9: " E_MEM("lots"),
	"20-b.conf:5: [options baz] names no configured instance",
	"10-a.conf:3: instance \"bar\": " E_SYSADMIN,
	NULL
    };
    struct pipe_config		*cfg;
    struct config_diag		d = { 0 };
    const struct pipe_cmd	*cmd;

    (void)state;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "10-a.conf", a, &d), 0);
    assert_int_equal(config_parse_text(cfg, "20-b.conf", b, &d), 1);
    assert_int_equal(config_finish(cfg, &d), 2);
    assert_int_equal(check_diag("two files", &d, msgs), 0);
    assert_int_equal(d.nerrors, 3);
    assert_int_equal(cfg->noptsecs, 4);
    assert_string_equal(cfg->optsecs[0].name, "*");
    assert_string_equal(cfg->optsecs[0].file, "20-b.conf");
    assert_int_equal(cfg->optsecs[0].line, 1);
    assert_string_equal(cfg->optsecs[3].name, "foo");
    assert_int_equal(cfg->optsecs[3].line, 7);

    assert_non_null(cmd = config_find(cfg, "foo"));
    assert_int_equal(cmd->opts.set, OPT_SANDBOX | OPT_MEMORY);
    assert_int_equal(cmd->opts.sandbox, SANDBOX_PRIVATE);
    assert_int_equal(cmd->opts.memory, 2 * MB);
    assert_non_null(cmd = config_find(cfg, "bar"));
    assert_int_equal(cmd->opts.set, OPT_SANDBOX | OPT_CAPS);
    assert_int_equal(cmd->opts.caps, C_SYS_ADMIN);

    /* finishing again recomputes rather than merging twice */
    diag_clear(&d);
    assert_int_equal(config_finish(cfg, &d), 2);
    assert_non_null(cmd = config_find(cfg, "foo"));
    assert_int_equal(cmd->opts.set, OPT_SANDBOX | OPT_MEMORY);
    assert_int_equal(cmd->opts.memory, 2 * MB);
    diag_clear(&d);
    config_free(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse_line_table),
	cmocka_unit_test(test_parse_line_sequence),
	cmocka_unit_test(test_parse_line_failure_keeps_value),
	cmocka_unit_test(test_parse_line_limits),
	cmocka_unit_test(test_merge_table),
	cmocka_unit_test(test_merge_unset_values),
	cmocka_unit_test(test_check_table),
	cmocka_unit_test(test_check_needs_set_bits),
	cmocka_unit_test(test_caps_string),
	cmocka_unit_test(test_caps_round_trip),
	cmocka_unit_test(test_config_table),
	cmocka_unit_test(test_config_files),
    };

    return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}

/*
 * test_cgroup.c - cmocka unit tests for cgroup.c and cgroup_v1.c on a
 * temporary directory: reading controller lists, writing limits, reading
 * usage, cgroup_setup() falling back when the root is not a usable
 * cgroup2, finding v1 hierarchies, a fabricated v1 tree.
 *
 * Cgroup files cannot be created by writing, so cgroup.c opens them
 * without O_CREAT; like the kernel, the tests create every file a cgroup
 * directory would have before the module writes to it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../cgroup.h"
#include "../../cgroup_v1.h"
#include "testutil.h"

#define MB		(1ULL << 20)
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ALL_LIMITS	(OPT_MEMORY | OPT_TASKS | OPT_CPU)
#define PATHLEN		1024

/*
 * One temporary directory per test, removed afterwards; cgroup_setup()
 * state is reset to "none" so no test sees another's.
 */
struct tmp {
    char	dir[64];
    pid_t	child[2];	/* killed and reaped at teardown */
};

static int
setup_tmp(void **state)
{
    struct tmp	*t;

    if ((t = calloc(1, sizeof(*t))) == NULL)
	return -1;
    strcpy(t->dir, "/tmp/test_cgroup.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
	free(t);
	return -1;
    }
    *state = t;
    return 0;
}

static int
teardown_tmp(void **state)
{
    struct tmp	*t = *state;
    int		i, sts;

    for (i = 0; i < 2; i++) {
	if (t->child[i] > 0) {
	    kill(t->child[i], SIGKILL);
	    waitpid(t->child[i], NULL, 0);
	}
    }
    cgroup_setup("none");
    cgroup_setup_v1("none");
    sts = rm_tree(t->dir);
    free(t);
    return sts;
}

static void
put_file(const char *dir, const char *name, const char *text)
{
    char	path[PATHLEN];
    size_t	len = strlen(text);
    int		fd;

    assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
		(int)sizeof(path));
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* the whole of dir/name into buf; -errno when it cannot be read */
static int
get_file(const char *dir, const char *name, char *buf, size_t len)
{
    char	path[PATHLEN];
    ssize_t	n;
    int		fd;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
	return -ENAMETOOLONG;
    if ((fd = open(path, O_RDONLY)) < 0)
	return -errno;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
	return -errno;
    buf[n] = '\0';
    return 0;
}

static int
remove_file(const char *dir, const char *name)
{
    char	path[PATHLEN];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return unlink(path);
}

static void
make_dir(const char *dir, const char *name)
{
    char	path[PATHLEN];

    assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
		(int)sizeof(path));
    assert_int_equal(mkdir(path, 0755), 0);
}

static int
exists(const char *dir, const char *name)
{
    char	path[PATHLEN];

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
	return 0;
    return access(path, F_OK) == 0;
}

/* entries in a directory, other than . and .. */
static int
count_entries(const char *path)
{
    DIR			*d;
    struct dirent	*e;
    int			n = 0;

    if ((d = opendir(path)) == NULL)
	return -errno;
    while ((e = readdir(d)) != NULL)
	if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
	    n++;
    closedir(d);
    return n;
}

/*
 * cgroup_read_controllers(): a controller list (NULL: no such file) to
 * OPT_* bits.
 */
static void
test_read_controllers(void **state)
{
    static const struct {
	const char	*text;
	unsigned int	want;
    } cases[] = {
	{ "memory pids cpu io\n", OPT_MEMORY | OPT_TASKS | OPT_CPU },
	{ "cpuset cpu io memory hugetlb pids rdma misc\n", ALL_LIMITS },
	{ "memory\n", OPT_MEMORY },
	{ "pids", OPT_TASKS },
	{ "cpu\n", OPT_CPU },
	{ "io\n", 0 },
	{ "cpuset hugetlb rdma misc\n", 0 },	/* cpuset is not cpu */
	{ "  pids\tmemory  \n\n", OPT_MEMORY | OPT_TASKS },
	{ "memory memory\n", OPT_MEMORY },
	{ "+memory -pids\n", 0 },		/* not controller names */
	{ "Memory PIDS\n", 0 },
	{ "\n", 0 },
	{ "", 0 },
	{ NULL, 0 },
    };
    struct tmp		*t = *state;
    unsigned int	got;
    size_t		i;
    int			bad = 0;

    for (i = 0; i < NELEM(cases); i++) {
	if (exists(t->dir, "cgroup.subtree_control"))
	    assert_int_equal(remove_file(t->dir, "cgroup.subtree_control"), 0);
	if (cases[i].text != NULL)
	    put_file(t->dir, "cgroup.subtree_control", cases[i].text);
	got = cgroup_read_controllers(t->dir, "cgroup.subtree_control");
	if (got != cases[i].want) {
	    print_error("[%s] got %#x, want %#x\n",
			cases[i].text ? cases[i].text : "(no file)",
			got, cases[i].want);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);

    /* the file name is the caller's choice; a missing directory reads 0 */
    put_file(t->dir, "cgroup.controllers", "cpu memory\n");
    assert_int_equal(cgroup_read_controllers(t->dir, "cgroup.controllers"),
		OPT_CPU | OPT_MEMORY);
    assert_int_equal(cgroup_read_controllers("/nonexistent/pipe", "x"), 0);
}

/*
 * cgroup_write_limits(): which files are written, with what, and the
 * status when a file a limit needs is missing.  The four files start out
 * empty ("" below: not written); missing names a file (or, with a
 * trailing '/', a directory in its place) made instead of the empty file.
 */
struct limits_case {
    const char		*name;
    struct pipe_options	opts;
    unsigned int	mask;
    const char		*missing;
    int			sts;
    const char		*memory_max;
    const char		*swap_max;
    const char		*pids_max;
    const char		*cpu_max;
};

#define ALL_SET		{ .set = ALL_LIMITS, .memory = 256 * MB, .tasks = 64, \
			  .cpu_pct = 50 }

static const struct limits_case limits_cases[] = {
    { "every limit", ALL_SET, ALL_LIMITS, NULL, 0,
      "268435456", "0", "64", "50000 100000" },
    { "empty mask", ALL_SET, 0, NULL, 0, "", "", "", "" },
    { "memory only in the mask", ALL_SET, OPT_MEMORY, NULL, 0,
      "268435456", "0", "", "" },
    { "pids and cpu in the mask", ALL_SET, OPT_TASKS | OPT_CPU, NULL, 0,
      "", "", "64", "50000 100000" },
    { "only tasks set",
      { .set = OPT_TASKS, .memory = 256 * MB, .tasks = 2, .cpu_pct = 50 },
      ALL_LIMITS, NULL, 0, "", "", "2", "" },
    { "only memory and cpu set",
      { .set = OPT_MEMORY | OPT_CPU, .memory = MB, .tasks = 9, .cpu_pct = 250 },
      ALL_LIMITS, NULL, 0, "1048576", "0", "", "250000 100000" },
    { "nothing set, values ignored",
      { .set = 0, .memory = 256 * MB, .tasks = 64, .cpu_pct = 50 },
      ALL_LIMITS, NULL, 0, "", "", "", "" },
    { "other options and mask bits change nothing",
      { .set = OPT_CAPS | OPT_TIMEOUT | OPT_NICE | OPT_OOM | OPT_SANDBOX |
	OPT_NETWORK | OPT_OVERFLOW, .caps = 1, .timeout_ms = 5, .nice = 5,
	.memory = 256 * MB, .tasks = 64, .cpu_pct = 50 },
      ~0U, NULL, 0, "", "", "", "" },
    { "cpu 1%", { .set = OPT_CPU, .cpu_pct = 1 }, ALL_LIMITS, NULL, 0,
      "", "", "", "1000 100000" },
    { "cpu 100%", { .set = OPT_CPU, .cpu_pct = 100 }, ALL_LIMITS, NULL, 0,
      "", "", "", "100000 100000" },
    { "cpu 100000%", { .set = OPT_CPU, .cpu_pct = 100000 }, ALL_LIMITS,
      NULL, 0, "", "", "", "100000000 100000" },
    { "memory 1T", { .set = OPT_MEMORY, .memory = 1ULL << 40 }, ALL_LIMITS,
      NULL, 0, "1099511627776", "0", "", "" },
    { "memory 16777215T", { .set = OPT_MEMORY, .memory = 16777215ULL << 40 },
      ALL_LIMITS, NULL, 0, "18446742974197923840", "0", "", "" },
    { "tasks 4194304", { .set = OPT_TASKS, .tasks = 4194304 }, ALL_LIMITS,
      NULL, 0, "", "", "4194304", "" },

    /* files that are not there */
    { "no memory.max", ALL_SET, ALL_LIMITS, "memory.max", -ENOENT,
      NULL, NULL, NULL, NULL },
    { "no pids.max", ALL_SET, ALL_LIMITS, "pids.max", -ENOENT,
      NULL, NULL, NULL, NULL },
    { "no cpu.max", ALL_SET, ALL_LIMITS, "cpu.max", -ENOENT,
      NULL, NULL, NULL, NULL },
    { "cpu.max is a directory", ALL_SET, ALL_LIMITS, "cpu.max/", -EISDIR,
      NULL, NULL, NULL, NULL },
    { "no memory.swap.max: swap accounting off is fine", ALL_SET,
      ALL_LIMITS, "memory.swap.max", 0,
      "268435456", NULL, "64", "50000 100000" },
    { "no memory.max, memory not in the mask", ALL_SET,
      OPT_TASKS | OPT_CPU, "memory.max", 0, NULL, "", "64", "50000 100000" },
    { "no cpu.max, cpu not set",
      { .set = OPT_MEMORY | OPT_TASKS, .memory = 2 * MB, .tasks = 3 },
      ALL_LIMITS, "cpu.max", 0, "2097152", "0", "3", NULL },
};

static void
test_write_limits(void **state)
{
    static const char		*files[] = {
	"memory.max", "memory.swap.max", "pids.max", "cpu.max"
    };
    struct tmp			*t = *state;
    const struct limits_case	*c;
    const char			*want[4];
    char			dir[256], buf[256], name[64];
    size_t			i, j, n;
    int				sts, bad = 0;

    for (i = 0; i < NELEM(limits_cases); i++) {
	c = &limits_cases[i];
	snprintf(name, sizeof(name), "cg%zu", i);
	make_dir(t->dir, name);
	snprintf(dir, sizeof(dir), "%s/%s", t->dir, name);
	for (j = 0; j < NELEM(files); j++) {
	    n = c->missing ? strcspn(c->missing, "/") : 0;
	    if (c->missing == NULL || strlen(files[j]) != n ||
		strncmp(c->missing, files[j], n) != 0)
		put_file(dir, files[j], "");
	    else if (c->missing[n] == '/')
		make_dir(dir, files[j]);
	}
	sts = cgroup_write_limits(dir, &c->opts, c->mask);
	if (sts != c->sts) {
	    print_error("[%s] returned %d, want %d\n", c->name, sts, c->sts);
	    bad++;
	}
	/* missing files stay missing: the module never creates one */
	if (c->missing != NULL && strchr(c->missing, '/') == NULL &&
	    exists(dir, c->missing)) {
	    print_error("[%s] %s was created\n", c->name, c->missing);
	    bad++;
	}
	if (c->sts < 0)
	    continue;
	want[0] = c->memory_max;
	want[1] = c->swap_max;
	want[2] = c->pids_max;
	want[3] = c->cpu_max;
	for (j = 0; j < NELEM(files); j++) {
	    if (want[j] == NULL)
		continue;
	    if (get_file(dir, files[j], buf, sizeof(buf)) < 0) {
		print_error("[%s] cannot read %s\n", c->name, files[j]);
		bad++;
	    } else if (strcmp(buf, want[j]) != 0) {
		print_error("[%s] %s: got \"%s\", want \"%s\"\n", c->name,
			    files[j], buf, want[j]);
		bad++;
	    }
	}
    }
    assert_int_equal(bad, 0);

    /* no directory at all */
    {
	struct pipe_options	o = ALL_SET;

	assert_int_equal(cgroup_write_limits("/nonexistent/pipe", &o,
			    ALL_LIMITS), -ENOENT);
	assert_int_equal(cgroup_write_limits("/nonexistent/pipe", &o, 0), 0);
    }
}

/*
 * cgroup_read_usage(): memory.peak and cpu.stat contents (NULL: no such
 * file) to the peak and usage_usec read back.
 */
#define CPU_STAT \
    "usage_usec 123456\n" \
    "user_usec 100000\n" \
    "system_usec 23456\n" \
    "core_sched.force_idle_usec 0\n" \
    "nr_periods 10\n" \
    "nr_throttled 2\n" \
    "throttled_usec 5000\n" \
    "nr_bursts 0\n" \
    "burst_usec 0\n"

static void
test_read_usage(void **state)
{
    static const struct {
	const char		*name;
	const char		*peak_text;
	const char		*stat_text;
	int			sts;
	unsigned long long	peak;
	unsigned long long	usec;
    } cases[] = {
	{ "both files", "1048576\n", CPU_STAT, 0, 1048576, 123456 },
	{ "no memory.peak", NULL, CPU_STAT, 0, 0, 123456 },
	{ "empty memory.peak", "", CPU_STAT, 0, 0, 123456 },
	{ "memory.peak not a number", "max\n", CPU_STAT, 0, 0, 123456 },
	{ "no final newlines", "4096", "usage_usec 7", 0, 4096, 7 },
	{ "usage_usec not first", "8192\n",
	  "user_usec 5\nsystem_usec 2\nusage_usec 42\n", 0, 8192, 42 },
	{ "no usage_usec", "8192\n", "user_usec 5\nsystem_usec 2\n", 0,
	  8192, 0 },
	{ "empty cpu.stat", "8192\n", "", 0, 8192, 0 },
	{ "largest values", "18446744073709551615\n",
	  "usage_usec 18446744073709551615\n", 0,
	  18446744073709551615ULL, 18446744073709551615ULL },
	{ "no cpu.stat", "8192\n", NULL, -ENOENT, 0, 0 },
	{ "neither file", NULL, NULL, -ENOENT, 0, 0 },
    };
    struct tmp		*t = *state;
    unsigned long long	peak, usec;
    char		dir[256], name[64];
    size_t		i;
    int			sts, bad = 0;

    for (i = 0; i < NELEM(cases); i++) {
	snprintf(name, sizeof(name), "u%zu", i);
	make_dir(t->dir, name);
	snprintf(dir, sizeof(dir), "%s/%s", t->dir, name);
	if (cases[i].peak_text)
	    put_file(dir, "memory.peak", cases[i].peak_text);
	if (cases[i].stat_text)
	    put_file(dir, "cpu.stat", cases[i].stat_text);
	peak = usec = 999;	/* must be overwritten */
	sts = cgroup_read_usage(dir, &peak, &usec);
	if (sts != cases[i].sts) {
	    print_error("[%s] returned %d, want %d\n", cases[i].name, sts,
			cases[i].sts);
	    bad++;
	} else if (sts == 0 &&
		   (peak != cases[i].peak || usec != cases[i].usec)) {
	    print_error("[%s] peak %llu usec %llu, want %llu %llu\n",
			cases[i].name, peak, usec, cases[i].peak,
			cases[i].usec);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
}

static void
assert_no_cgroups(void)
{
    assert_int_equal(cgroup_tier(), TIER_RLIMITS);
    assert_null(cgroup_base());
    assert_int_equal(cgroup_enforced(), 0);
    assert_null(cgroup_create("x", 1));
}

/* "none" (or no root at all) turns cgroups off */
static void
test_setup_none(void **state)
{
    (void)state;
    assert_int_equal(cgroup_setup("none"), -ENOENT);
    assert_no_cgroups();
    assert_int_equal(cgroup_setup(NULL), -ENOENT);
    assert_no_cgroups();
}

/* roots where no pmdapipe directory can be made */
static void
test_setup_unusable(void **state)
{
    struct tmp	*t = *state;
    char	file[256];

    assert_true(cgroup_setup("/proc") < 0);
    assert_no_cgroups();
    assert_false(exists("/proc", "pmdapipe"));

    assert_int_equal(cgroup_setup("/nonexistent/cgroup"), -ENOENT);
    assert_no_cgroups();

    put_file(t->dir, "plain", "");
    snprintf(file, sizeof(file), "%s/plain", t->dir);
    assert_int_equal(cgroup_setup(file), -ENOTDIR);
    assert_no_cgroups();
}

/*
 * A writable directory that is not a cgroup2: pmdapipe/ can be made but
 * the probe under it has no cgroup.procs, so setup fails and cleans up
 * the probe.
 */
static void
test_setup_plain_dir(void **state)
{
    struct tmp	*t = *state;
    char	base[256];

    assert_int_equal(cgroup_setup(t->dir), -EACCES);
    assert_no_cgroups();
    snprintf(base, sizeof(base), "%s/pmdapipe", t->dir);
    assert_int_equal(count_entries(base), 0);
    /* and again, with pmdapipe/ already there */
    assert_int_equal(cgroup_setup(t->dir), -EACCES);
    assert_no_cgroups();
    assert_int_equal(count_entries(base), 0);
}

/* a session cgroup's name, as cgroup_create makes it: INSTANCE.SERIAL.START.PID */
static char *
run_name(char *buf, size_t len, const char *instance, unsigned long serial)
{
    unsigned long long	start = 0;

    assert_int_equal(cgroup_proc_start("/proc", getpid(), &start), 0);
    snprintf(buf, len, "%s.%lu.%llu.%d", instance, serial, start, (int)getpid());
    return buf;
}

/*
 * A fabricated cgroup2 tree, to reach the tiers above rlimits: the probe
 * directory (named <instance>.<serial>.<start>.<pid> by cgroup_create) is made in
 * advance with a cgroup.procs, and cgroup.subtree_control lists what the
 * kernel would after the module's "+memory" "+pids" "+cpu" writes.  The
 * list is indented so those writes, landing at offset 0 as on any regular
 * file, only overwrite blanks.
 */
static void
fake_cgroup(const char *dir, const char *controllers, char *base, size_t len)
{
    char	probe[256], text[256], path[PATHLEN];

    snprintf(base, len, "%s/pmdapipe", dir);
    if (!exists(dir, "pmdapipe"))
	make_dir(dir, "pmdapipe");
    run_name(probe, sizeof(probe), "probe", 0);
    if (!exists(base, probe)) {
	make_dir(base, probe);
	snprintf(path, sizeof(path), "%s/%s", base, probe);
	put_file(path, "cgroup.procs", "");
    }
    snprintf(text, sizeof(text), "%16s%s\n", "", controllers);
    put_file(base, "cgroup.subtree_control", text);
}

static void
test_setup_fake_cgroup(void **state)
{
    struct tmp	*t = *state;
    char	base[256], buf[256];

    fake_cgroup(t->dir, "memory pids cpu", base, sizeof(base));
    assert_int_equal(cgroup_setup(t->dir), 0);
    assert_int_equal(cgroup_tier(), TIER_CGROUP_LIMITS);
    assert_string_equal(cgroup_base(), base);
    assert_int_equal(cgroup_enforced(), ALL_LIMITS);
    /* the root's control file is written to, never created */
    assert_false(exists(t->dir, "cgroup.subtree_control"));
    assert_int_equal(get_file(base, "cgroup.subtree_control", buf,
			sizeof(buf)), 0);
    assert_non_null(strstr(buf, " memory pids cpu\n"));

    /* some controllers missing: kill and accounting only */
    fake_cgroup(t->dir, "memory io", base, sizeof(base));
    assert_int_equal(cgroup_setup(t->dir), 0);
    assert_int_equal(cgroup_tier(), TIER_CGROUP_KILL);
    assert_int_equal(cgroup_enforced(), OPT_MEMORY);
    fake_cgroup(t->dir, "", base, sizeof(base));
    assert_int_equal(cgroup_setup(t->dir), 0);
    assert_int_equal(cgroup_tier(), TIER_CGROUP_KILL);
    assert_int_equal(cgroup_enforced(), 0);
    assert_string_equal(cgroup_base(), base);

    /* a later setup replaces the state, whether it works or not */
    assert_int_equal(cgroup_setup("none"), -ENOENT);
    assert_no_cgroups();
    fake_cgroup(t->dir, "cpu pids memory", base, sizeof(base));
    assert_int_equal(cgroup_setup(t->dir), 0);
    assert_int_equal(cgroup_tier(), TIER_CGROUP_LIMITS);
    assert_true(cgroup_setup("/nonexistent/cgroup") < 0);
    assert_no_cgroups();
}

/* session cgroups under the fabricated tree: create, kill, release */
static void
test_create_release(void **state)
{
    struct tmp	*t = *state;
    char	base[256], job[64], path[512], buf[64];
    char	*cg;

    fake_cgroup(t->dir, "memory pids cpu", base, sizeof(base));
    assert_int_equal(cgroup_setup(t->dir), 0);

    /* a new directory without cgroup.procs is no cgroup: removed again */
    errno = 0;
    assert_null(cgroup_create("job", 7));
    assert_int_equal(errno, EACCES);
    run_name(job, sizeof(job), "job", 7);
    assert_false(exists(base, job));

    /* one that has it (as the kernel would make it) */
    run_name(job, sizeof(job), "job", 8);
    make_dir(base, job);
    snprintf(path, sizeof(path), "%s/%s", base, job);
    put_file(path, "cgroup.procs", "");
    put_file(path, "cgroup.kill", "");
    assert_non_null(cg = cgroup_create("job", 8));
    assert_string_equal(cg, path);

    /* cgroup.kill is written with "1" */
    assert_int_equal(cgroup_kill(cg), 0);
    assert_int_equal(get_file(path, "cgroup.kill", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1");

    /* still busy (here: not empty), so kept and retried */
    assert_int_equal(cgroup_retry(), 0);
    cgroup_release(cg);
    assert_true(exists(base, job));
    assert_int_equal(cgroup_retry(), 1);
    assert_int_equal(cgroup_retry(), 1);
    assert_int_equal(remove_file(path, "cgroup.procs"), 0);
    assert_int_equal(remove_file(path, "cgroup.kill"), 0);
    assert_int_equal(cgroup_retry(), 0);
    assert_false(exists(base, job));

    /* gone already, empty, or NULL: nothing left pending */
    assert_non_null(cg = strdup(path));
    cgroup_release(cg);
    make_dir(base, job);
    assert_non_null(cg = strdup(path));
    cgroup_release(cg);
    assert_false(exists(base, job));
    cgroup_release(NULL);
    assert_int_equal(cgroup_retry(), 0);
}

/* a child that waits for signals */
static pid_t
start_child(void)
{
    pid_t	pid = fork();

    if (pid == 0) {
	for (;;)
	    pause();
    }
    assert_true(pid > 0);
    return pid;
}

static int
wait_signal(pid_t pid)
{
    int		status;

    if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
	return -1;
    return WTERMSIG(status);
}

/* a fake /proc/PID/stat whose comm holds blanks and ')', start time at field 22 */
static void
fake_proc(const char *dir, long pid, unsigned long long start)
{
    char	name[32], path[PATHLEN], text[256];

    snprintf(name, sizeof(name), "%ld", pid);
    if (!exists(dir, name))
	make_dir(dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(text, sizeof(text), "%ld (a) b ) S 1 %ld %ld 0 -1 4194560 1 0 0 0 "
	     "0 0 0 0 20 0 1 0 %llu 2000 100 18446744073709551615\n",
	     pid, pid, pid, start);
    put_file(path, "stat", text);
}

/* start times: field 22 after the last ')'; a missing pid is -ENOENT */
static void
test_proc_start(void **state)
{
    struct tmp		*t = *state;
    unsigned long long	v = 0;
    char		proc[PATHLEN];

    snprintf(proc, sizeof(proc), "%s/proc", t->dir);
    make_dir(t->dir, "proc");
    fake_proc(proc, 100, 555);
    assert_int_equal(cgroup_proc_start(proc, 100, &v), 0);
    assert_int_equal(v, 555);
    assert_int_equal(cgroup_proc_start(proc, 101, &v), -ENOENT);
    put_file(proc, "102", "");
    assert_true(cgroup_proc_start(proc, 102, &v) < 0);
    /* and the real one of this process: after boot, not in the future */
    assert_int_equal(cgroup_proc_start("/proc", getpid(), &v), 0);
    assert_true(v > 0);
}

/*
 * Which names belong to a PMDA that is gone: pid and start time both
 * have to match a live process; a pid now held by another process (a
 * different start time) does not keep a dead PMDA's cgroup alive.
 */
static void
test_stale_names(void **state)
{
    struct tmp	*t = *state;
    char	proc[PATHLEN];
    static const struct { const char *name; int stale; } rows[] = {
	{ "job.1.555.100", 0 },		/* pid 100 with its start time: alive */
	{ "job.1.556.100", 1 },		/* pid 100 is another process now */
	{ "job.1.555.101", 1 },		/* no pid 101 */
	{ "job.1.555.200", 0 },		/* our own */
	{ "job.1.100", 0 },		/* the older form: pid alone, alive */
	{ "job.1.101", 1 },		/* ... gone */
	{ "job.100", 0 },		/* not a session cgroup */
	{ "job.1.5x5.100", 0 },		/* not a start time */
	{ "job.1.555.10x", 0 },
	{ "job.1.555.-100", 0 },
	{ ".hidden.1.555.101", 0 },
	{ "cgroup.procs", 0 },
	{ "memory.peak", 0 },
	{ "cgroup.max.depth", 0 },
    };
    size_t	i;

    snprintf(proc, sizeof(proc), "%s/proc", t->dir);
    make_dir(t->dir, "proc");
    fake_proc(proc, 100, 555);
    for (i = 0; i < NELEM(rows); i++)
	if (cgroup_stale(rows[i].name, proc, 200) != rows[i].stale)
	    fail_msg("%s: stale %d, expected %d", rows[i].name,
		     !rows[i].stale, rows[i].stale);
}

/*
 * At setup, the cgroups of gone PMDAs are killed and removed, including
 * one named for a pid that a live process (a child of this test) holds
 * with another start time; one named with its real start time stays.
 */
static void
test_reap_stale(void **state)
{
    struct tmp		*t = *state;
    char		base[256], reused[128], live[128], probe[128];
    unsigned long long	start = 0;
    pid_t		pid;

    if ((pid = fork()) == 0) {
	for (;;)
	    pause();
    }
    assert_true(pid > 0);
    t->child[0] = pid;
    assert_int_equal(cgroup_proc_start("/proc", pid, &start), 0);
    fake_cgroup(t->dir, "memory pids cpu", base, sizeof(base));
    snprintf(reused, sizeof(reused), "job.1.%llu.%d", start + 1, (int)pid);
    snprintf(live, sizeof(live), "job.2.%llu.%d", start, (int)pid);
    make_dir(base, reused);
    make_dir(base, live);
    assert_int_equal(cgroup_setup(t->dir), 1);
    assert_false(exists(base, reused));
    assert_true(exists(base, live));
    assert_true(exists(base, run_name(probe, sizeof(probe), "probe", 0)));
    assert_int_equal(kill(pid, 0), 0);	/* (it was in no cgroup of ours) */
}

/* cgroup_signal() and cgroup_kill() read cgroup.procs, on any directory */
static void
test_signal_kill(void **state)
{
    struct tmp	*t = *state;
    char	text[64];

    assert_int_equal(cgroup_signal("/nonexistent/pipe", 0), -ENOENT);

    /* never pid 0 or -1: those would reach our group or everything */
    put_file(t->dir, "cgroup.procs", "0\n-1\n");
    assert_int_equal(cgroup_signal(t->dir, 0), 0);
    put_file(t->dir, "cgroup.procs", "");
    assert_int_equal(cgroup_signal(t->dir, 0), 0);

    t->child[0] = start_child();
    snprintf(text, sizeof(text), "%d\n", (int)t->child[0]);
    put_file(t->dir, "cgroup.procs", text);
    assert_int_equal(cgroup_signal(t->dir, 0), 1);
    assert_int_equal(cgroup_signal(t->dir, SIGTERM), 1);
    assert_int_equal(wait_signal(t->child[0]), SIGTERM);
    t->child[0] = 0;

    /* no cgroup.kill (before Linux 5.14): SIGKILL each process */
    t->child[0] = start_child();
    t->child[1] = start_child();
    snprintf(text, sizeof(text), "%d\n%d\n", (int)t->child[0],
	     (int)t->child[1]);
    put_file(t->dir, "cgroup.procs", text);
    assert_int_equal(cgroup_kill(t->dir), 0);
    assert_int_equal(wait_signal(t->child[0]), SIGKILL);
    assert_int_equal(wait_signal(t->child[1]), SIGKILL);
    t->child[0] = t->child[1] = 0;

    /* with cgroup.kill the kernel does it: no signals from us */
    t->child[0] = start_child();
    snprintf(text, sizeof(text), "%d\n", (int)t->child[0]);
    put_file(t->dir, "cgroup.procs", text);
    put_file(t->dir, "cgroup.kill", "");
    assert_int_equal(cgroup_kill(t->dir), 0);
    assert_int_equal(kill(t->child[0], 0), 0);
    assert_int_equal(get_file(t->dir, "cgroup.kill", text, sizeof(text)), 0);
    assert_string_equal(text, "1");
}

static void
test_tier_names(void **state)
{
    (void)state;
    assert_string_equal(cgroup_tier_name(TIER_CGROUP_LIMITS), "cgroup2");
    assert_string_equal(cgroup_tier_name(TIER_CGROUP_KILL),
			"cgroup2-kill+rlimits");
    assert_string_equal(cgroup_tier_name(TIER_RLIMITS), "rlimits");
    assert_string_equal(cgroup_tier_name((enum cgroup_tier)42), "unknown");
}

/* ---- cgroup v1 ---- */

/* v1 hierarchies in a mountinfo: by their super options, cgroup2 ignored */
static void
test_v1_find_mounts(void **state)
{
    struct tmp	*t = *state;
    char	path[PATHLEN], *mnt[CGV1_N];
    int		c;

    put_file(t->dir, "mountinfo",
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /x/cpuset rw - cgroup cgroup rw,cpuset\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw,memory\n"
	"42 31 0:39 / /other/memory rw - cgroup cgroup rw,memory\n");
    snprintf(path, sizeof(path), "%s/mountinfo", t->dir);
    assert_int_equal(cgv1_find_mounts(path, mnt), 4);
    assert_string_equal(mnt[CGV1_MEMORY], "/sys/fs/cgroup/memory");
    assert_string_equal(mnt[CGV1_PIDS], "/sys/fs/cgroup/pids");
    assert_string_equal(mnt[CGV1_CPU], "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(mnt[CGV1_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
    assert_null(mnt[CGV1_FREEZER]);	/* not "cpuset", nor "name=..." */
    for (c = 0; c < CGV1_N; c++)
	free(mnt[c]);

    put_file(t->dir, "mountinfo", "garbage\n41 31 0:38 / /u - cgroup2 cgroup2 rw\n");
    assert_int_equal(cgv1_find_mounts(path, mnt), 0);
    for (c = 0; c < CGV1_N; c++)
	assert_null(mnt[c]);
    assert_int_equal(cgv1_find_mounts("/nonexistent/mountinfo", mnt), -ENOENT);
}

/* each controller's group of a run: dir/<controller> with its files */
static void
v1_dirs(const char *dir, char *d[CGV1_N], char buf[CGV1_N][PATHLEN])
{
    static const char	*files[CGV1_N][4] = {
	[CGV1_MEMORY] = { "memory.limit_in_bytes", "memory.max_usage_in_bytes",
			  "memory.oom_control" },
	[CGV1_PIDS] = { "pids.max" },
	[CGV1_CPU] = { "cpu.cfs_quota_us", "cpu.cfs_period_us" },
	[CGV1_CPUACCT] = { "cpuacct.usage" },
	[CGV1_FREEZER] = { "freezer.state" },
    };
    int			c, i;

    for (c = 0; c < CGV1_N; c++) {
	snprintf(buf[c], PATHLEN, "%s/%s", dir, cgv1_name(c));
	make_dir(dir, cgv1_name(c));
	put_file(buf[c], "cgroup.procs", "");
	for (i = 0; files[c][i]; i++)
	    put_file(buf[c], files[c][i], "");
	d[c] = buf[c];
    }
}

static void
test_v1_limits_usage(void **state)
{
    struct tmp		*t = *state;
    struct pipe_options	o = { 0 };
    char		buf[CGV1_N][PATHLEN], *d[CGV1_N], text[64];
    unsigned long long	peak, usec;

    v1_dirs(t->dir, d, buf);
    o.set = OPT_MEMORY | OPT_TASKS | OPT_CPU;
    o.memory = 64 * MB;
    o.tasks = 8;
    o.cpu_pct = 250;
    /* only what the mask asks for */
    assert_int_equal(cgv1_write_limits_at(d, &o, OPT_TASKS), 0);
    assert_int_equal(get_file(d[CGV1_PIDS], "pids.max", text, sizeof(text)), 0);
    assert_string_equal(text, "8");
    assert_int_equal(get_file(d[CGV1_MEMORY], "memory.limit_in_bytes", text,
			      sizeof(text)), 0);
    assert_string_equal(text, "");
    assert_int_equal(cgv1_write_limits_at(d, &o, ALL_LIMITS), 0);
    assert_int_equal(get_file(d[CGV1_MEMORY], "memory.limit_in_bytes", text,
			      sizeof(text)), 0);
    assert_string_equal(text, "67108864");
    /* no memsw file (no swap accounting): not made, not an error */
    assert_false(exists(d[CGV1_MEMORY], "memory.memsw.limit_in_bytes"));
    assert_int_equal(get_file(d[CGV1_CPU], "cpu.cfs_quota_us", text,
			      sizeof(text)), 0);
    assert_string_equal(text, "250000");
    assert_int_equal(get_file(d[CGV1_CPU], "cpu.cfs_period_us", text,
			      sizeof(text)), 0);
    assert_string_equal(text, "100000");
    /* options that are not set are not written */
    put_file(d[CGV1_PIDS], "pids.max", "max");
    o.set = OPT_MEMORY;
    assert_int_equal(cgv1_write_limits_at(d, &o, ALL_LIMITS), 0);
    assert_int_equal(get_file(d[CGV1_PIDS], "pids.max", text, sizeof(text)), 0);
    assert_string_equal(text, "max");
    /* a missing limit file is an error */
    assert_int_equal(remove_file(d[CGV1_MEMORY], "memory.limit_in_bytes"), 0);
    assert_int_equal(cgv1_write_limits_at(d, &o, ALL_LIMITS), -ENOENT);

    put_file(d[CGV1_MEMORY], "memory.max_usage_in_bytes", "123456789\n");
    put_file(d[CGV1_CPUACCT], "cpuacct.usage", "2500000999\n");
    put_file(d[CGV1_MEMORY], "memory.oom_control",
	     "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    assert_int_equal(cgv1_read_usage_at(d, &peak, &usec), 0);
    assert_int_equal(peak, 123456789ULL);
    assert_int_equal(usec, 2500000ULL);
    assert_int_equal(cgv1_oom_kills_at(d), 3);
    /* absent: 0 */
    d[CGV1_MEMORY] = d[CGV1_CPUACCT] = NULL;
    assert_int_equal(cgv1_read_usage_at(d, &peak, &usec), 0);
    assert_int_equal(peak, 0);
    assert_int_equal(usec, 0);
    assert_int_equal(cgv1_oom_kills_at(d), 0);
}

/* freeze, SIGKILL every member, thaw; without a freezer: the members */
static void
test_v1_kill(void **state)
{
    struct tmp	*t = *state;
    char	buf[CGV1_N][PATHLEN], *d[CGV1_N], text[64];

    v1_dirs(t->dir, d, buf);
    t->child[0] = start_child();
    t->child[1] = start_child();
    snprintf(text, sizeof(text), "%d\n%d\n0\n", (int)t->child[0],
	     (int)t->child[1]);
    put_file(d[CGV1_FREEZER], "cgroup.procs", text);
    put_file(d[CGV1_FREEZER], "freezer.state", "");
    /* two passes, each finding both */
    assert_int_equal(cgv1_kill_at(d), 4);
    assert_int_equal(wait_signal(t->child[0]), SIGKILL);
    assert_int_equal(wait_signal(t->child[1]), SIGKILL);
    t->child[0] = t->child[1] = 0;
    /* thawed again (written last, at offset 0 over "FROZEN") */
    assert_int_equal(get_file(d[CGV1_FREEZER], "freezer.state", text,
			      sizeof(text)), 0);
    assert_string_equal(text, "THAWED");

    /* no freezer: the first group there is */
    d[CGV1_FREEZER] = NULL;
    t->child[0] = start_child();
    snprintf(text, sizeof(text), "%d\n", (int)t->child[0]);
    put_file(d[CGV1_MEMORY], "cgroup.procs", text);
    assert_true(cgv1_kill_at(d) >= 1);
    assert_int_equal(wait_signal(t->child[0]), SIGKILL);
    t->child[0] = 0;
    put_file(d[CGV1_MEMORY], "cgroup.procs", "");
    assert_int_equal(cgv1_kill_at(d), 0);
}

/*
 * A fabricated v1 root: root/<controller>/pmdapipe with the probe group
 * (and its files) made in advance, as the kernel would on mkdir.
 */
static void
fake_v1(const char *root, unsigned int ctrls)
{
    char	dir[PATHLEN], probe[128], ctl[PATHLEN];
    int		c;

    run_name(probe, sizeof(probe), "probe", 0);
    for (c = 0; c < CGV1_N; c++) {
	if (!(ctrls & CGV1_BIT(c)))
	    continue;
	assert_true(snprintf(ctl, sizeof(ctl), "%s/%s", root, cgv1_name(c)) <
		    (int)sizeof(ctl));
	if (!exists(root, cgv1_name(c)))
	    make_dir(root, cgv1_name(c));
	if (!exists(ctl, "pmdapipe"))
	    make_dir(ctl, "pmdapipe");
	assert_true(snprintf(dir, sizeof(dir), "%s/pmdapipe", ctl) <
		    (int)sizeof(dir));
	if (!exists(dir, probe)) {
	    make_dir(dir, probe);
	    assert_true(snprintf(dir, sizeof(dir), "%s/pmdapipe/%s", ctl, probe)
			< (int)sizeof(dir));
	    /* every controller's files (a shared hierarchy has them all) */
	    put_file(dir, "cgroup.procs", "");
	    put_file(dir, "memory.limit_in_bytes", "");
	    put_file(dir, "pids.max", "");
	    put_file(dir, "cpu.cfs_quota_us", "");
	    put_file(dir, "cpuacct.usage", "");
	    put_file(dir, "freezer.state", "");
	}
    }
}

#define V1_ALL	((1U << CGV1_N) - 1)

static void
test_v1_setup(void **state)
{
    struct tmp	*t = *state;
    char	probe[128], path[PATHLEN];
    const char	*b[CGV1_N];

    /* none, or nothing wanted */
    assert_int_equal(cgv1_setup("none", V1_ALL, "p"), -ENOENT);
    assert_int_equal(cgv1_setup(t->dir, 0, "p"), -ENOENT);
    assert_int_equal(cgv1_active(), 0);
    /* plain directories are no hierarchies: the probe lacks the files */
    make_dir(t->dir, "memory");
    assert_int_equal(cgv1_setup(t->dir, V1_ALL, "p"), -EACCES);
    assert_int_equal(cgv1_active(), 0);
    snprintf(path, sizeof(path), "%s/memory/pmdapipe", t->dir);
    assert_int_equal(count_entries(path), 0);

    run_name(probe, sizeof(probe), "probe", 0);
    fake_v1(t->dir, CGV1_BIT(CGV1_MEMORY) | CGV1_BIT(CGV1_PIDS) |
	    CGV1_BIT(CGV1_FREEZER));
    assert_int_equal(cgv1_setup(t->dir, V1_ALL, probe),
		     CGV1_BIT(CGV1_MEMORY) | CGV1_BIT(CGV1_PIDS) |
		     CGV1_BIT(CGV1_FREEZER));
    assert_int_equal(cgv1_enforced(), OPT_MEMORY | OPT_TASKS);
    /* only what is wanted */
    assert_int_equal(cgv1_setup(t->dir, CGV1_BIT(CGV1_PIDS), probe),
		     CGV1_BIT(CGV1_PIDS));
    assert_int_equal(cgv1_enforced(), OPT_TASKS);
    assert_null(cgv1_base(CGV1_MEMORY));

    /* cpu and cpuacct mounted together, each name a link to it */
    snprintf(path, sizeof(path), "%s/cpu,cpuacct", t->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(symlink("cpu,cpuacct", strcat(strcpy(probe, t->dir),
						   "/cpu")), 0);
    assert_int_equal(symlink("cpu,cpuacct", strcat(strcpy(probe, t->dir),
						   "/cpuacct")), 0);
    fake_v1(t->dir, CGV1_BIT(CGV1_CPU) | CGV1_BIT(CGV1_CPUACCT));
    run_name(probe, sizeof(probe), "probe", 0);
    assert_int_equal(cgv1_setup(t->dir, CGV1_BIT(CGV1_CPU) |
				CGV1_BIT(CGV1_CPUACCT), probe),
		     CGV1_BIT(CGV1_CPU) | CGV1_BIT(CGV1_CPUACCT));
    assert_int_equal(cgv1_bases(b), 1);
    snprintf(path, sizeof(path), "%s/cpu,cpuacct/pmdapipe", t->dir);
    assert_string_equal(b[0], path);
    cgv1_reset();
    assert_int_equal(cgv1_active(), 0);
    assert_int_equal(cgv1_bases(b), 0);
}

/* pmdapipe -C's set-ups: the tier the hierarchies offer, nothing made */
static void
test_dry_run(void **state)
{
    struct tmp	*t = *state;
    char	v2[PATHLEN], v1[PATHLEN], path[PATHLEN];
    int		c;

    assert_true(snprintf(v2, sizeof(v2), "%s/unified", t->dir) <
		(int)sizeof(v2));
    assert_true(snprintf(v1, sizeof(v1), "%s/v1", t->dir) <
		(int)sizeof(v1));
    assert_int_equal(mkdir(v2, 0755), 0);
    assert_int_equal(mkdir(v1, 0755), 0);
    put_file(v2, "cgroup.controllers", "memory pids\n");
    for (c = 0; c < CGV1_N; c++) {
	make_dir(v1, cgv1_name(c));
	assert_true(snprintf(path, sizeof(path), "%s/%s", v1, cgv1_name(c)) <
		    (int)sizeof(path));
	put_file(path, "cgroup.procs", "");
    }
    cgroup_dry_run(1);
    assert_int_equal(cgroup_setup(v2), 0);
    assert_int_equal(cgroup_enforced() & (OPT_MEMORY | OPT_TASKS),
		     OPT_MEMORY | OPT_TASKS);
    assert_true(cgroup_setup_v1(v1) >= 0);
    assert_int_equal(cgroup_enforced(), ALL_LIMITS);
    assert_string_equal(cgroup_how(OPT_MEMORY), "cgroup2");
    assert_string_equal(cgroup_how(OPT_CPU), "cgroup1");
    cgroup_dry_run(0);
    /* nothing made: only what the test put there */
    assert_int_equal(count_entries(v2), 1);
    for (c = 0; c < CGV1_N; c++) {
	assert_true(snprintf(path, sizeof(path), "%s/%s", v1, cgv1_name(c)) <
		    (int)sizeof(path));
	assert_int_equal(count_entries(path), 1);
    }
}

/* the facade without cgroup2: v1 groups only, freezer kill, stale reaping */
static void
test_v1_facade(void **state)
{
    struct tmp		*t = *state;
    struct pipe_options	o = { 0 };
    char		job[128], stale[64], path[PATHLEN], dir[PATHLEN];
    char		text[64], *cg;
    const char		*b[CGV1_N];
    int			c;

    assert_int_equal(cgroup_setup("none"), -ENOENT);
    fake_v1(t->dir, V1_ALL);
    /* an empty group of a PMDA that is gone, in one hierarchy */
    snprintf(stale, sizeof(stale), "old.3.12345.%d", 999999999);
    snprintf(path, sizeof(path), "%s/pids/pmdapipe", t->dir);
    make_dir(path, stale);
    assert_int_equal(cgroup_setup_v1(t->dir), 1);
    assert_false(exists(path, stale));
    assert_int_equal(cgroup_tier(), TIER_CGROUP1);
    assert_string_equal(cgroup_tier_name(cgroup_tier()), "cgroup1");
    assert_int_equal(cgroup_enforced(), ALL_LIMITS);
    assert_string_equal(cgroup_how(OPT_TASKS), "cgroup1");
    c = cgroup_describe(text, sizeof(text));
    assert_string_equal(text, "memory by cgroup1, tasks by cgroup1, cpu by cgroup1");
    assert_int_equal(c, (int)strlen(text));
    assert_int_equal(cgroup_describe(text, 8), -ENOSPC);

    /* a run's groups: made (here: in advance, with their files) in each */
    run_name(job, sizeof(job), "job", 1);
    assert_int_equal(cgv1_bases(b), CGV1_N);
    for (c = 0; c < CGV1_N; c++) {
	snprintf(dir, sizeof(dir), "%s/%s/pmdapipe", t->dir, cgv1_name(c));
	make_dir(dir, job);
	strcat(strcat(dir, "/"), job);
	put_file(dir, "cgroup.procs", "");
    }
    snprintf(dir, sizeof(dir), "%s/pids/pmdapipe/%s", t->dir, job);
    put_file(dir, "pids.max", "");
    assert_non_null(cg = cgroup_create("job", 1));
    snprintf(path, sizeof(path), "%s/%s", b[0], job);
    assert_string_equal(cg, path);
    assert_null(cgroup_v2_dir(cg));
    assert_string_equal(cgroup_v1_name(cg), job);
    o.set = OPT_TASKS;
    o.tasks = 5;
    assert_int_equal(cgroup_write_limits(cg, &o, cgroup_enforced()), 0);
    assert_int_equal(get_file(dir, "pids.max", text, sizeof(text)), 0);
    assert_string_equal(text, "5");
    /* busy (files in it, as members would be): kept and retried */
    cgroup_release(cg);
    assert_true(exists(dir, "pids.max"));
    assert_int_equal(cgroup_retry(), 1);
    assert_int_equal(remove_file(dir, "pids.max"), 0);
    for (c = 0; c < CGV1_N; c++) {
	snprintf(dir, sizeof(dir), "%s/%s/pmdapipe/%s", t->dir, cgv1_name(c), job);
	assert_int_equal(remove_file(dir, "cgroup.procs"), 0);
    }
    /* (the freezer's state file, written by the kill) */
    snprintf(dir, sizeof(dir), "%s/freezer/pmdapipe/%s", t->dir, job);
    remove_file(dir, "freezer.state");
    assert_int_equal(cgroup_retry(), 0);
    for (c = 0; c < CGV1_N; c++) {
	snprintf(dir, sizeof(dir), "%s/%s/pmdapipe", t->dir, cgv1_name(c));
	assert_false(exists(dir, job));
    }

    /* a group that cannot be made in one hierarchy: none is left */
    snprintf(dir, sizeof(dir), "%s/cpu/pmdapipe", t->dir);
    assert_int_equal(chmod(dir, 0555), 0);
    if (access(dir, W_OK) < 0) {		/* (root may write anyway) */
	assert_null(cgroup_create("job", 2));
	run_name(job, sizeof(job), "job", 2);
	for (c = 0; c < CGV1_N; c++) {
	    snprintf(dir, sizeof(dir), "%s/%s/pmdapipe", t->dir, cgv1_name(c));
	    assert_false(exists(dir, job));
	}
    }
    snprintf(dir, sizeof(dir), "%s/cpu/pmdapipe", t->dir);
    chmod(dir, 0755);

    /* -g none: back to rlimits */
    assert_int_equal(cgroup_setup_v1("none"), -ENOENT);
    assert_int_equal(cgroup_tier(), TIER_RLIMITS);
    assert_null(cgroup_create("job", 3));
}

static void
test_v1_tier_names(void **state)
{
    (void)state;
    assert_string_equal(cgroup_tier_name(TIER_CGROUP_KILL_V1),
			"cgroup2-kill+cgroup1");
    assert_string_equal(cgroup_tier_name(TIER_CGROUP_MIXED), "cgroup2+cgroup1");
    assert_string_equal(cgroup_tier_name(TIER_CGROUP1_RLIMITS),
			"cgroup1+rlimits");
    assert_string_equal(cgv1_name(CGV1_CPUACCT), "cpuacct");
    assert_string_equal(cgv1_name(CGV1_N), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_read_controllers, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_write_limits, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_read_usage, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_setup_none, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_setup_unusable, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_setup_plain_dir, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_setup_fake_cgroup, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_create_release, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_signal_kill, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_proc_start, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_stale_names, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_reap_stale, setup_tmp,
					teardown_tmp),
	cmocka_unit_test(test_tier_names),
	cmocka_unit_test_setup_teardown(test_v1_find_mounts, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_v1_limits_usage, setup_tmp,
					teardown_tmp),
	cmocka_unit_test_setup_teardown(test_v1_kill, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_v1_setup, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_dry_run, setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_v1_facade, setup_tmp,
					teardown_tmp),
	cmocka_unit_test(test_v1_tier_names),
    };

    return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}

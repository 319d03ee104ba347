/*
 * test_params.c - cmocka unit tests for params.c: validating client
 * parameters, substituting them into command templates, and proving a
 * shell template cannot be injected into.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "../../argv.h"
#include "../../params.h"

#define MAXV	16
#define OK	0
#define BAD	PM_ERR_BADSTORE

/*
 * Compare a NULL-terminated vector with the expected one, printing the
 * difference; returns 0 when equal.
 */
static int
check_vec(const char *row, char *const *got, const char *const *want)
{
    int		i;

    for (i = 0; got[i] != NULL && want[i] != NULL; i++)
	if (strcmp(got[i], want[i]) != 0)
	    break;
    if (got[i] == NULL && want[i] == NULL)
	return 0;
    print_error("[%s] element %d: got %s%s%s, want %s%s%s\n", row, i,
		got[i] ? "\"" : "", got[i] ? got[i] : "NULL",
		got[i] ? "\"" : "", want[i] ? "\"" : "",
		want[i] ? want[i] : "NULL", want[i] ? "\"" : "");
    return 1;
}

/*
 * params_parse()
 */
struct parse_case {
    const char	*text;
    int		sts;
    const char	*v[MAXV];
};

static const struct parse_case parse_cases[] = {
    /* separators */
    { "", OK, { NULL } },
    { " ", OK, { NULL } },
    { ",", OK, { NULL } },
    { "\t", OK, { NULL } },
    { " ,\t, \t,,", OK, { NULL } },
    { "a", OK, { "a" } },
    { "a b", OK, { "a", "b" } },
    { "a,b", OK, { "a", "b" } },
    { "a\tb", OK, { "a", "b" } },
    { "  a  ", OK, { "a" } },
    { ",a,", OK, { "a" } },
    { " , a ,\t, b ,, c\t\t", OK, { "a", "b", "c" } },
    { "10 sda", OK, { "10", "sda" } },
    { "a b c d e f g h i j k", OK,
      { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k" } },
    /* the safe alphabet */
    { "abcdefghijklmnopqrstuvwxyz", OK, { "abcdefghijklmnopqrstuvwxyz" } },
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZ", OK, { "ABCDEFGHIJKLMNOPQRSTUVWXYZ" } },
    { "0123456789", OK, { "0123456789" } },
    { "a.b_c-d", OK, { "a.b_c-d" } },
    { "_x", OK, { "_x" } },
    { ".hidden 1.2.3", OK, { ".hidden", "1.2.3" } },
    { "x- y--", OK, { "x-", "y--" } },
    /* a leading '-' would be an option */
    { "-a", BAD, { NULL } },
    { "-", BAD, { NULL } },
    { "--help", BAD, { NULL } },
    { "a -b", BAD, { NULL } },
    { "a,-b", BAD, { NULL } },
    { "a\t-b", BAD, { NULL } },
    /* shell metacharacters and everything else outside the alphabet */
    /* "." and ".." would be path components in /dev/$1 */
    { ".", BAD, { NULL } },
    { "..", BAD, { NULL } },
    { "a ..", BAD, { NULL } },
    { "...", OK, { "..." } },
    { ".a", OK, { ".a" } },
    { "a;b", BAD, { NULL } },
    { "a|b", BAD, { NULL } },
    { "a&b", BAD, { NULL } },
    { "$HOME", BAD, { NULL } },
    { "a$", BAD, { NULL } },
    { "`id`", BAD, { NULL } },
    { "'a'", BAD, { NULL } },
    { "\"a\"", BAD, { NULL } },
    { "a\\b", BAD, { NULL } },
    { "(a)", BAD, { NULL } },
    { "a)", BAD, { NULL } },
    { "<a", BAD, { NULL } },
    { "a>b", BAD, { NULL } },
    { "*", BAD, { NULL } },
    { "a?", BAD, { NULL } },
    { "[a]", BAD, { NULL } },
    { "{a}", BAD, { NULL } },
    { "~", BAD, { NULL } },
    { "#", BAD, { NULL } },
    { "a\nb", BAD, { NULL } },
    { "a\n", BAD, { NULL } },
    { "a\rb", BAD, { NULL } },
    { "a\vb", BAD, { NULL } },
    { "a/b", BAD, { NULL } },
    { "a:b", BAD, { NULL } },
    { "a=b", BAD, { NULL } },
    { "a+b", BAD, { NULL } },
    { "a@b", BAD, { NULL } },
    { "100%", BAD, { NULL } },
    { "a!", BAD, { NULL } },
    { "good b;d", BAD, { NULL } },
    /* non-ASCII, including letters in other scripts */
    { "caf\xc3\xa9", BAD, { NULL } },
    { "\xe4", BAD, { NULL } },
    { "a\x7f", BAD, { NULL } },
    { "a\x01", BAD, { NULL } },
};

static void
check_parse(const char *row, const char *text, int want_sts,
	const char *const *want, int *bad)
{
    struct params	p = { -1, NULL };
    int			sts, n;

    sts = params_parse(text, &p);
    for (n = 0; want[n] != NULL; n++)
	;
    if (sts != want_sts) {
	print_error("[%s] returned %d, expected %d\n", row, sts, want_sts);
	(*bad)++;
    } else if (sts < 0) {
	if (p.n != 0 || p.v != NULL) {
	    print_error("[%s] not left empty on error\n", row);
	    (*bad)++;
	}
    } else if (p.n != n) {
	print_error("[%s] %d parameters, expected %d\n", row, p.n, n);
	(*bad)++;
    } else if (p.v == NULL || check_vec(row, p.v, want) != 0) {
	(*bad)++;
    }
    params_free(&p);
}

static void
test_parse_table(void **state)
{
    const struct parse_case	*c;
    size_t			i;
    int				bad = 0;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
	c = &parse_cases[i];
	check_parse(c->text, c->text, c->sts, c->v, &bad);
    }
    assert_int_equal(bad, 0);
}

/* PARAMS_MAXLEN counts the whole string, separators included */
static void
test_parse_maxlen(void **state)
{
    char		*s;
    const char		*one[] = { NULL, NULL };
    const char		*none[] = { NULL };
    int			bad = 0;

    (void)state;
    assert_non_null(s = malloc(PARAMS_MAXLEN + 2));
    memset(s, 'x', PARAMS_MAXLEN);
    s[PARAMS_MAXLEN] = '\0';
    one[0] = s;
    check_parse("PARAMS_MAXLEN letters", s, OK, one, &bad);
    s[PARAMS_MAXLEN] = 'x';
    s[PARAMS_MAXLEN + 1] = '\0';
    check_parse("PARAMS_MAXLEN+1 letters", s, BAD, none, &bad);
    memset(s, ',', PARAMS_MAXLEN);
    s[PARAMS_MAXLEN] = '\0';
    check_parse("PARAMS_MAXLEN commas", s, OK, none, &bad);
    s[PARAMS_MAXLEN] = ',';
    check_parse("PARAMS_MAXLEN+1 commas", s, BAD, none, &bad);
    free(s);
    assert_int_equal(bad, 0);
}

/* params_free() on an empty and an already freed set */
static void
test_params_free(void **state)
{
    struct params	p;

    (void)state;
    assert_int_equal(params_parse("", &p), 0);
    assert_int_equal(p.n, 0);
    assert_non_null(p.v);
    assert_null(p.v[0]);
    params_free(&p);
    assert_null(p.v);
    params_free(&p);
    assert_int_equal(p.n, 0);
    assert_null(argv_free(NULL));
}

/*
 * argv_build()
 */
struct argv_case {
    const char	*tmpl;
    const char	*params;
    int		shell;		/* what the template scanner must say */
    int		sts;
    const char	*argv[MAXV];
};

#define TEN	"a b c d e f g h i j"

static const struct argv_case argv_cases[] = {
    /* plain templates: words, $N substituted */
    { "btrace -w $1 /dev/$2", "10 sda", 0, OK,
      { "btrace", "-w", "10", "/dev/sda" } },
    { "cat", "", 0, OK, { "cat" } },
    { "cat", "x y", 0, OK, { "cat" } },			/* extra ignored */
    { "echo $1", "x y z", 0, OK, { "echo", "x" } },	/* extra ignored */
    { "echo  \t $1 \t", "x", 0, OK, { "echo", "x" } },
    { "echo $2 $1", "x y", 0, OK, { "echo", "y", "x" } },
    { "echo $1$2", "x y", 0, OK, { "echo", "xy" } },
    { "echo $1 $1", "x", 0, OK, { "echo", "x", "x" } },
    { "echo --opt=$1", "x", 0, OK, { "echo", "--opt=x" } },
    { "echo $01", "x", 0, OK, { "echo", "x" } },
    { "tail -f /var/log/$1.log", "syslog", 0, OK,
      { "tail", "-f", "/var/log/syslog.log" } },
    /* $0 alone: one argument per parameter */
    { "echo $0", "a b c", 0, OK, { "echo", "a", "b", "c" } },
    { "echo $0 end", "a,b", 0, OK, { "echo", "a", "b", "end" } },
    { "echo $0", "", 0, OK, { "echo" } },
    { "echo $0 $1", "a b", 0, OK, { "echo", "a", "b", "a" } },
    /* $0 inside a word: all parameters joined by spaces */
    { "echo x$0", "a b", 0, OK, { "echo", "xa b" } },
    { "echo $0y", "a b", 0, OK, { "echo", "a by" } },
    { "echo -p=$0", "a", 0, OK, { "echo", "-p=a" } },
    { "echo x$0", "", 0, OK, { "echo", "x" } },
    /* two digits */
    { "echo $10", TEN, 0, OK, { "echo", "j" } },
    { "echo $1 $10 $2", TEN, 0, OK, { "echo", "a", "j", "b" } },
    { "echo $10x", TEN, 0, OK, { "echo", "jx" } },
    /* too few parameters */
    { "echo $1", "", 0, BAD, { NULL } },
    { "echo $2", "a", 0, BAD, { NULL } },
    { "btrace -w $1 /dev/$2", "10", 0, BAD, { NULL } },
    { "echo $10", "a b c d e f g h i", 0, BAD, { NULL } },
    /* a template that expands to nothing */
    { "$0", "", 0, BAD, { NULL } },

    /* shell templates: /bin/sh -c script instance p1 .. pN */
    { "echo $1 | cat", "hello", 1, OK,
      { "/bin/sh", "-c", "echo ${1} | cat", "inst", "hello" } },
    { "echo $1 | cat", "a b", 1, OK,
      { "/bin/sh", "-c", "echo ${1} | cat", "inst", "a", "b" } },
    { "grep $0 /f | wc -l", "a b", 1, OK,
      { "/bin/sh", "-c", "grep $* /f | wc -l", "inst", "a", "b" } },
    { "grep x$0y /f | wc", "a b", 1, OK,
      { "/bin/sh", "-c", "grep x$*y /f | wc", "inst", "a", "b" } },
    { "echo $10 $2 >/dev/null", TEN, 1, OK,
      { "/bin/sh", "-c", "echo ${10} ${2} >/dev/null", "inst",
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j" } },
    { "echo \"$1\" $2 $HOME $$ | cat", "a b", 1, OK,
      { "/bin/sh", "-c", "echo \"${1}\" ${2} $HOME $$ | cat", "inst",
	"a", "b" } },
    { "echo \\$1 $1;", "a", 1, OK,
      { "/bin/sh", "-c", "echo \\$1 ${1};", "inst", "a" } },
    { "FOO=bar env", "", 1, OK,
      { "/bin/sh", "-c", "FOO=bar env", "inst" } },
    { "date; sleep 1", "x", 1, OK,
      { "/bin/sh", "-c", "date; sleep 1", "inst", "x" } },
    { "echo $2 | cat", "a", 1, BAD, { NULL } },
    { "echo $1 | cat", "", 1, BAD, { NULL } },
};

/* a command as config.c would build it */
static void
make_cmd(struct pipe_cmd *cmd, const char *name, const char *tmpl)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->name = (char *)name;
    cmd->user = "nobody";
    cmd->command = (char *)tmpl;
    cmd->file = "pipe.conf";
    cmd->line = 1;
    assert_int_equal(config_template_scan(tmpl, &cmd->nparams,
		&cmd->shell), 0);
}

static void
test_argv_table(void **state)
{
    const struct argv_case	*c;
    struct pipe_cmd		cmd;
    struct params		p;
    char			**argv, row[256];
    size_t			i;
    int				sts, bad = 0;

    (void)state;
    for (i = 0; i < sizeof(argv_cases) / sizeof(argv_cases[0]); i++) {
	c = &argv_cases[i];
	snprintf(row, sizeof(row), "%s <- \"%s\"", c->tmpl, c->params);
	make_cmd(&cmd, "inst", c->tmpl);
	if (cmd.shell != c->shell) {
	    print_error("[%s] shell %d, expected %d\n", row, cmd.shell,
			c->shell);
	    bad++;
	    continue;
	}
	assert_int_equal(params_parse(c->params, &p), 0);
	argv = (char **)0x1;
	sts = argv_build(&cmd, &p, &argv);
	if (sts != c->sts) {
	    print_error("[%s] returned %d, expected %d\n", row, sts, c->sts);
	    bad++;
	} else if (sts < 0) {
	    if (argv != NULL) {
		print_error("[%s] argv not NULL on error\n", row);
		bad++;
	    }
	} else {
	    bad += check_vec(row, argv, c->argv);
	}
	if (sts == 0)
	    argv_free(argv);
	params_free(&p);
    }
    assert_int_equal(bad, 0);
}

/* the instance name, not the template, becomes the shell's $0 */
static void
test_argv_shell_instance(void **state)
{
    struct pipe_cmd	cmd;
    struct params	p;
    char		**argv;

    (void)state;
    make_cmd(&cmd, "my.instance-1", "echo $1 | cat");
    assert_int_equal(params_parse("v", &p), 0);
    assert_int_equal(argv_build(&cmd, &p, &argv), 0);
    assert_string_equal(argv[3], "my.instance-1");
    assert_string_equal(argv[4], "v");
    assert_null(argv[5]);
    argv_free(argv);
    params_free(&p);
}

/*
 * In the shell "$$1" is the shell's PID followed by a literal "1": the
 * '$' after a '$' is not a parameter reference, so the template needs no
 * parameters and must reach the shell unchanged.
 */
static void
test_argv_shell_pid(void **state)
{
    struct pipe_cmd	cmd;
    struct params	p;
    char		**argv = NULL;
    int			sts, nparams;

    (void)state;
    make_cmd(&cmd, "inst", "echo $$1 | cat");
    nparams = cmd.nparams;
    assert_int_equal(params_parse("", &p), 0);
    sts = argv_build(&cmd, &p, &argv);
    params_free(&p);
    if (nparams != 0)
	print_error("\"echo $$1 | cat\": nparams %d, expected 0\n", nparams);
    if (sts != 0)
	print_error("params_argv with no parameters: %d\n", sts);
    else if (strcmp(argv[2], "echo $$1 | cat") != 0)
	print_error("script \"%s\", expected \"echo $$1 | cat\"\n", argv[2]);
    if (sts == 0) {
	sts = strcmp(argv[2], "echo $$1 | cat") == 0 ? 0 : -1;
	argv_free(argv);
    }
    assert_int_equal(nparams, 0);
    assert_int_equal(sts, 0);
}

/*
 * End to end: exec the argv and collect its standard output.
 */
static char *
run_argv(char *const *argv, int *status)
{
    char	*out = NULL, *nout;
    size_t	len = 0, cap = 0;
    ssize_t	n;
    pid_t	pid;
    int		pfd[2];

    if (pipe2(pfd, O_CLOEXEC) < 0)
	return NULL;
    if ((pid = fork()) < 0) {
	close(pfd[0]);
	close(pfd[1]);
	return NULL;
    }
    if (pid == 0) {
	if (dup2(pfd[1], STDOUT_FILENO) < 0)
	    _exit(126);
	execv(argv[0], argv);
	_exit(127);
    }
    close(pfd[1]);
    for (;;) {
	if (len + 256 > cap) {
	    cap = cap ? cap * 2 : 1024;
	    if ((nout = realloc(out, cap)) == NULL)
		break;
	    out = nout;
	}
	if ((n = read(pfd[0], out + len, cap - len - 1)) <= 0)
	    break;
	len += n;
    }
    close(pfd[0]);
    if (out)
	out[len] = '\0';
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
	;
    return out;
}

struct run_case {
    const char	*tmpl;
    const char	*params;
    const char	*output;
};

static const struct run_case run_cases[] = {
    { "echo $1 | cat", "hello_world-1.2", "hello_world-1.2\n" },
    { "echo $0 | cat", "a b c", "a b c\n" },
    { "echo $0 | cat", "", "\n" },
    { "echo x$0y | cat", "a b", "xa by\n" },
    { "printf '%s\\n' $0 | cat", "a,b", "a\nb\n" },
    { "echo $10 | cat", TEN, "j\n" },
    { "echo \"[$2]\" | cat", "a b", "[b]\n" },
    { "echo \"$0\" | cat", "--x y", NULL },	/* rejected by params_parse */
    { "/bin/echo $2 $1", "a b", "b a\n" },	/* plain, exec'd directly */
    { "/bin/echo $0", "a b", "a b\n" },
};

static void
test_run_shell(void **state)
{
    const struct run_case	*c;
    struct pipe_cmd		cmd;
    struct params		p;
    char			**argv, *out;
    size_t			i;
    int				status, sts, bad;

    (void)state;
    for (i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
	c = &run_cases[i];
	make_cmd(&cmd, "inst", c->tmpl);
	sts = params_parse(c->params, &p);
	if (c->output == NULL) {
	    assert_int_equal(sts, PM_ERR_BADSTORE);
	    continue;
	}
	assert_int_equal(sts, 0);
	assert_int_equal(argv_build(&cmd, &p, &argv), 0);
	out = run_argv(argv, &status);
	argv_free(argv);
	params_free(&p);
	assert_non_null(out);
	bad = strcmp(out, c->output) != 0 || !WIFEXITED(status) ||
	      WEXITSTATUS(status) != 0;
	if (bad)
	    print_error("[%s <- \"%s\"] status 0x%x output \"%s\", expected "
			"\"%s\"\n", c->tmpl, c->params, status, out, c->output);
	free(out);
	assert_false(bad);
    }
}

/*
 * Even a value that never went through params_parse() reaches the
 * command as data: nothing in it is run, quoted or expanded.
 */
static void
test_run_no_injection(void **state)
{
    char		dir[] = "/tmp/test_params.XXXXXX";
    char		value[1024], mark[64], *out, **argv;
    char		*v[2] = { value, NULL };
    struct params	p = { 1, v };
    struct pipe_cmd	cmd;
    struct stat		sb;
    int			status, i, bad;
    static const char	*tmpls[] = {
	"printf '%s\\n' $1 | cat",
	"printf '%s\\n' \"$1\" | cat",
	"printf '%s\\n' $0 | cat",
	"eval_me=no; printf '%s\\n' $1",
    };

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(mark, sizeof(mark), "%s/pwned", dir);
    snprintf(value, sizeof(value), ";touch${IFS}%s;`touch${IFS}%s`"
	    "$(touch${IFS}%s)|touch${IFS}%s&&'\"\\$1$0$@", mark, mark, mark,
	    mark);
    /* params_parse would never let it through */
    {
	struct params	q;

	assert_int_equal(params_parse(value, &q), PM_ERR_BADSTORE);
    }
    for (i = 0; i < (int)(sizeof(tmpls) / sizeof(tmpls[0])); i++) {
	make_cmd(&cmd, "inst", tmpls[i]);
	assert_int_equal(cmd.shell, 1);
	assert_int_equal(argv_build(&cmd, &p, &argv), 0);
	out = run_argv(argv, &status);
	argv_free(argv);
	assert_non_null(out);
	bad = strncmp(out, value, strlen(value)) != 0 ||
	      strcmp(out + strlen(value), "\n") != 0;
	if (bad) {
	    print_error("[%s] output \"%s\"\n", tmpls[i], out);
	    rmdir(dir);
	}
	free(out);
	assert_false(bad);
	assert_int_equal(WIFEXITED(status), 1);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(mark, &sb), -1);
    }
    assert_int_equal(rmdir(dir), 0);
}

/*
 * argv_string()
 */
struct quote_case {
    const char	*argv[MAXV];
    const char	*want;
};

static const struct quote_case quote_cases[] = {
    { { NULL }, "" },
    { { "ls" }, "ls" },
    { { "btrace", "-w", "10", "/dev/sda" }, "btrace -w 10 /dev/sda" },
    { { "x=y", "a.b_c-d", "+%@:,/" }, "x=y a.b_c-d +%@:,/" },
    { { "" }, "''" },
    { { "a", "", "b" }, "a '' b" },
    { { "a b" }, "'a b'" },
    { { "a\tb" }, "'a\tb'" },
    { { "a\nb" }, "'a\nb'" },
    { { "it's" }, "'it'\\''s'" },
    { { "'" }, "''\\'''" },
    { { "\"q\"" }, "'\"q\"'" },
    { { "a\\b" }, "'a\\b'" },
    { { "$HOME" }, "'$HOME'" },
    { { "`id`" }, "'`id`'" },
    { { "a|b", "a&b", "a;b" }, "'a|b' 'a&b' 'a;b'" },
    { { "<", ">", "(", ")" }, "'<' '>' '(' ')'" },
    { { "*", "?", "[a]", "{b}", "~", "#" }, "'*' '?' '[a]' '{b}' '~' '#'" },
    { { "/bin/sh", "-c", "echo ${1} | cat", "inst", "p1" },
      "/bin/sh -c 'echo ${1} | cat' inst p1" },
};

static void
test_argv_string(void **state)
{
    const struct quote_case	*c;
    char			*s;
    size_t			i;
    int				bad = 0;

    (void)state;
    for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
	c = &quote_cases[i];
	assert_non_null(s = argv_string((char *const *)c->argv));
	if (strcmp(s, c->want) != 0) {
	    print_error("[row %zu] got \"%s\", want \"%s\"\n", i, s, c->want);
	    bad++;
	}
	free(s);
    }
    assert_non_null(s = argv_string(NULL));
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(bad, 0);
}

/* argv_string() output read back by the shell gives the same words */
static void
test_argv_string_roundtrip(void **state)
{
    static const char	*words[] = {
	"it's", "a b", "", "$HOME", "`id`", "\"", "\\", "*", "x'y'z", "#c",
	"tab\there", "new\nline", NULL
    };
    char		*line, *script, *out, *want, *sh[4];
    size_t		i, n = 0;
    int			status;

    (void)state;
    assert_non_null(line = argv_string((char *const *)words));
    assert_true(asprintf(&script, "printf '[%%s]' %s", line) > 0);
    sh[0] = "/bin/sh";
    sh[1] = "-c";
    sh[2] = script;
    sh[3] = NULL;
    out = run_argv(sh, &status);
    free(script);
    free(line);
    assert_non_null(out);
    for (i = 0; words[i]; i++)
	n += strlen(words[i]) + 2;
    assert_non_null(want = calloc(1, n + 1));
    for (i = 0; words[i]; i++) {
	strcat(want, "[");
	strcat(want, words[i]);
	strcat(want, "]");
    }
    if (strcmp(out, want) != 0)
	print_error("got  %s\nwant %s\n", out, want);
    status = strcmp(out, want);
    free(out);
    free(want);
    assert_int_equal(status, 0);
}

int
main(void)
{
    const struct CMUnitTest	tests[] = {
	cmocka_unit_test(test_parse_table),
	cmocka_unit_test(test_parse_maxlen),
	cmocka_unit_test(test_params_free),
	cmocka_unit_test(test_argv_table),
	cmocka_unit_test(test_argv_shell_instance),
	cmocka_unit_test(test_argv_shell_pid),
	cmocka_unit_test(test_run_shell),
	cmocka_unit_test(test_run_no_injection),
	cmocka_unit_test(test_argv_string),
	cmocka_unit_test(test_argv_string_roundtrip),
    };

    return cmocka_run_group_tests_name("params: parameter validation and "
		"command substitution", tests, NULL, NULL);
}

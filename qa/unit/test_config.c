/*
 * test_config.c - cmocka unit tests for config.c: pipe.conf parsing,
 * the command template scanner and loading a file plus a directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../config.h"
#include "../../trust.h"
#include "testutil.h"

#define MAXMSGS		8

/* the invalid instance name diagnostic, for file "pipe.conf" */
#define BADNAME(line, name, why) \
    "pipe.conf:" #line ": invalid instance name \"" name "\": it " why
#define NOUSER(line, name) \
    "pipe.conf:" #line ": instance \"" name "\": missing user name"
#define NOCMD(line, name) \
    "pipe.conf:" #line ": instance \"" name "\": missing a command"
#define AGAIN(line, name, where) \
    "pipe.conf:" #line ": warning: instance \"" name "\" is defined again: " \
    "this definition replaces the one at " where

#define N16	"abcdefghijklmnop"
#define NAME64	N16 N16 N16 N16
#define NAME1024 NAME64 NAME64 NAME64 NAME64 NAME64 NAME64 NAME64 NAME64 \
		 NAME64 NAME64 NAME64 NAME64 NAME64 NAME64 NAME64 NAME64

/*
 * config_parse_text(): one row per input text, with the exact diagnostics
 * and how much of the text made it into the configuration.
 */
struct parse_case {
    const char	*name;
    const char	*text;
    int		errors;		/* return value and diag.nerrors */
    size_t	ncmds;
    size_t	nrules;
    const char	*msgs[MAXMSGS];
};

static const struct parse_case parse_cases[] = {
    /* clean input */
    { "empty text", "", 0, 0, 0, { NULL } },
    { "one command", "foo root echo hi\n", 0, 1, 0, { NULL } },
    { "no final newline", "foo root echo hi", 0, 1, 0, { NULL } },
    { "tabs and runs of blanks", "\tfoo \t root\t\techo  hi \t\n",
      0, 1, 0, { NULL } },
    { "CRLF line ends", "foo root echo hi\r\nbar root echo\r\n",
      0, 2, 0, { NULL } },
    { "valid names", "_x root a\na.b-c_D9 root a\nZ root a\n"
      NAME64 " root a\n", 0, 4, 0, { NULL } },
    { "$99 is the highest parameter", "foo root echo $99\n",
      0, 1, 0, { NULL } },

    /* instance names: any non-blank characters, as the stock agent */
    { "names the stock agent takes",
      "1abc root echo\n-x root echo\n.x root echo\na/b root echo\n"
      "trace:sda root echo\nblk/sda root echo\n;34@#bleurg root echo\n"
      "a$b root echo\n.. root echo\ncaf\xc3\xa9 root echo\n"
      "[x] root echo\n", 0, 11, 0, { NULL } },
    { "name of 1024 bytes", NAME1024 " root echo\n", 0, 1, 0, { NULL } },
    { "'all' and '*' warn", "all root echo\n* root echo\n", 0, 2, 0,
      { "pipe.conf:1: warning: instance \"all\": access rules name it only "
	"through \"*\" (\"all\" there means every instance)",
	"pipe.conf:2: warning: instance \"*\": access rules name it only "
	"through \"*\" (\"*\" there means every instance)", NULL } },
    { "name of 1025 bytes", NAME1024 "q root echo\n", 1, 0, 0,
      { BADNAME(1, NAME64, "is longer than 1024 bytes"), NULL } },
    { "control character in a name", "a\001b root echo\n", 1, 0, 0,
      { BADNAME(1, "a\\x01b", "contains a control character"), NULL } },
    { "DEL in a name", "a\177 root echo\n", 1, 0, 0,
      { BADNAME(1, "a\\x7f", "contains a control character"), NULL } },

    /* missing user or command */
    { "name only", "foo\n", 1, 0, 0, { NOUSER(1, "foo"), NULL } },
    { "name and user only", "foo root\n", 1, 0, 0,
      { NOCMD(1, "foo"), NULL } },
    { "name and user, trailing blanks", "foo \t root \t \n", 1, 0, 0,
      { NOCMD(1, "foo"), NULL } },
    /* as in the stock agent: the shell reads it as a comment */
    { "a '#' word in a command", "foo root # echo hi\n", 0, 1, 0,
      { NULL } },

    /* a repeated instance: the later definition wins, with a warning */
    { "duplicate instance", "foo root echo a\n\nfoo root echo b\n", 0, 1, 0,
      { AGAIN(3, "foo", "pipe.conf:1"), NULL } },
    { "duplicate twice", "# c\nfoo root a\nbar root b\nfoo root c\n"
      "foo nobody d\n", 0, 2, 0,
      { AGAIN(4, "foo", "pipe.conf:2"), AGAIN(5, "foo", "pipe.conf:4"),
	NULL } },
    { "names are case-sensitive", "foo root a\nFOO root a\n",
      0, 2, 0, { NULL } },

    /* parameter numbers */
    { "$100", "foo root echo $100\n", 1, 0, 0,
      { "pipe.conf:1: instance \"foo\": parameter number above $99",
	NULL } },
    { "$0100", "foo root echo $0100\n", 1, 0, 0,
      { "pipe.conf:1: instance \"foo\": parameter number above $99",
	NULL } },
    { "$100 in a shell template", "foo root echo $100 | cat\n", 1, 0, 0,
      { "pipe.conf:1: instance \"foo\": parameter number above $99",
	NULL } },

    /* section headers */
    { "[access] and [commands]", "[access]\n[commands]\n", 0, 0, 0,
      { NULL } },
    { "header with blanks and case", "[ Access ]\n\t[COMMANDS]  \n", 0, 0, 0,
      { NULL } },
    { "header with a comment", "[access] # rules\n", 0, 0, 0, { NULL } },
    { "header without ']'", "[access\n", 1, 0, 0,
      { "pipe.conf:1: malformed section header \"[access\"", NULL } },
    { "header with trailing text", "\n[access] rules\n", 1, 0, 0,
      { "pipe.conf:2: malformed section header \"[access] rules\"",
	NULL } },
    { "header with ']]'", "[access]]\n", 1, 0, 0,
      { "pipe.conf:1: malformed section header \"[access]]\"", NULL } },
    { "unknown section", "[rules]\n", 1, 0, 0,
      { "pipe.conf:1: unknown section [rules]", NULL } },
    { "empty section name", "[ ]\n", 1, 0, 0,
      { "pipe.conf:1: unknown section []", NULL } },

    /* access rules */
    { "allow user", "[access]\nallow user root : foo\n", 0, 0, 1,
      { NULL } },
    { "disallow group, no blanks, ';'", "[access]\ndisallow group adm:*;\n",
      0, 0, 1, { NULL } },
    { "rule with blank before ';'", "[access]\nallow user root : foo ;\n",
      0, 0, 1, { NULL } },
    { "rule for all", "[access]\nallow group root : all\n", 0, 0, 1,
      { NULL } },
    { "rule with tabs", "[access]\n\tallow\tuser\troot\t:\tfoo\t\n",
      0, 0, 1, { NULL } },
    { "missing colon", "[access]\nallow user root foo\n", 1, 0, 0,
      { "pipe.conf:2: expected \"NAME : INSTANCE\" after \"allow user\"",
	NULL } },
    { "missing colon, disallow group", "[access]\ndisallow group adm\n",
      1, 0, 0,
      { "pipe.conf:2: expected \"NAME : INSTANCE\" after \"disallow "
	"group\"", NULL } },
    { "bad verb", "[access]\npermit user root : foo\n", 1, 0, 0,
      { "pipe.conf:2: expected \"allow\" or \"disallow\", found \"permit\"",
	NULL } },
    { "verbs are case-sensitive", "[access]\nAllow user root : foo\n",
      1, 0, 0,
      { "pipe.conf:2: expected \"allow\" or \"disallow\", found \"Allow\"",
	NULL } },
    { "bad kind", "[access]\nallow person root : foo\n", 1, 0, 0,
      { "pipe.conf:2: expected \"user\" or \"group\", found \"person\"",
	NULL } },
    { "verb alone", "[access]\nallow\n", 1, 0, 0,
      { "pipe.conf:2: expected \"user\" or \"group\", found \"\"", NULL } },
    { "empty user name", "[access]\nallow user : foo\n", 1, 0, 0,
      { "pipe.conf:2: expected a user name after \"allow user\"", NULL } },
    { "no user name at all", "[access]\nallow user\n", 1, 0, 0,
      { "pipe.conf:2: expected a user name after \"allow user\"", NULL } },
    { "group name with a blank", "[access]\nallow group a b : foo\n",
      1, 0, 0, { "pipe.conf:2: invalid group name \"a b\"", NULL } },
    { "stock names in rules", "[access]\nallow user root : 9x\n"
      "allow user root : trace:sda\nallow user root : ;34@#bleurg\n",
      0, 0, 3, { NULL } },
    { "empty rule instance", "[access]\nallow user root :\n", 1, 0, 0,
      { "pipe.conf:2: expected an instance (or \"*\") after \"allow user "
	"root :\"", NULL } },
    { "only ';' after colon", "[access]\nallow user root : ;\n", 1, 0, 0,
      { "pipe.conf:2: expected an instance (or \"*\") after \"allow user "
	"root :\"", NULL } },
    { "only a comment after colon", "[access]\nallow group adm : # x\n",
      1, 0, 0,
      { "pipe.conf:2: expected an instance (or \"*\") after \"allow group "
	"adm :\"", NULL } },
    { "two ';'", "[access]\nallow user root : foo;;\n", 0, 0, 1, { NULL } },
    { "command line in [access]", "[access]\nfoo root echo\n", 1, 0, 0,
      { "pipe.conf:2: expected \"allow\" or \"disallow\", found \"foo\"",
	NULL } },
    /* a rule in [commands] reads as instance "allow", user "user" */
    { "rule line in [commands]", "allow user root : foo\n", 0, 1, 0,
      { NULL } },

    /* comments, blank lines and line numbers */
    { "comments anywhere",
      "# leading\n"
      "   # indented\n"
      "#\n"
      "foo root echo hi # trailing\n"
      "[access] # header\n"
      "allow user root : foo # rule\n"
      "allow user root : bar; # rule with ';'\n"
      "[commands]#tight\n"
      "bar root echo#tight\n", 0, 2, 2, { NULL } },
    { "line numbers across blanks and comments",
      "\n"
      "# c\n"
      "\n"
      "   \n"
      "\t\n"
      "bad\001name root x\n"
      "# c\n"
      "ok root x\n"
      "\n"
      "[access]\n"
      "# c\n"
      "allow user root\n", 2, 1, 0,
      { BADNAME(6, "bad\\x01name", "contains a control character"),
	"pipe.conf:12: expected \"NAME : INSTANCE\" after \"allow user\"",
	NULL } },
    { "errors do not stop parsing",
      "1x\037 root a\n"
      "good root a\n"
      "[nope]\n"
      "[access\n"
      "more root b\n"
      "[access]\n"
      "allow user root : good\n"
      "deny user root : good\n"
      "allow user root : more\n", 4, 2, 2,
      { BADNAME(1, "1x\\x1f", "contains a control character"),
	"pipe.conf:3: unknown section [nope]",
	"pipe.conf:4: malformed section header \"[access\"",
	"pipe.conf:8: expected \"allow\" or \"disallow\", found \"deny\"",
	NULL } },

    /* sections repeat, in any order */
    { "sections repeating",
      "[access]\n"
      "allow user root : a\n"
      "[commands]\n"
      "a root echo a\n"
      "[access]\n"
      "disallow group adm : b\n"
      "[access]\n"
      "allow user root : *\n"
      "[commands]\n"
      "b root echo b\n"
      "[commands]\n"
      "c root echo c\n", 0, 3, 3, { NULL } },
};

static void
test_parse_table(void **state)
{
    const struct parse_case	*c;
    struct pipe_config		*cfg;
    struct config_diag		d;
    size_t			i;
    int				sts, bad = 0;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
	c = &parse_cases[i];
	memset(&d, 0, sizeof(d));
	assert_non_null(cfg = config_new());
	sts = config_parse_text(cfg, "pipe.conf", c->text, &d);
	bad += check_diag(c->name, &d, c->msgs);
	if (sts != c->errors || (int)d.nerrors != c->errors ||
	    cfg->ncmds != c->ncmds || cfg->nrules != c->nrules) {
	    print_error("[%s] returned %d, nerrors %zu, ncmds %zu, nrules %zu;"
			" expected %d, %d, %zu, %zu\n", c->name, sts,
			d.nerrors, cfg->ncmds, cfg->nrules, c->errors,
			c->errors, c->ncmds, c->nrules);
	    bad++;
	}
	diag_clear(&d);
	config_free(cfg);
    }
    assert_int_equal(bad, 0);
}

/* the fields of parsed commands and rules */
static void
test_parse_fields(void **state)
{
    static const char		text[] =
	"# pipe.conf\n"
	"\n"
	"trace  root   btrace -w $1 /dev/$2   # block trace\n"
	"[access]\n"
	"allow user root : trace\n"
	"disallow group adm:*;\n"
	"allow group root : all ;\n"
	"[commands]\n"
	"log\tnobody\ttail -f /var/log/syslog | grep $0\r\n";
    struct pipe_config		*cfg;
    struct config_diag		d = { 0 };
    const struct pipe_cmd	*c;
    const struct pipe_rule	*r;

    (void)state;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "/etc/pipe.conf", text, &d), 0);
    assert_int_equal(d.nmsgs, 0);
    assert_int_equal(cfg->ncmds, 2);
    assert_int_equal(cfg->nrules, 3);
    assert_int_equal(cfg->nfiles, 1);
    assert_string_equal(cfg->files[0], "/etc/pipe.conf");

    c = &cfg->cmds[0];
    assert_string_equal(c->name, "trace");
    assert_string_equal(c->user, "root");
    /* a trailing comment stays with the command, for its shell */
    assert_string_equal(c->command, "btrace -w $1 /dev/$2   # block trace");
    assert_int_equal(c->nparams, 2);
    assert_int_equal(c->shell, 1);
    assert_string_equal(c->file, "/etc/pipe.conf");
    assert_int_equal(c->line, 3);

    c = &cfg->cmds[1];
    assert_string_equal(c->name, "log");
    assert_string_equal(c->user, "nobody");
    assert_string_equal(c->command, "tail -f /var/log/syslog | grep $0");
    assert_int_equal(c->nparams, 0);
    assert_int_equal(c->shell, 1);
    assert_int_equal(c->line, 9);

    r = &cfg->rules[0];
    assert_int_equal(r->allow, 1);
    assert_int_equal(r->kind, RULE_USER);
    assert_string_equal(r->who, "root");
    assert_string_equal(r->instance, "trace");
    assert_string_equal(r->file, "/etc/pipe.conf");
    assert_int_equal(r->line, 5);

    r = &cfg->rules[1];
    assert_int_equal(r->allow, 0);
    assert_int_equal(r->kind, RULE_GROUP);
    assert_string_equal(r->who, "adm");
    assert_string_equal(r->instance, "*");
    assert_int_equal(r->line, 6);

    r = &cfg->rules[2];
    assert_int_equal(r->allow, 1);
    assert_int_equal(r->kind, RULE_GROUP);
    assert_string_equal(r->who, "root");
    assert_string_equal(r->instance, "*");		/* 'all' == '*' */
    assert_int_equal(r->line, 7);

    diag_clear(&d);
    config_free(cfg);
}

/*
 * '#' is a comment only as a line's first non-blank character (the stock
 * agent's rule): inside a command it stays, and a word starting with '#'
 * is the shell's comment, so that command runs under /bin/sh -c.
 */
static void
test_parse_comment_in_command(void **state)
{
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };

    (void)state;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "f", "x root echo a#b c\n"
		"y root echo a #b\n  # a comment\n", &d), 0);
    assert_int_equal(cfg->ncmds, 2);
    assert_string_equal(cfg->cmds[0].command, "echo a#b c");
    assert_int_equal(cfg->cmds[0].run, RUN_DIRECT);
    assert_string_equal(cfg->cmds[1].command, "echo a #b");
    assert_int_equal(cfg->cmds[1].run, RUN_SHELL_SYNTAX);
    diag_clear(&d);
    config_free(cfg);
}

/* a first word that is a shell builtin and no executable: /bin/sh -c */
static void
test_parse_shell_builtin(void **state)
{
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };

    (void)state;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "f", "noop nobody exit\n"
		"three nobody exit 3\ncd nobody cd /tmp\nc nobody :\n"
		"f nobody for i in 1 2; do echo $i; done\n"
		"e nobody echo hi\nx nobody /bin/true\n", &d), 0);
    assert_int_equal(cfg->ncmds, 7);
    assert_int_equal(cfg->cmds[0].run, RUN_SHELL_BUILTIN);
    assert_int_equal(cfg->cmds[0].shell, 1);
    assert_int_equal(cfg->cmds[1].run, RUN_SHELL_BUILTIN);
    assert_int_equal(cfg->cmds[2].run, RUN_SHELL_BUILTIN);
    assert_int_equal(cfg->cmds[3].run, RUN_SHELL_BUILTIN);
    assert_int_equal(cfg->cmds[4].run, RUN_SHELL_SYNTAX);
    /* echo is a builtin, but also /usr/bin/echo: run directly */
    assert_int_equal(cfg->cmds[5].run, RUN_DIRECT);
    assert_int_equal(cfg->cmds[5].shell, 0);
    assert_int_equal(cfg->cmds[6].run, RUN_DIRECT);
    /* on a PATH without it, echo goes to the shell too */
    assert_int_equal(config_shell_word("echo", "/nonexistent"), 1);
    assert_int_equal(config_shell_word("echo", NULL), 0);
    assert_int_equal(config_shell_word("btrace", "/nonexistent"), 0);
    diag_clear(&d);
    config_free(cfg);
}

/* the parse trace of -D appl1 (lines), appl0 (results), appl2 (set-up) */
static void
collect(void *arg, const char *text)
{
    char	*buf = arg;

    strcat(buf, text);
    strcat(buf, "\n");
}

static void
test_parse_trace(void **state)
{
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };
    static char		buf[4096];

    (void)state;
    buf[0] = '\0';
    d.trace = CONFIG_TRACE_LINES | CONFIG_TRACE_PARSED;
    d.trace_fn = collect;
    d.trace_arg = buf;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "f", "# c\n;34@#bleurg  root "
		"  /bin/true\n[access]\nallow user bob : x\n", &d), 0);
    assert_string_equal(buf,
	"[2] ;34@#bleurg  root   /bin/true\n"
	"[name=;34@#bleurg user=root line=2] command: /bin/true\n"
	"[3] [access]\n"
	"[4] allow user bob : x\n"
	"[allow user=bob line=4] instance: x\n");
    diag_clear(&d);
    config_free(cfg);
}

/* several texts into one config: duplicates name the other file */
static void
test_parse_two_texts(void **state)
{
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };
    static const char	*want[] = {
	"b.conf:2: warning: instance \"one\" is defined again: this "
	"definition replaces the one at a.conf:3",
	NULL
    };

    (void)state;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "a.conf", "\n\none root a\n",
		&d), 0);
    assert_int_equal(config_parse_text(cfg, "b.conf",
		"two root b\none root c\n", &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(check_diag("two texts", &d, want), 0);
    assert_int_equal(cfg->ncmds, 2);
    assert_int_equal(cfg->nfiles, 2);
    /* "one" is b.conf's now, in its old place */
    assert_string_equal(cfg->cmds[0].name, "one");
    assert_string_equal(cfg->cmds[0].file, "b.conf");
    assert_int_equal(cfg->cmds[0].line, 2);
    assert_string_equal(cfg->cmds[0].command, "c");
    assert_string_equal(cfg->cmds[1].file, "b.conf");
    assert_int_equal(cfg->cmds[1].line, 1);
    /* the count returned is this text's errors, not the running total */
    assert_int_equal(config_parse_text(cfg, "c.conf", "three root c\n"
		"\001 root c\n", &d), 1);
    assert_int_equal(config_parse_text(cfg, "d.conf", "four root c\n", &d), 0);
    assert_int_equal(d.nerrors, 1);
    diag_clear(&d);
    assert_int_equal(d.nmsgs, 0);
    assert_null(d.msgs);
    config_free(cfg);
}

/* config_lint: root commands no rule covers; autostart params */
static void
test_lint(void **state)
{
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };
    static const char	*want[] = {
	"f:1: warning: instance \"open\" runs as root and no [access] rule "
	"covers it: any local user may run it",
	"f:3: instance \"auto\": autostart params \"a\" are not valid for "
	"its command (needs 2)",
	NULL
    };

    (void)state;
    assert_non_null(cfg = config_new());
    assert_int_equal(config_parse_text(cfg, "f", "open root echo\n"
		"shut root echo\nauto nobody echo $1 $2\nfine nobody echo $1\n"
		"[access]\nallow user nobody : shut\n[options auto]\n"
		"autostart = yes\nparams = a\n[options fine]\nautostart = yes\n"
		"params = a,b\n", &d), 0);
    assert_int_equal(config_finish(cfg, &d), 0);
    assert_int_equal(config_lint(cfg, &d), 1);
    assert_int_equal(check_diag("lint", &d, want), 0);
    assert_int_equal(d.is_error[0], 0);
    assert_int_equal(d.is_error[1], 1);
    diag_clear(&d);
    /* a '*' rule covers every instance */
    assert_int_equal(config_parse_text(cfg, "g", "[access]\n"
		"disallow group nogroup : *\n", &d), 0);
    assert_int_equal(config_lint(cfg, &d), 1);
    assert_int_equal(d.nmsgs, 1);
    diag_clear(&d);
    config_free(cfg);
}

static void
test_config_free_null(void **state)
{
    (void)state;
    assert_null(config_free(NULL));
}

/*
 * config_template_scan()
 */
struct scan_case {
    const char	*tmpl;
    int		sts;
    int		nparams;
    int		shell;
};

static const struct scan_case scan_cases[] = {
    { "btrace -w $1 /dev/$2", 0, 2, 0 },
    { "cat", 0, 0, 0 },
    { "/usr/bin/vmstat 1", 0, 0, 0 },
    { "echo $0", 0, 0, 0 },
    { "echo $2", 0, 2, 0 },
    { "echo $1$2", 0, 2, 0 },
    { "echo $2 $1", 0, 2, 0 },
    { "tail -f /var/log/$1.log", 0, 1, 0 },
    { "echo $10", 0, 10, 0 },
    { "echo $99", 0, 99, 0 },
    { "echo $099", 0, 99, 0 },
    { "echo $100", -ERANGE, 0, 0 },
    { "cmd --opt=$1", 0, 1, 0 },
    { "cmd a=b", 0, 0, 0 },
    { "a-b_c.d +x %y @z ,w", 0, 0, 0 },
    /* shell syntax */
    { "dmesg -w | grep $1", 0, 1, 1 },
    { "cmd > /tmp/out", 0, 0, 1 },
    { "cmd < /tmp/in", 0, 0, 1 },
    { "cmd 2>&1", 0, 0, 1 },
    { "cmd &", 0, 0, 1 },
    { "a && b", 0, 0, 1 },
    { "a || b", 0, 0, 1 },
    { "a; b", 0, 0, 1 },
    { "(a)", 0, 0, 1 },
    { "{ a; }", 0, 0, 1 },
    { "echo 'x'", 0, 0, 1 },
    { "echo \"$1\"", 0, 1, 1 },
    { "echo `id`", 0, 0, 1 },
    { "echo \\x", 0, 0, 1 },
    { "echo $HOME", 0, 0, 1 },
    { "echo $$", 0, 0, 1 },
    { "echo $", 0, 0, 1 },
    { "echo ${HOME}", 0, 0, 1 },
    { "echo $(id)", 0, 0, 1 },
    { "echo $@", 0, 0, 1 },
    { "VAR=x cmd", 0, 0, 1 },
    { "LC_ALL=C sort $1", 0, 1, 1 },
    { "ls *.c", 0, 0, 1 },
    { "ls ?", 0, 0, 1 },
    { "ls [ab]", 0, 0, 1 },
    { "ls ~", 0, 0, 1 },
};

static void
test_template_scan(void **state)
{
    const struct scan_case	*c;
    size_t			i;
    int				sts, nparams, shell, bad = 0;

    (void)state;
    for (i = 0; i < sizeof(scan_cases) / sizeof(scan_cases[0]); i++) {
	c = &scan_cases[i];
	nparams = shell = -1;
	sts = config_template_scan(c->tmpl, &nparams, &shell);
	if (sts != c->sts ||
	    (sts == 0 && (nparams != c->nparams || shell != c->shell))) {
	    print_error("[%s] sts %d nparams %d shell %d; expected %d %d %d\n",
			c->tmpl, sts, nparams, shell, c->sts, c->nparams,
			c->shell);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
}

/*
 * config_find()
 */
static void
test_find(void **state)
{
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };

    (void)state;
    assert_non_null(cfg = config_new());
    assert_null(config_find(cfg, "foo"));	/* empty config */
    assert_int_equal(config_parse_text(cfg, "f",
		"foo root a\nbar root b $1\nfoo.1 root c\n", &d), 0);
    assert_non_null(config_find(cfg, "foo"));
    assert_ptr_equal(config_find(cfg, "foo"), &cfg->cmds[0]);
    assert_ptr_equal(config_find(cfg, "bar"), &cfg->cmds[1]);
    assert_string_equal(config_find(cfg, "bar")->command, "b $1");
    assert_ptr_equal(config_find(cfg, "foo.1"), &cfg->cmds[2]);
    assert_null(config_find(cfg, "FOO"));
    assert_null(config_find(cfg, "fo"));
    assert_null(config_find(cfg, "foo "));
    assert_null(config_find(cfg, ""));
    assert_null(config_find(cfg, "*"));
    diag_clear(&d);
    config_free(cfg);
}

/*
 * config_load() against a temporary directory
 */
struct tmp {
    char	dir[64];	/* the test's root */
    char	main[128];	/* dir/pipe.conf */
    char	confd[128];	/* dir/pipe.conf.d */
};

/* the tree is trusted from the test's root down (trust.h) */
static struct trust_rules	trust;

static int
setup_tmp(void **state)
{
    struct tmp	*t;

    if ((t = calloc(1, sizeof(*t))) == NULL)
	return -1;
    strcpy(t->dir, "/tmp/test_config.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
	free(t);
	return -1;
    }
    (void)chmod(t->dir, 0755);	/* judged when a link goes up to it */
    trust.owner = getuid();
    trust.top = t->dir;
    snprintf(t->main, sizeof(t->main), "%s/pipe.conf", t->dir);
    snprintf(t->confd, sizeof(t->confd), "%s/pipe.conf.d", t->dir);
    if (mkdir(t->confd, 0755) < 0) {
	rmdir(t->dir);
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
    int		sts;

    sts = rm_tree(t->dir);
    free(t);
    return sts;
}

static void
put_file(const char *dir, const char *name, const char *text, size_t len)
{
    char	path[256];
    int		fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

#define PUT(dir, name, text)	put_file(dir, name, text, strlen(text))

/* file then directory entries in name order, skipping backups */
static void
test_load_order(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		path[256], sub[256];
    static const char	*none[] = { NULL };

    PUT(t->dir, "pipe.conf", "main root echo main\n[access]\n"
	"allow user root : *\n");
    PUT(t->confd, "20-b.conf", "b root echo b\n");
    PUT(t->confd, "10-a.conf", "a root echo a\n[access]\n"
	"allow user root : b\n");
    PUT(t->confd, "30-c", "c root echo c\n");
    PUT(t->confd, "100-d", "d root echo d\n");	/* byte order, not numeric */
    /* none of these are read: each would be an error */
    PUT(t->confd, ".hidden", "main root echo dup\n");
    PUT(t->confd, ".30-c.swp", "this is not a config\n");
    PUT(t->confd, "20-b.conf~", "b root echo dup\n");
    PUT(t->confd, "40-d.rpmnew", "[broken\n");
    PUT(t->confd, "40-d.rpmsave", "[broken\n");
    PUT(t->confd, "40-d.dpkg-dist", "[broken\n");
    PUT(t->confd, "40-d.dpkg-old", "[broken\n");
    /* a subdirectory is not an error */
    snprintf(sub, sizeof(sub), "%s/sub", t->confd);
    assert_int_equal(mkdir(sub, 0755), 0);

    assert_int_equal(config_load(t->main, 1, t->confd, &trust, &cfg, &d), 0);
    assert_int_equal(check_diag("load order", &d, none), 0);
    assert_int_equal(d.nerrors, 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 5);
    assert_string_equal(cfg->cmds[0].name, "main");
    assert_string_equal(cfg->cmds[1].name, "a");
    assert_string_equal(cfg->cmds[2].name, "d");
    assert_string_equal(cfg->cmds[3].name, "b");
    assert_string_equal(cfg->cmds[4].name, "c");
    assert_string_equal(cfg->cmds[0].file, t->main);
    snprintf(path, sizeof(path), "%s/10-a.conf", t->confd);
    assert_string_equal(cfg->cmds[1].file, path);
    assert_int_equal(cfg->cmds[1].line, 1);
    assert_int_equal(cfg->nrules, 2);
    assert_string_equal(cfg->rules[1].file, path);
    assert_int_equal(cfg->rules[1].line, 3);
    assert_int_equal(cfg->nfiles, 5);
    assert_string_equal(cfg->files[0], t->main);
    assert_string_equal(cfg->files[1], path);
    snprintf(path, sizeof(path), "%s/100-d", t->confd);
    assert_string_equal(cfg->files[2], path);
    snprintf(path, sizeof(path), "%s/20-b.conf", t->confd);
    assert_string_equal(cfg->files[3], path);
    snprintf(path, sizeof(path), "%s/30-c", t->confd);
    assert_string_equal(cfg->files[4], path);
    config_free(cfg);
    diag_clear(&d);
}

/* a duplicate in a later file names the earlier file and line */
static void
test_load_duplicate(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[512];
    const char		*want[] = { msg, NULL };

    PUT(t->dir, "pipe.conf", "# main\nfoo nobody echo main\n");
    PUT(t->confd, "a.conf", "\n\n\nfoo nobody echo again\n");
    /* a pipe.conf.d file overrides pipe.conf */
    snprintf(msg, sizeof(msg), "%s/a.conf:4: warning: instance \"foo\" is "
	    "defined again: this definition replaces the one at %s:2",
	    t->confd, t->main);
    assert_int_equal(config_load(t->main, 0, t->confd, &trust, &cfg, &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(check_diag("load duplicate", &d, want), 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 1);
    assert_string_equal(cfg->cmds[0].command, "echo again");
    config_free(cfg);
    diag_clear(&d);
}

/* a missing main file is fine unless it is required */
static void
test_load_missing_optional(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    static const char	*none[] = { NULL };

    PUT(t->confd, "x", "x nobody echo x\n");
    assert_int_equal(config_load(t->main, 0, t->confd, &trust, &cfg, &d), 0);
    assert_int_equal(check_diag("missing optional", &d, none), 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 1);
    config_free(cfg);
    diag_clear(&d);
}

static void
test_load_missing_required(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[2][512];
    const char		*want[] = { msg[0], msg[1], NULL };

    snprintf(msg[0], sizeof(msg[0]), "%s: cannot read: %s", t->main,
	    strerror(ENOENT));
    snprintf(msg[1], sizeof(msg[1]), "%s: warning: no commands configured",
	    t->main);
    assert_int_equal(config_load(t->main, 1, t->confd, &trust, &cfg, &d), 1);
    assert_int_equal(d.nerrors, 1);
    assert_int_equal(check_diag("missing required", &d, want), 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 0);
    config_free(cfg);
    diag_clear(&d);
}

/* neither file nor directory: only a warning */
static void
test_load_nothing(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		dir[256], msg[512];
    const char		*want[] = { msg, NULL };

    snprintf(dir, sizeof(dir), "%s/no-such-dir", t->dir);
    snprintf(msg, sizeof(msg), "%s: warning: no commands configured",
	    t->main);
    assert_int_equal(config_load(t->main, 0, dir, &trust, &cfg, &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(check_diag("nothing", &d, want), 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 0);
    config_free(cfg);
    diag_clear(&d);
}

/* unknown command user: an error; unknown rule user/group/instance: warnings */
static void
test_load_accounts(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[4][512];
    const char		*want[] = { msg[0], msg[1], msg[2], msg[3], NULL };

    PUT(t->dir, "pipe.conf",
	"ok root echo ok\n"
	"bad no_such_user_pipe echo bad\n"
	"[access]\n"
	"allow user root : ok\n"
	"allow user root : no_such_instance\n"
	"allow user no_such_user_pipe : ok\n"
	"disallow group no_such_group_pipe : *\n"
	"allow group root : all\n");
    snprintf(msg[0], sizeof(msg[0]), "%s:2: warning: instance \"bad\": "
	    "unknown user \"no_such_user_pipe\" (served; a store into it "
	    "fails until the user exists)", t->main);
    snprintf(msg[1], sizeof(msg[1]), "%s:5: warning: rule names unknown "
	    "instance \"no_such_instance\"", t->main);
    snprintf(msg[2], sizeof(msg[2]), "%s:6: warning: unknown user "
	    "\"no_such_user_pipe\"", t->main);
    snprintf(msg[3], sizeof(msg[3]), "%s:7: warning: unknown group "
	    "\"no_such_group_pipe\"", t->main);
    assert_int_equal(config_load(t->main, 1, NULL, &trust, &cfg, &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(check_diag("accounts", &d, want), 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 2);
    assert_int_equal(cfg->nrules, 5);
    config_free(cfg);
    diag_clear(&d);
}

/* warnings alone leave the error count at 0 */
static void
test_load_warnings_only(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[512];
    const char		*want[] = { msg, NULL };

    PUT(t->confd, "a", "[access]\nallow user root : ghost\n[commands]\n"
	"real nobody echo\n");
    snprintf(msg, sizeof(msg), "%s/a:2: warning: rule names unknown "
	    "instance \"ghost\"", t->confd);
    assert_int_equal(config_load(NULL, 0, t->confd, &trust, &cfg, &d), 0);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(check_diag("warnings only", &d, want), 0);
    config_free(cfg);
    diag_clear(&d);
}

/* parse errors in several files are summed */
static void
test_load_errors_summed(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[3][512];
    const char		*want[] = { msg[0], msg[1], msg[2], NULL };

    PUT(t->dir, "pipe.conf", "[x]\nm nobody echo\n");
    PUT(t->confd, "1", "1\002bad root echo\n");
    PUT(t->confd, "2", "\n[access]\nallow user root\n");
    snprintf(msg[0], sizeof(msg[0]), "%s:1: unknown section [x]", t->main);
    snprintf(msg[1], sizeof(msg[1]), "%s/1:1: invalid instance name "
	    "\"1\\x02bad\": it contains a control character", t->confd);
    snprintf(msg[2], sizeof(msg[2]), "%s/2:3: expected \"NAME : INSTANCE\" "
	    "after \"allow user\"", t->confd);
    assert_int_equal(config_load(t->main, 1, t->confd, &trust, &cfg, &d), 3);
    assert_int_equal(d.nerrors, 3);
    assert_int_equal(check_diag("errors summed", &d, want), 0);
    config_free(cfg);
    diag_clear(&d);
}

/*
 * A NUL byte in a file is reported as an error; it must count in the
 * value returned, like every other error (returned == diag.nerrors).
 */
static void
test_load_nul_byte(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[512];
    size_t		nerrors;
    int			sts, same;

    put_file(t->dir, "pipe.conf", "a root echo\n\0b root echo\n", 25);
    snprintf(msg, sizeof(msg), "%s: file contains NUL bytes", t->main);
    sts = config_load(t->main, 1, NULL, &trust, &cfg, &d);
    nerrors = d.nerrors;
    same = d.nmsgs >= 1 && strcmp(d.msgs[0], msg) == 0;
    config_free(cfg);
    diag_clear(&d);
    /* checked after the clean-up so that a failure leaks nothing */
    assert_int_equal(nerrors, 1);
    assert_true(same);
    assert_int_equal(sts, 1);
}

/*
 * Trust (trust.h): a file in pipe.conf.d that others may write, or a link
 * to a file not every user may read, is refused whole and never read (no
 * text of it in any message); the other files are still read, and every
 * refusal counts as an error.  Without trust rules the same files load.
 */
static void
test_load_refused(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		path[256], link[256], msg[2][1024];
    const char		*want[] = { msg[0], msg[1], NULL };
    size_t		i;
    int			leaked = 0;

    PUT(t->dir, "pipe.conf", "main nobody echo main\n");
    PUT(t->confd, "10-world", "x nobody /usr/bin/id\n");
    snprintf(path, sizeof(path), "%s/10-world", t->confd);
    assert_int_equal(chmod(path, 0666), 0);
    /* a secret outside the configuration: its one line is a parse error */
    PUT(t->dir, "secret", "pipeqa-secret-marker\n");
    snprintf(path, sizeof(path), "%s/secret", t->dir);
    assert_int_equal(chmod(path, 0600), 0);
    snprintf(link, sizeof(link), "%s/20-link", t->confd);
    assert_int_equal(symlink("../secret", link), 0);
    PUT(t->confd, "30-ok", "ok nobody echo ok\n");
    snprintf(msg[0], sizeof(msg[0]), "%s/10-world: refused: %s/10-world is "
	     "writable by every user (mode 0666)", t->confd, t->confd);
    snprintf(msg[1], sizeof(msg[1]), "%s: refused: %s is not readable by "
	     "every user (mode 0600)", link, path);

    assert_int_equal(config_load(t->main, 1, t->confd, &trust, &cfg, &d), 2);
    assert_int_equal(d.nerrors, 2);
    assert_int_equal(check_diag("refused", &d, want), 0);
    assert_non_null(cfg);
    assert_int_equal(cfg->ncmds, 2);
    assert_string_equal(cfg->cmds[0].name, "main");
    assert_string_equal(cfg->cmds[1].name, "ok");
    config_free(cfg);
    diag_clear(&d);

    /* without trust rules all of it is read, and the secret quoted */
    cfg = NULL;
    assert_int_equal(config_load(t->main, 1, t->confd, NULL, &cfg, &d), 1);
    assert_int_equal(cfg->ncmds, 3);
    for (i = 0; i < d.nmsgs; i++)
	leaked += strstr(d.msgs[i], "pipeqa-secret-marker") != NULL;
    assert_int_equal(leaked, 1);
    config_free(cfg);
    diag_clear(&d);
}

/* a refused pipe.conf.d: none of its files is read */
static void
test_load_refused_dir(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg = NULL;
    struct config_diag	d = { 0 };
    char		msg[512];
    const char		*want[] = { msg, NULL };

    PUT(t->dir, "pipe.conf", "main nobody echo main\n");
    PUT(t->confd, "a", "x nobody /usr/bin/id\n");
    assert_int_equal(chmod(t->confd, 0777), 0);
    snprintf(msg, sizeof(msg), "%s: refused: %s is writable by every user "
	     "(mode 0777)", t->confd, t->confd);
    assert_int_equal(config_load(t->main, 1, t->confd, &trust, &cfg, &d), 1);
    assert_int_equal(check_diag("refused dir", &d, want), 0);
    assert_int_equal(cfg->ncmds, 1);
    config_free(cfg);
    diag_clear(&d);

    /* and a refused main file */
    cfg = NULL;
    assert_int_equal(chmod(t->confd, 0755), 0);
    assert_int_equal(chmod(t->main, 0664), 0);
    snprintf(msg, sizeof(msg), "%s: refused: %s is writable by group %u "
	     "(mode 0664)", t->main, t->main, (unsigned)getegid());
    assert_int_equal(config_load(t->main, 1, t->confd, &trust, &cfg, &d), 1);
    assert_int_equal(check_diag("refused main", &d, want), 0);
    assert_int_equal(cfg->ncmds, 1);
    assert_string_equal(cfg->cmds[0].name, "x");
    config_free(cfg);
    diag_clear(&d);
}

/*
 * The programs of root and capability commands (config_check_executables)
 * on a PATH of the test's own: trusted ones pass, one in a directory
 * others may write is a warning, and so is a trusted one a writable
 * directory earlier on the PATH could shadow; strict_executables = yes
 * makes each an error.
 */
static void
test_executables(void **state)
{
    struct tmp		*t = *state;
    struct pipe_config	*cfg;
    struct config_diag	d = { 0 };
    char		text[1024], path[512], ww[256], bin[256], msg[5][1024];
    const char		*want[6];
    int			i;

    snprintf(bin, sizeof(bin), "%s/bin", t->dir);
    snprintf(ww, sizeof(ww), "%s/ww", t->dir);
    assert_int_equal(mkdir(bin, 0755), 0);
    assert_int_equal(mkdir(ww, 0755), 0);
    PUT(bin, "prog", "#!/bin/sh\n");
    PUT(ww, "prog", "#!/bin/sh\n");
    snprintf(path, sizeof(path), "%s/prog", bin);
    assert_int_equal(chmod(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/prog", ww);
    assert_int_equal(chmod(path, 0755), 0);
    assert_int_equal(chmod(ww, 0777), 0);
    snprintf(text, sizeof(text),
	     "a root prog -x\n"
	     "b nobody prog\n"
	     "c root %s/prog\n"
	     "d root prog | cat\n"
	     "e root exit 1\n"
	     "f nobody prog\n"
	     "g root $1 x\n"
	     "[options b]\ncaps = cap_net_raw\n", ww);

    for (i = 0; i < 2; i++) {
	cfg = config_new();
	assert_int_equal(config_parse_text(cfg, "pipe.conf", text, &d), 0);
	assert_int_equal(config_finish(cfg, &d), 0);
	assert_int_equal(d.nmsgs, 0);
	/* i == 1: the writable directory comes first on the PATH */
	snprintf(path, sizeof(path), i ? "%s:%s" : "%s", i ? ww : bin, bin);
	snprintf(msg[0], sizeof(msg[0]), "pipe.conf:1: warning: instance \"a\" "
		 "runs prog as root, but %s is writable by every user (mode "
		 "0777)", ww);
	snprintf(msg[1], sizeof(msg[1]), "pipe.conf:2: warning: instance \"b\" "
		 "runs prog as user nobody with capabilities cap_net_raw, but "
		 "%s is writable by every user (mode 0777)", ww);
	snprintf(msg[2], sizeof(msg[2]), "pipe.conf:3: warning: instance \"c\" "
		 "runs %s/prog as root, but %s is writable by every user (mode "
		 "0777)", ww, ww);
	snprintf(msg[3], sizeof(msg[3]), "pipe.conf:4: warning: instance \"d\" "
		 "runs prog as root, but %s is writable by every user (mode "
		 "0777)", ww);
	snprintf(msg[4], sizeof(msg[4]), "pipe.conf:7: warning: instance \"g\" "
		 "runs as root a program its clients name (\"$1\")");
	if (i == 0) {
	    want[0] = msg[2];
	    want[1] = msg[4];
	    want[2] = NULL;
	} else {
	    want[0] = msg[0];
	    want[1] = msg[1];
	    want[2] = msg[2];
	    want[3] = msg[3];
	    want[4] = msg[4];
	    want[5] = NULL;
	}
	assert_int_equal(config_check_executables(cfg, &trust, path, &d), 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(check_diag(i ? "shadowed" : "executables", &d, want), 0);
	config_free(cfg);
	diag_clear(&d);
    }

    /* strict_executables = yes: errors, for that instance only */
    snprintf(text + strlen(text), sizeof(text) - strlen(text),
	     "[options c]\nstrict_executables = yes\n");
    cfg = config_new();
    assert_int_equal(config_parse_text(cfg, "pipe.conf", text, &d), 0);
    assert_int_equal(config_finish(cfg, &d), 0);
    snprintf(msg[2], sizeof(msg[2]), "pipe.conf:3: instance \"c\" runs "
	     "%s/prog as root, but %s is writable by every user (mode 0777) "
	     "(strict_executables = yes)", ww, ww);
    want[0] = msg[2];
    want[1] = msg[4];
    want[2] = NULL;
    assert_int_equal(config_check_executables(cfg, &trust, bin, &d), 1);
    assert_int_equal(d.nerrors, 1);
    assert_int_equal(check_diag("strict", &d, want), 0);
    config_free(cfg);
    diag_clear(&d);
}

/*
 * Configuration text quoted in a message is escaped ('"' and '\\' too,
 * so a quote cannot end early) and cut after TEXT_LOG_MAX bytes.
 */
static void
test_quote(void **state)
{
    struct pipe_config	*cfg = config_new();
    struct config_diag	d = { 0 };
    char		text[1200], msg[2][512];
    const char		*want[] = { msg[0], msg[1], NULL };

    (void)state;
    memset(text, 'n', 1000);
    snprintf(text + 1000, sizeof(text) - 1000, "\n[bo\"gus\\]\n");
    snprintf(msg[0], sizeof(msg[0]), "pipe.conf:1: instance \"%.200s...\": "
	     "missing user name", text);
    snprintf(msg[1], sizeof(msg[1]), "pipe.conf:2: unknown section "
	     "[bo\\\"gus\\\\]");
    assert_int_equal(config_parse_text(cfg, "pipe.conf", text, &d), 2);
    assert_int_equal(check_diag("quote", &d, want), 0);
    config_free(cfg);
    diag_clear(&d);
}

/* diag_add() formats with and without a line number */
static void
test_diag_add(void **state)
{
    struct config_diag	d = { 0 };
    static const char	*want[] = {
	"f:3: oops 42",
	"f:7: warning: hmm",
	"g: whole file",
	"g: warning: whole file",
	NULL
    };

    (void)state;
    diag_add(&d, 1, "f", 3, "oops %d", 42);
    diag_add(&d, 0, "f", 7, "hmm");
    diag_add(&d, 1, "g", 0, "whole file");
    diag_add(&d, 0, "g", 0, "whole file");
    assert_int_equal(d.nerrors, 2);
    assert_int_equal(check_diag("diag_add", &d, want), 0);
    diag_clear(&d);
    assert_int_equal(d.nmsgs, 0);
    assert_int_equal(d.nerrors, 0);
}

int
main(void)
{
    const struct CMUnitTest	tests[] = {
	cmocka_unit_test(test_parse_table),
	cmocka_unit_test(test_parse_fields),
	cmocka_unit_test(test_parse_comment_in_command),
	cmocka_unit_test(test_parse_shell_builtin),
	cmocka_unit_test(test_parse_trace),
	cmocka_unit_test(test_parse_two_texts),
	cmocka_unit_test(test_lint),
	cmocka_unit_test(test_config_free_null),
	cmocka_unit_test(test_template_scan),
	cmocka_unit_test(test_find),
	cmocka_unit_test(test_diag_add),
	cmocka_unit_test_setup_teardown(test_load_order,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_duplicate,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_missing_optional,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_missing_required,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_nothing,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_accounts,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_warnings_only,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_errors_summed,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_nul_byte,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_refused,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_load_refused_dir,
		setup_tmp, teardown_tmp),
	cmocka_unit_test_setup_teardown(test_executables,
		setup_tmp, teardown_tmp),
	cmocka_unit_test(test_quote),
    };

    return cmocka_run_group_tests_name("config: pipe.conf parsing and loading",
		tests, NULL, NULL);
}

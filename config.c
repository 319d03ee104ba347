/*
 * config.c - pipe.conf parsing into an immutable configuration object.
 *
 * Format (see pmdapipe(1)):
 *	# comment
 *	instance   user   command $1 ... $N
 *	[access]
 *	allow|disallow user|group NAME : INSTANCE|*|all [;]
 *	[commands]
 *	...
 * Sections may repeat and come in any order; the file starts in the
 * commands section.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "params.h"
#include "text.h"
#include "trust.h"

#define PIPE_XSTR(x)	#x
#define PIPE_STR(x)	PIPE_XSTR(x)

enum section { SEC_COMMANDS, SEC_ACCESS, SEC_OPTIONS };

struct pipe_config *
config_new(void)
{
    return calloc(1, sizeof(struct pipe_config));
}

struct pipe_config *
config_free(struct pipe_config *cfg)
{
    size_t	i;

    if (cfg == NULL)
	return NULL;
    for (i = 0; i < cfg->ncmds; i++) {
	free(cfg->cmds[i].name);
	free(cfg->cmds[i].user);
	free(cfg->cmds[i].command);
    }
    for (i = 0; i < cfg->nrules; i++) {
	free(cfg->rules[i].who);
	free(cfg->rules[i].instance);
    }
    for (i = 0; i < cfg->noptsecs; i++)
	free(cfg->optsecs[i].name);
    free(cfg->optsecs);
    for (i = 0; i < cfg->nfiles; i++)
	free(cfg->files[i]);
    free(cfg->cmds);
    free(cfg->rules);
    free(cfg->files);
    free(cfg);
    return NULL;
}

/*
 * Messages quote configuration text and name files: no control character
 * of either may reach a terminal or a log line as itself (one could forge
 * a log line).  Each becomes \xHH, cut to fit out.  (Quoted text is
 * escaped and cut to TEXT_LOG_MAX bytes where it is quoted: Q() below.)
 */
static void
escape_controls(const char *in, char *out, size_t size)
{
    static const char	hex[] = "0123456789abcdef";
    size_t		i, o = 0;
    unsigned char	c;

    for (i = 0; in[i] != '\0' && o + 5 < size; i++) {
	c = (unsigned char)in[i];
	if (c < 0x20 || c == 0x7f) {
	    out[o++] = '\\';
	    out[o++] = 'x';
	    out[o++] = hex[c >> 4];
	    out[o++] = hex[c & 15];
	} else
	    out[o++] = c;
    }
    out[o] = '\0';
}

/* configuration text quoted in a diagnostic: escaped, cut (text.h) */
#define Q(s)	TEXT_LOGSTR(s)

void
diag_add(struct config_diag *d, int error, const char *file, int line,
	const char *fmt, ...)
{
    char	raw[2048], msg[2048], name[1024], *full, **msgs, *sev;
    va_list	ap;
    int		n;

    if (error)
	d->nerrors++;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    escape_controls(raw, msg, sizeof(msg));
    escape_controls(file, name, sizeof(name));
    if (line > 0)
	n = asprintf(&full, "%s:%d: %s%s", name, line,
			error ? "" : "warning: ", msg);
    else
	n = asprintf(&full, "%s: %s%s", name,
			error ? "" : "warning: ", msg);
    if (n < 0)
	return;
    if ((msgs = realloc(d->msgs, (d->nmsgs + 1) * sizeof(char *))) == NULL) {
	free(full);
	return;
    }
    d->msgs = msgs;
    if ((sev = realloc(d->is_error, d->nmsgs + 1)) == NULL) {
	free(full);
	return;
    }
    d->is_error = sev;
    d->is_error[d->nmsgs] = error != 0;
    d->msgs[d->nmsgs++] = full;
}

void
diag_clear(struct config_diag *d)
{
    size_t	i;

    for (i = 0; i < d->nmsgs; i++)
	free(d->msgs[i]);
    free(d->msgs);
    free(d->is_error);
    memset(d, 0, sizeof(*d));
}

/*
 * Instance names: any run of non-blank characters, as the stock agent
 * takes them ("trace:sda", "blk/sda", ";34@#bleurg"), but no control
 * characters and at most CONFIG_MAXNAME bytes.  Wherever a name becomes
 * part of a path or a log line it is encoded there (cgroup.c, the logs).
 */
const char *
config_name_problem(const char *name)
{
    const unsigned char	*s;

    if (*name == '\0')
	return "is empty";
    for (s = (const unsigned char *)name; *s; s++) {
	if (*s < 0x20 || *s == 0x7f)
	    return "contains a control character";
	if (*s == ' ')
	    return "contains a blank";
    }
    if (s - (const unsigned char *)name > CONFIG_MAXNAME)
	return "is longer than " PIPE_STR(CONFIG_MAXNAME) " bytes";
    return NULL;
}

/* characters that make a command template need a shell */
static const char shell_chars[] = "|&;<>()`\\\"'*?[]{}~";

int
config_template_scan(const char *tmpl, int *nparams, int *shell)
{
    const char	*p;
    long	n;
    int		max = 0, sh = 0;
    const char	*first_end = tmpl + strcspn(tmpl, " \t");

    for (p = tmpl; *p; p++) {
	if (*p == '$' && p[1] == '$') {
	    sh = 1;		/* $$: the shell's pid, not a parameter */
	    p++;
	} else if (*p == '$' && p[1] == '{' && isdigit((unsigned char)p[2])) {
	    sh = 1;		/* ${N}: a parameter in shell syntax */
	    for (n = 0, p += 2; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > CONFIG_MAXPARAM)
		    return -ERANGE;
	    }
	    /* ${N:-default}, ${N-x}, ${N:+x}, ${N+x}: the client may omit it */
	    if (n > max && *p != ':' && *p != '-' && *p != '+')
		max = n;
	    p--;
	} else if (*p == '$') {
	    if (isdigit((unsigned char)p[1])) {
		n = 0;
		for (p++; isdigit((unsigned char)*p); p++) {
		    n = n * 10 + (*p - '0');
		    if (n > CONFIG_MAXPARAM)
			return -ERANGE;
		}
		if (n > max)
		    max = n;
		p--;
	    } else {
		sh = 1;		/* $VAR, $$, ${...}: shell syntax */
	    }
	} else if (strchr(shell_chars, *p) != NULL) {
	    sh = 1;
	} else if (*p == '#' && (p == tmpl || p[-1] == ' ' || p[-1] == '\t')) {
	    sh = 1;		/* a shell comment, as /bin/sh -c reads it */
	} else if (*p == '=' && p < first_end) {
	    sh = 1;		/* VAR=value command */
	}
    }
    *nparams = max;
    *shell = sh;
    return 0;
}

/* POSIX shell keywords and builtins, and the common ones dash adds */
static const char *const shell_words[] = {
    "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for",
    "if", "in", "then", "until", "while",
    ":", ".", "break", "continue", "eval", "exec", "exit", "export",
    "readonly", "return", "set", "shift", "times", "trap", "unset",
    "alias", "bg", "cd", "command", "echo", "false", "fc", "fg", "getopts",
    "hash", "jobs", "kill", "local", "printf", "pwd", "read", "test", "true",
    "type", "ulimit", "umask", "unalias", "wait", "[",
    NULL
};

static int
executable_on(const char *word, const char *path)
{
    const char	*dir, *end;
    char	file[4096];
    struct stat	sb;

    for (dir = path; *dir; dir = *end ? end + 1 : end) {
	end = dir + strcspn(dir, ":");
	if (end == dir)
	    continue;
	if (snprintf(file, sizeof(file), "%.*s/%s", (int)(end - dir), dir,
		     word) >= (int)sizeof(file))
	    continue;
	if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0111))
	    return 1;
    }
    return 0;
}

int
config_shell_word(const char *word, const char *path)
{
    int		i;

    for (i = 0; shell_words[i] != NULL; i++)
	if (strcmp(word, shell_words[i]) == 0)
	    return !executable_on(word, path ? path : CONFIG_CMD_PATH);
    return 0;
}

const char *
config_run_text(const struct pipe_cmd *cmd)
{
    switch (cmd->run) {
    case RUN_DIRECT:
	return "directly";
    case RUN_SHELL_SYNTAX:
	return "under /bin/sh -c (shell syntax)";
    case RUN_SHELL_BUILTIN:
	return "under /bin/sh -c (its first word is a shell builtin)";
    }
    return "?";
}

/* how cmd runs: its template's shell syntax, else its first word */
static void
classify(struct pipe_cmd *cmd)
{
    char	word[256];
    size_t	n = strcspn(cmd->command, " \t");

    cmd->run = cmd->shell ? RUN_SHELL_SYNTAX : RUN_DIRECT;
    if (!cmd->shell && n < sizeof(word)) {
	memcpy(word, cmd->command, n);
	word[n] = '\0';
	if (config_shell_word(word, NULL))
	    cmd->run = RUN_SHELL_BUILTIN;
    }
    cmd->shell = cmd->run != RUN_DIRECT;
}

static void
trace(struct config_diag *d, unsigned int what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
trace(struct config_diag *d, unsigned int what, const char *fmt, ...)
{
    char	raw[CONFIG_MAXNAME * 2 + 512], text[sizeof(raw)];
    va_list	ap;

    if (!(d->trace & what) || d->trace_fn == NULL)
	return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    escape_controls(raw, text, sizeof(text));
    d->trace_fn(d->trace_arg, text);
}

static const char *
config_intern_file(struct pipe_config *cfg, const char *name)
{
    char	**files;

    if (cfg->nfiles > 0 && strcmp(cfg->files[cfg->nfiles - 1], name) == 0)
	return cfg->files[cfg->nfiles - 1];
    if ((files = realloc(cfg->files, (cfg->nfiles + 1) * sizeof(char *))) == NULL)
	return NULL;
    cfg->files = files;
    if ((files[cfg->nfiles] = strdup(name)) == NULL)
	return NULL;
    return files[cfg->nfiles++];
}

int
config_controlled(const struct pipe_config *cfg, const char *instance)
{
    size_t	i;

    for (i = 0; i < cfg->nrules; i++)
	if (strcmp(cfg->rules[i].instance, "*") == 0 ||
	    strcmp(cfg->rules[i].instance, instance) == 0)
	    return 1;
    return 0;
}

const struct pipe_cmd *
config_find(const struct pipe_config *cfg, const char *name)
{
    size_t	i;

    for (i = 0; i < cfg->ncmds; i++)
	if (strcmp(cfg->cmds[i].name, name) == 0)
	    return &cfg->cmds[i];
    return NULL;
}

static int
add_optsec(struct pipe_config *cfg, const char *name, const char *file,
	int line)
{
    struct pipe_optsec	*ns;

    ns = realloc(cfg->optsecs, (cfg->noptsecs + 1) * sizeof(*ns));
    if (ns == NULL)
	return -ENOMEM;
    cfg->optsecs = ns;
    memset(&ns[cfg->noptsecs], 0, sizeof(*ns));
    if ((ns[cfg->noptsecs].name = strdup(name)) == NULL)
	return -ENOMEM;
    if ((ns[cfg->noptsecs].file = config_intern_file(cfg, file)) == NULL) {
	free(ns[cfg->noptsecs].name);
	return -ENOMEM;
    }
    ns[cfg->noptsecs].line = line;
    cfg->noptsecs++;
    return 0;
}

static int
parse_section(struct pipe_config *cfg, char *s, enum section *sec,
	const char *file, int line, struct config_diag *d)
{
    char	*end = strchr(s, ']');
    char	*name;

    if (end == NULL || (*options_trim(end + 1) != '\0' &&
			*options_trim(end + 1) != '#')) {
	diag_add(d, 1, file, line, "malformed section header \"%s\"", Q(s));
	return -1;
    }
    *end = '\0';
    name = options_trim(s + 1);
    if (strcasecmp(name, "access") == 0)
	*sec = SEC_ACCESS;
    else if (strcasecmp(name, "commands") == 0)
	*sec = SEC_COMMANDS;
    else if (strncasecmp(name, "options", 7) == 0 &&
	     (name[7] == '\0' || isspace((unsigned char)name[7]))) {
	name = options_trim(name + 7);
	if (strcmp(name, "all") == 0)
	    name = "*";
	if (*name == '\0' || (strcmp(name, "*") != 0 &&
			       config_name_problem(name) != NULL)) {
	    diag_add(d, 1, file, line, "expected [options INSTANCE] or "
		    "[options *]");
	    *sec = SEC_OPTIONS;
	    return add_optsec(cfg, "", file, line) < 0 ? -ENOMEM : -1;
	}
	*sec = SEC_OPTIONS;
	return add_optsec(cfg, name, file, line);
    } else {
	diag_add(d, 1, file, line, "unknown section [%s]", Q(name));
	return -1;
    }
    return 0;
}

/* release a command's strings */
static void
cmd_clear(struct pipe_cmd *cmd)
{
    free(cmd->name);
    free(cmd->user);
    free(cmd->command);
}

static int
parse_command(struct pipe_config *cfg, char *s, const char *file, int line,
	struct config_diag *d)
{
    struct pipe_cmd	*cmds, cmd = { 0 }, *old;
    char		*name, *user, *command;
    const char		*problem;
    size_t		i;

    name = s;
    s += strcspn(s, " \t");
    if (*s)
	*s++ = '\0';
    user = options_trim(s);
    s = user + strcspn(user, " \t");
    if (*s)
	*s++ = '\0';
    command = options_trim(s);

    if ((problem = config_name_problem(name)) != NULL) {
	diag_add(d, 1, file, line, "invalid instance name \"%.*s\": it %s",
		64, name, problem);
	return -1;
    }
    if (*user == '\0') {
	diag_add(d, 1, file, line, "instance \"%s\": missing user name",
		Q(name));
	return -1;
    }
    if (*command == '\0') {
	diag_add(d, 1, file, line, "instance \"%s\": missing a command",
		Q(name));
	return -1;
    }
    if (strcmp(name, "all") == 0 || strcmp(name, "*") == 0)
	diag_add(d, 0, file, line, "instance \"%s\": access rules name it "
		"only through \"*\" (\"%s\" there means every instance)",
		name, name);	/* "all" or "*" */
    if (config_template_scan(command, &cmd.nparams, &cmd.shell) < 0) {
	diag_add(d, 1, file, line, "instance \"%s\": parameter number above "
		"$%d", Q(name), CONFIG_MAXPARAM);
	return -1;
    }
    cmd.file = config_intern_file(cfg, file);
    cmd.line = line;
    cmd.name = strdup(name);
    cmd.user = strdup(user);
    cmd.command = strdup(command);
    if (cmd.file == NULL || !cmd.name || !cmd.user || !cmd.command) {
	cmd_clear(&cmd);
	return -ENOMEM;
    }
    classify(&cmd);
    trace(d, CONFIG_TRACE_PARSED, "[name=%s user=%s line=%d] command: %s",
	  cmd.name, cmd.user, line, cmd.command);
    /* the later definition wins, so a pipe.conf.d file can override */
    for (i = 0; i < cfg->ncmds; i++) {
	old = &cfg->cmds[i];
	if (strcmp(old->name, name) != 0)
	    continue;
	diag_add(d, 0, file, line, "instance \"%s\" is defined again: this "
		"definition replaces the one at %s:%d", Q(name), old->file,
		old->line);
	cmd_clear(old);
	*old = cmd;
	return 0;
    }
    if ((cmds = realloc(cfg->cmds, (cfg->ncmds + 1) * sizeof(*cmds))) == NULL) {
	cmd_clear(&cmd);
	return -ENOMEM;
    }
    cfg->cmds = cmds;
    cfg->cmds[cfg->ncmds++] = cmd;
    return 0;
}

static int
parse_rule(struct pipe_config *cfg, char *s, const char *file, int line,
	struct config_diag *d)
{
    struct pipe_rule	*rules, rule = { 0 };
    char		*verb, *kind, *who, *inst, *colon, *e;

    verb = s;
    s += strcspn(s, " \t");
    if (*s)
	*s++ = '\0';
    kind = options_trim(s);
    s = kind + strcspn(kind, " \t");
    if (*s)
	*s++ = '\0';
    s = options_trim(s);

    if (strcmp(verb, "allow") == 0)
	rule.allow = 1;
    else if (strcmp(verb, "disallow") == 0)
	rule.allow = 0;
    else {
	diag_add(d, 1, file, line, "expected \"allow\" or \"disallow\", "
		"found \"%s\"", Q(verb));
	return -1;
    }
    if (strcmp(kind, "user") == 0)
	rule.kind = RULE_USER;
    else if (strcmp(kind, "group") == 0)
	rule.kind = RULE_GROUP;
    else {
	diag_add(d, 1, file, line, "expected \"user\" or \"group\", "
		"found \"%s\"", Q(kind));
	return -1;
    }
    if (*s == '\0' || *s == ':') {
	diag_add(d, 1, file, line, "expected a %s name after \"%s %s\"",
		kind, verb, kind);
	return -1;
    }
    if ((colon = strchr(s, ':')) == NULL) {
	diag_add(d, 1, file, line, "expected \"NAME : INSTANCE\" after \"%s %s\"",
		verb, kind);
	return -1;
    }
    *colon = '\0';
    who = options_trim(s);
    inst = options_trim(colon + 1);
    e = inst + strlen(inst);
    if (e > inst && e[-1] == ';')
	*--e = '\0';
    inst = options_trim(inst);
    if (*who == '\0' || strpbrk(who, " \t") != NULL) {
	diag_add(d, 1, file, line, "invalid %s name \"%s\"", kind, Q(who));
	return -1;
    }
    if (*inst == '\0') {
	diag_add(d, 1, file, line, "expected an instance (or \"*\") after "
		"\"%s %s %s :\"", verb, kind, Q(who));
	return -1;
    }
    if (strcmp(inst, "all") == 0)
	inst = "*";
    if (strcmp(inst, "*") != 0 && config_name_problem(inst) != NULL) {
	diag_add(d, 1, file, line, "invalid instance \"%.*s\" in access rule: "
		"it %s", 64, inst, config_name_problem(inst));
	return -1;
    }
    rule.file = config_intern_file(cfg, file);
    rule.line = line;
    rule.who = strdup(who);
    rule.instance = strdup(inst);
    rules = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*rules));
    if (rule.file == NULL || !rule.who || !rule.instance || !rules) {
	if (rules)
	    cfg->rules = rules;
	free(rule.who);
	free(rule.instance);
	return -ENOMEM;
    }
    cfg->rules = rules;
    cfg->rules[cfg->nrules++] = rule;
    trace(d, CONFIG_TRACE_PARSED, "[%s %s=%s line=%d] instance: %s",
	  rule.allow ? "allow" : "disallow", kind, rule.who, line,
	  rule.instance);
    return 0;
}

static int
parse_option(struct pipe_config *cfg, char *s, const char *file, int line,
	struct config_diag *d)
{
    struct pipe_optsec	*os = &cfg->optsecs[cfg->noptsecs - 1];
    char		err[256];

    if (cfg->noptsecs == 0 || os->name[0] == '\0')
	return -1;	/* the bad header was reported already */
    if (options_parse_line(&os->opts, s, err, sizeof(err)) < 0) {
	diag_add(d, 1, file, line, "%s", err);
	return -1;
    }
    return 0;
}

int
config_finish(struct pipe_config *cfg, struct config_diag *d)
{
    size_t	i, j, before = d->nerrors;
    char	err[256];
    int		found;

    for (j = 0; j < cfg->noptsecs; j++) {
	const struct pipe_optsec *os = &cfg->optsecs[j];

	if (os->name[0] == '\0' || strcmp(os->name, "*") == 0)
	    continue;
	for (found = 0, i = 0; i < cfg->ncmds && !found; i++)
	    found = strcmp(cfg->cmds[i].name, os->name) == 0;
	if (!found)
	    diag_add(d, 1, os->file, os->line, "[options %s] names no "
		    "configured instance", Q(os->name));
    }
    for (i = 0; i < cfg->ncmds; i++) {
	struct pipe_cmd	*cmd = &cfg->cmds[i];

	memset(&cmd->opts, 0, sizeof(cmd->opts));
	for (j = 0; j < cfg->noptsecs; j++)
	    if (strcmp(cfg->optsecs[j].name, "*") == 0)
		options_merge(&cmd->opts, &cfg->optsecs[j].opts);
	for (j = 0; j < cfg->noptsecs; j++)
	    if (strcmp(cfg->optsecs[j].name, cmd->name) == 0)
		options_merge(&cmd->opts, &cfg->optsecs[j].opts);
	if (options_check(&cmd->opts, err, sizeof(err)) < 0)
	    diag_add(d, 1, cmd->file, cmd->line, "instance \"%s\": %s",
		    Q(cmd->name), err);
	trace(d, CONFIG_TRACE_RESULT, "[instance %s] runs %s as %s (%s:%d): %s",
	      cmd->name, config_run_text(cmd), cmd->user, cmd->file, cmd->line,
	      cmd->command);
    }
    return (int)(d->nerrors - before);
}

/*
 * Comments: a line whose first non-blank character is '#' is one, in every
 * section (as in the stock agent, so "echo a#b" keeps its '#').  In
 * [access] sections and after a section header a '#' that starts a word
 * also starts a comment (instance names may hold a '#'); in [options]
 * sections any '#' does.
 */
static void
strip_comment(char *s)
{
    char	*p;

    for (p = s; *p; p++)
	if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
	    *p = '\0';
	    return;
	}
}

/* is s (trimmed, starting with '[') a section header rather than a command? */
static int
is_header(const char *s, enum section sec)
{
    const char	*end = strchr(s, ']'), *w;
    size_t	n;

    if (sec != SEC_COMMANDS)
	return 1;
    /* "[name] user command" is a command whose instance is "[name]" */
    for (w = s + 1; *w == ' ' || *w == '\t'; w++)
	;
    n = strcspn(w, " \t]");
    if ((n == 6 && strncasecmp(w, "access", 6) == 0) ||
	(n == 8 && strncasecmp(w, "commands", 8) == 0) ||
	(n == 7 && strncasecmp(w, "options", 7) == 0))
	return 1;
    if (end == NULL)
	return 0;
    for (w = end + 1; *w == ' ' || *w == '\t'; w++)
	;
    return *w == '\0' || *w == '#';
}

int
config_parse_text(struct pipe_config *cfg, const char *name, const char *text,
	struct config_diag *d)
{
    enum section	sec = SEC_COMMANDS;
    size_t		before = d->nerrors;
    const char		*p = text, *nl;
    char		*buf, *s;
    int			line = 0, sts;

    if (config_intern_file(cfg, name) == NULL)
	return -ENOMEM;
    while (*p) {
	line++;
	nl = strchr(p, '\n');
	if (nl == NULL)
	    nl = p + strlen(p);
	if ((buf = strndup(p, nl - p)) == NULL)
	    return -ENOMEM;
	p = *nl ? nl + 1 : nl;
	s = options_trim(buf);
	if (*s == '\0' || *s == '#') {
	    free(buf);
	    continue;
	}
	trace(d, CONFIG_TRACE_LINES, "[%d] %s", line, s);
	if (*s == '[' && is_header(s, sec)) {
	    strip_comment(s);
	    sts = parse_section(cfg, options_trim(s), &sec, name, line, d);
	} else if (sec == SEC_OPTIONS) {
	    s[strcspn(s, "#")] = '\0';	/* no value holds a '#' */
	    sts = parse_option(cfg, options_trim(s), name, line, d);
	} else if (sec == SEC_ACCESS) {
	    strip_comment(s);
	    sts = *options_trim(s) ? parse_rule(cfg, options_trim(s), name,
						line, d) : 0;
	} else
	    sts = parse_command(cfg, s, name, line, d);
	free(buf);
	if (sts == -ENOMEM)
	    return sts;
    }
    return (int)(d->nerrors - before);
}

/* read and parse fd, an open file named path; closes fd */
static int
parse_fd(struct pipe_config *cfg, int fd, const char *path,
	struct config_diag *d)
{
    struct stat	sb;
    char	*text;
    ssize_t	n;
    size_t	len = 0;
    int		sts, nul;

    if (fstat(fd, &sb) < 0) {
	sts = -errno;
	close(fd);
	return sts;
    }
    if (!S_ISREG(sb.st_mode)) {
	close(fd);
	return S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
    }
    if ((text = malloc(sb.st_size + 1)) == NULL) {
	close(fd);
	return -ENOMEM;
    }
    while (len < (size_t)sb.st_size &&
	   (n = read(fd, text + len, sb.st_size - len)) > 0)
	len += n;
    close(fd);
    text[len] = '\0';
    nul = strlen(text) != len;
    if (nul)
	diag_add(d, 1, path, 0, "file contains NUL bytes");
    sts = config_parse_text(cfg, path, text, d);
    if (sts >= 0)
	sts += nul;
    free(text);
    return sts;
}

int
config_parse_file(struct pipe_config *cfg, const char *path,
	struct config_diag *d)
{
    int		fd;

    /* O_NONBLOCK: a FIFO dropped into pipe.conf.d must not hang us */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
	return -errno;
    return parse_fd(cfg, fd, path, d);
}

enum { LOAD_OPTIONAL = 1 << 0, LOAD_ENTRY = 1 << 1 };

/*
 * One file of the configuration.  With trust rules it is opened only if
 * it passes their test, for reading and public (trust.h): a refused file
 * is reported and never read, so no text of it can be quoted in a
 * diagnostic.  A missing file is no error with LOAD_OPTIONAL, a
 * directory none with LOAD_ENTRY.  Returns the errors found, or -ENOMEM.
 */
static int
load_file(struct pipe_config *cfg, const char *path,
	const struct trust_rules *tr, int flags, struct config_diag *d)
{
    char	why[TRUST_WHY_MAX];
    int		fd, sts;

    if (tr == NULL)
	sts = config_parse_file(cfg, path, d);
    else if ((fd = trust_open(tr, path, TRUST_READ | TRUST_PUBLIC, why,
			      sizeof(why))) >= 0)
	sts = parse_fd(cfg, fd, path, d);
    else if (fd == -EPERM) {
	diag_add(d, 1, path, 0, "refused: %s", why);
	return 1;
    } else
	sts = fd;
    if (sts >= 0 || sts == -ENOMEM)
	return sts;
    if ((sts == -ENOENT && (flags & LOAD_OPTIONAL)) ||
	(sts == -EISDIR && (flags & LOAD_ENTRY)))
	return 0;
    diag_add(d, 1, path, 0, "cannot read: %s", strerror(-sts));
    return 1;
}

static int
skip_entry(const char *name)
{
    size_t	n = strlen(name);

    return name[0] == '.' || name[n - 1] == '~' ||
	   (n > 7 && strcmp(name + n - 7, ".rpmnew") == 0) ||
	   (n > 8 && strcmp(name + n - 8, ".rpmsave") == 0) ||
	   (n > 10 && strcmp(name + n - 10, ".dpkg-dist") == 0) ||
	   (n > 9 && strcmp(name + n - 9, ".dpkg-old") == 0);
}

int
config_check_accounts(const struct pipe_config *cfg, struct config_diag *d)
{
    size_t	i, j, before = d->nerrors;
    int		found;

    for (i = 0; i < cfg->ncmds; i++) {
	if (getpwnam(cfg->cmds[i].user) == NULL)
	    diag_add(d, 0, cfg->cmds[i].file, cfg->cmds[i].line,
		    "instance \"%s\": unknown user \"%s\" (served; a store "
		    "into it fails until the user exists)",
		    Q(cfg->cmds[i].name), Q(cfg->cmds[i].user));
    }
    for (i = 0; i < cfg->nrules; i++) {
	const struct pipe_rule *r = &cfg->rules[i];

	if (r->kind == RULE_USER && getpwnam(r->who) == NULL)
	    diag_add(d, 0, r->file, r->line, "unknown user \"%s\"", Q(r->who));
	else if (r->kind == RULE_GROUP && getgrnam(r->who) == NULL)
	    diag_add(d, 0, r->file, r->line, "unknown group \"%s\"", Q(r->who));
	if (strcmp(r->instance, "*") == 0)
	    continue;
	for (found = 0, j = 0; j < cfg->ncmds && !found; j++)
	    found = strcmp(cfg->cmds[j].name, r->instance) == 0;
	if (!found)
	    diag_add(d, 0, r->file, r->line, "rule names unknown instance "
		    "\"%s\"", Q(r->instance));
    }
    return (int)(d->nerrors - before);
}

int
config_lint(const struct pipe_config *cfg, struct config_diag *d)
{
    const struct pipe_cmd	*cmd;
    struct passwd		*pw;
    struct params		p;
    size_t			i, before = d->nerrors;

    for (i = 0; i < cfg->ncmds; i++) {
	cmd = &cfg->cmds[i];
	if ((pw = getpwnam(cmd->user)) != NULL && pw->pw_uid == 0 &&
	    !config_controlled(cfg, cmd->name))
	    diag_add(d, 0, cmd->file, cmd->line, "instance \"%s\" runs as root "
		    "and no [access] rule covers it: any local user may run it",
		    Q(cmd->name));
    }
    for (i = 0; i < cfg->ncmds; i++) {
	cmd = &cfg->cmds[i];
	if (!cmd->opts.autostart)
	    continue;
	if (params_parse(cmd->opts.params, &p) < 0 || p.n < cmd->nparams)
	    diag_add(d, 1, cmd->file, cmd->line, "instance \"%s\": autostart "
		    "params \"%s\" are not valid for its command (needs %d)",
		    Q(cmd->name), Q(cmd->opts.params), cmd->nparams);
	params_free(&p);
    }
    return (int)(d->nerrors - before);
}

/*
 * Where word is run from, as launch.c finds it on path, judged: the file
 * and the directories above it, and each directory of path searched
 * before it (a user who can write there can put a program of that name
 * first).  Returns 0 (trusted, or not found: its stores fail), or 1 with
 * the failure in why and what it is about in prog.
 */
static int
program_untrusted(const struct trust_rules *tr, const char *word,
	const char *path, char *prog, size_t proglen, char *why, size_t whylen)
{
    const char	*dir, *end;
    char	dname[PATH_MAX], file[PATH_MAX + 256];
    struct stat	sb;
    int		fd;

    snprintf(prog, proglen, "%s", word);
    if (strchr(word, '/') == NULL) {
	for (dir = path; *dir; dir = *end ? end + 1 : end) {
	    end = dir + strcspn(dir, ":");
	    if (end == dir || end - dir >= (long)sizeof(dname))
		continue;
	    snprintf(dname, sizeof(dname), "%.*s", (int)(end - dir), dir);
	    if ((fd = trust_open(tr, dname, TRUST_DIR, why, whylen)) == -EPERM)
		return 1;
	    if (fd < 0)
		continue;	/* no such directory (its parent was judged) */
	    close(fd);
	    snprintf(file, sizeof(file), "%s/%s", dname, word);
	    if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
		(sb.st_mode & 0111))
		break;
	}
	if (*dir == '\0')
	    return 0;
	snprintf(prog, proglen, "%s", file);
    } else if (word[0] != '/')
	return 0;		/* relative to where the PMDA runs: not judged */
    if ((fd = trust_open(tr, prog, 0, why, whylen)) >= 0) {
	close(fd);
	return 0;
    }
    return fd == -EPERM;
}

/* one program of cmd, run as described by how: judged, reported */
static int
check_program(const struct pipe_cmd *cmd, const char *how, const char *word,
	const struct trust_rules *tr, const char *path, struct config_diag *d)
{
    char	prog[PATH_MAX + 256], why[TRUST_WHY_MAX];
    int		strict = cmd->opts.strict_exec;

    if (strchr(word, '$') != NULL) {
	diag_add(d, strict, cmd->file, cmd->line, "instance \"%s\" runs %s a "
		"program its clients name (\"%s\")%s", Q(cmd->name), how,
		Q(word), strict ? " (strict_executables = yes)" : "");
	return strict;
    }
    if (!program_untrusted(tr, word, path, prog, sizeof(prog), why,
			   sizeof(why)))
	return 0;
    diag_add(d, strict, cmd->file, cmd->line, "instance \"%s\" runs %s %s, "
	    "but %s%s", Q(cmd->name), Q(prog), how, why,
	    strict ? " (strict_executables = yes)" : "");
    return strict;
}

int
config_check_executables(const struct pipe_config *cfg,
	const struct trust_rules *tr, const char *path, struct config_diag *d)
{
    const struct pipe_cmd	*cmd;
    struct passwd		*pw;
    char			word[256], how[512], *caps;
    size_t			i, n;
    int				root, errors = 0;

    if (path == NULL)
	path = CONFIG_CMD_PATH;
    for (i = 0; i < cfg->ncmds; i++) {
	cmd = &cfg->cmds[i];
	root = (pw = getpwnam(cmd->user)) != NULL && pw->pw_uid == 0;
	if (!root && !((cmd->opts.set & OPT_CAPS) && cmd->opts.caps))
	    continue;
	if (!(cmd->opts.set & OPT_CAPS) || cmd->opts.caps == 0)
	    snprintf(how, sizeof(how), "as root");
	else {
	    caps = options_caps_string(cmd->opts.caps);
	    snprintf(how, sizeof(how), "as %s%s with capabilities %s",
		     root ? "" : "user ", root ? "root" : Q(cmd->user),
		     caps ? caps : "?");
	    free(caps);
	}
	n = strcspn(cmd->command, " \t");
	if (n >= sizeof(word))
	    n = sizeof(word) - 1;
	memcpy(word, cmd->command, n);
	word[n] = '\0';
	if (cmd->shell) {
	    errors += check_program(cmd, how, "/bin/sh", tr, path, d);
	    /* and what the shell runs first, if that is a program */
	    if (cmd->run == RUN_SHELL_BUILTIN || word[0] == '#' ||
		strpbrk(word, shell_chars) != NULL || strchr(word, '=') ||
		strchr(word, '$') || config_shell_word(word, path))
		continue;
	}
	errors += check_program(cmd, how, word, tr, path, d);
    }
    return errors;
}

/*
 * The names in dir, sorted, as scandir(3) returns them, or -ENOMEM.  With
 * trust rules the directory must pass their test first (a refused one is
 * reported, and none of its files is read).  A missing directory has no
 * names; errors reported are added to *errors.
 */
static int
list_dir(const char *dir, const struct trust_rules *tr, struct dirent ***names,
	int *errors, struct config_diag *d)
{
    char	why[TRUST_WHY_MAX];
    int		n, fd;

    *names = NULL;
    if (tr == NULL)
	n = scandir(dir, names, NULL, alphasort);
    else if ((fd = trust_open(tr, dir, TRUST_DIR | TRUST_PUBLIC, why,
			      sizeof(why))) >= 0) {
	n = scandirat(fd, ".", names, NULL, alphasort);
	close(fd);
    } else if (fd == -EPERM) {
	diag_add(d, 1, dir, 0, "refused: %s", why);
	(*errors)++;
	return 0;
    } else {
	errno = -fd;
	n = -1;
    }
    if (n < 0) {
	if (errno == ENOMEM)
	    return -ENOMEM;
	if (errno != ENOENT) {
	    diag_add(d, 1, dir, 0, "cannot read directory: %s", strerror(errno));
	    (*errors)++;
	}
	*names = NULL;
	return 0;
    }
    return n;
}

int
config_load(const char *file, int required, const char *dir,
	const struct trust_rules *tr, struct pipe_config **out,
	struct config_diag *d)
{
    struct pipe_config	*cfg;
    struct dirent	**names = NULL;
    char		*path;
    int			i, n = 0, sts, errors = 0;

    if ((cfg = config_new()) == NULL)
	return -ENOMEM;
    if (file != NULL) {
	if ((sts = load_file(cfg, file, tr, required ? 0 : LOAD_OPTIONAL, d)) < 0)
	    goto fail;
	errors += sts;
    }
    if (dir != NULL && (n = list_dir(dir, tr, &names, &errors, d)) < 0) {
	sts = n;
	n = 0;
	goto fail;
    }
    for (i = 0; i < n; i++) {
	if (skip_entry(names[i]->d_name))
	    continue;
	if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
	    sts = -ENOMEM;
	    goto fail;
	}
	sts = load_file(cfg, path, tr, LOAD_ENTRY, d);
	free(path);
	if (sts < 0)
	    goto fail;
	errors += sts;
    }
    for (i = 0; i < n; i++)
	free(names[i]);
    free(names);
    names = NULL;
    if (cfg->ncmds == 0)
	diag_add(d, 0, file ? file : dir, 0, "no commands configured");
    errors += config_finish(cfg, d);
    errors += config_check_accounts(cfg, d);
    errors += config_lint(cfg, d);
    if (tr != NULL)
	errors += config_check_executables(cfg, tr, NULL, d);
    *out = cfg;
    return errors;

fail:
    if (names) {
	for (i = 0; i < n; i++)
	    free(names[i]);
	free(names);
    }
    config_free(cfg);
    return sts;
}

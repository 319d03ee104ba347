/*
 * config.h - pipe.conf parsing into an immutable configuration object.
 *
 * No logging and no libpcp here: errors are collected as "file:line: text"
 * diagnostics and the caller decides where they go.
 */
#ifndef PIPE_CONFIG_H
#define PIPE_CONFIG_H

#include <stddef.h>
#include "options.h"

struct trust_rules;		/* trust.h */

#define CONFIG_MAXPARAM		99	/* highest $N accepted in a command */
#define CONFIG_MAXNAME		1024	/* longest instance name, in bytes */

/* the PATH commands run with (and are looked up on) */
#define CONFIG_CMD_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* how a command template is run */
enum cmd_run {
    RUN_DIRECT,		/* exec'd directly, words split on blanks */
    RUN_SHELL_SYNTAX,	/* /bin/sh -c: pipes, quotes, redirections, ... */
    RUN_SHELL_BUILTIN,	/* /bin/sh -c: the first word is a shell builtin
			   or keyword that is not an executable on the PATH */
};

struct pipe_cmd {
    char	*name;		/* instance name */
    char	*user;		/* account the command runs as */
    char	*command;	/* command template, $0..$N unexpanded */
    int		nparams;	/* highest $N referenced (0: none) */
    int		shell;		/* template needs /bin/sh -c (run != RUN_DIRECT) */
    enum cmd_run run;
    const char	*file;		/* where it was defined (owned by config) */
    int		line;
    struct pipe_options opts;	/* effective: [options *] then [options NAME] */
};

/* one [options NAME] section (NAME may be "*") */
struct pipe_optsec {
    char		*name;
    struct pipe_options	opts;
    const char		*file;
    int			line;
};

enum rule_kind { RULE_USER, RULE_GROUP };

struct pipe_rule {
    int		allow;		/* 1 allow, 0 disallow */
    enum rule_kind kind;
    char	*who;		/* user or group name */
    char	*instance;	/* instance name, or "*" for all */
    const char	*file;
    int		line;
};

struct pipe_config {
    struct pipe_cmd	*cmds;
    size_t		ncmds;
    struct pipe_rule	*rules;
    size_t		nrules;
    struct pipe_optsec	*optsecs;
    size_t		noptsecs;
    char		**files;	/* names of the files read */
    size_t		nfiles;
};

/* what a parse trace shows (pmdapipe -C -D appl1,appl0,appl2) */
enum {
    CONFIG_TRACE_LINES	= 1 << 0,	/* every line read: "[N] text" */
    CONFIG_TRACE_PARSED	= 1 << 1,	/* every command and rule parsed */
    CONFIG_TRACE_RESULT	= 1 << 2,	/* each instance's effective set-up */
};

struct config_diag {
    char	**msgs;		/* "file:line: message" */
    char	*is_error;	/* per message: an error (1) or a warning (0) */
    size_t	nmsgs;
    size_t	nerrors;	/* messages that are errors, not warnings */
    /* optional parse trace: fn(arg, text) for each CONFIG_TRACE_* in trace */
    unsigned int trace;
    void	(*trace_fn)(void *arg, const char *text);
    void	*trace_arg;
};

/* new empty configuration, or NULL when out of memory */
struct pipe_config *config_new(void);
/* release a configuration (NULL-safe); returns NULL */
struct pipe_config *config_free(struct pipe_config *);

/*
 * Parse text (as if read from file "name") into cfg.  Returns the number of
 * errors found (0 when clean), or -ENOMEM.
 */
int config_parse_text(struct pipe_config *, const char *name,
		const char *text, struct config_diag *);
/* read and parse one file; -errno when it cannot be read */
int config_parse_file(struct pipe_config *, const char *path,
		struct config_diag *);
/*
 * Load the PMDA's configuration: file (if it exists, or if required) then
 * every regular file in dir in name order (names starting with '.' or
 * ending in '~' are skipped).  Also checks users exist.  With trust rules
 * (trust.h) the file, the directory and each file in it must pass their
 * test as public files (a refused one is an error, "FILE: refused:
 * REASON", and never read), and config_check_executables runs last.
 * Returns the number of errors; *out is set even when there are errors.
 */
int config_load(const char *file, int required, const char *dir,
		const struct trust_rules *, struct pipe_config **out,
		struct config_diag *);

/*
 * After all files are parsed: compute each command's effective options and
 * check them.  Returns the number of errors.  config_load calls it.
 */
int config_finish(struct pipe_config *, struct config_diag *);

/*
 * Check every command's user and every rule's user/group exist: unknown
 * ones are warnings (a user may be created later, or come from a directory
 * service at run time; a store into such an instance fails until it exists).
 */
int config_check_accounts(const struct pipe_config *, struct config_diag *);

/*
 * What a configuration may do that an admin should know: a root command
 * no access rule covers (any local user may run it) is a warning; autostart
 * params that do not suit the command are an error.  config_load calls it
 * last.  Returns the number of errors.
 */
int config_lint(const struct pipe_config *, struct config_diag *);

/*
 * The programs of commands that run as root or keep capabilities: the
 * first word (a shell template: /bin/sh, and its first word if that is a
 * program), found on path (NULL: CONFIG_CMD_PATH), and every directory
 * above it must pass the trust test (trust.h), and so must the
 * directories of path searched before it.  One that does not is a
 * warning, an error with strict_executables = yes.  Returns the number of
 * errors.
 */
int config_check_executables(const struct pipe_config *,
		const struct trust_rules *, const char *path,
		struct config_diag *);

const struct pipe_cmd *config_find(const struct pipe_config *, const char *name);
/* does any rule name instance, or is there a '*' rule? */
int config_controlled(const struct pipe_config *, const char *instance);

/* add a formatted diagnostic; error != 0 counts it as an error */
void diag_add(struct config_diag *, int error, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_clear(struct config_diag *);

/* the template scanner, exposed for params.c and the unit tests */
int config_template_scan(const char *tmpl, int *nparams, int *shell);

/*
 * Is word a shell builtin or keyword that is no executable on path (so the
 * command must run under /bin/sh -c)?  path NULL: CONFIG_CMD_PATH.
 */
int config_shell_word(const char *word, const char *path);

/* "directly", "under /bin/sh -c (shell syntax)", ... for cmd, for -C */
const char *config_run_text(const struct pipe_cmd *);

/* an instance name's problem ("contains a control character", ...), or NULL */
const char *config_name_problem(const char *name);

#endif /* PIPE_CONFIG_H */

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

#define CONFIG_MAXPARAM		99	/* highest $N accepted in a command */
#define CONFIG_MAXNAME		64	/* longest instance name */

struct pipe_cmd {
    char	*name;		/* instance name */
    char	*user;		/* account the command runs as */
    char	*command;	/* command template, $0..$N unexpanded */
    int		nparams;	/* highest $N referenced (0: none) */
    int		shell;		/* template needs /bin/sh -c */
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

struct config_diag {
    char	**msgs;		/* "file:line: message" */
    size_t	nmsgs;
    size_t	nerrors;	/* messages that are errors, not warnings */
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
 * ending in '~' are skipped).  Also checks users exist.  Returns the number
 * of errors; *out is set even when there are errors.
 */
int config_load(const char *file, int required, const char *dir,
		struct pipe_config **out, struct config_diag *);

/*
 * After all files are parsed: compute each command's effective options and
 * check them.  Returns the number of errors.  config_load calls it.
 */
int config_finish(struct pipe_config *, struct config_diag *);

/* check every command's user and every rule's user/group exist */
int config_check_accounts(const struct pipe_config *, struct config_diag *);

const struct pipe_cmd *config_find(const struct pipe_config *, const char *name);

/* add a formatted diagnostic; error != 0 counts it as an error */
void diag_add(struct config_diag *, int error, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_clear(struct config_diag *);

/* the template scanner, exposed for params.c and the unit tests */
int config_template_scan(const char *tmpl, int *nparams, int *shell);

#endif /* PIPE_CONFIG_H */

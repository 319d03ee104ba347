/*
 * params.h - client parameters: validation and substitution into a
 * command template.  Parameters never reach a shell as text.
 */
#ifndef PIPE_PARAMS_H
#define PIPE_PARAMS_H

#include "config.h"

#define PARAMS_MAXLEN	4096	/* longest parameter string accepted */

struct params {
    int		n;
    char	**v;		/* n strings, NULL-terminated */
};

/*
 * Split a stored parameter string on spaces, tabs and commas and check
 * each parameter against the safe alphabet (letters, digits, '.', '_',
 * '-', no leading '-').  Returns 0, PM_ERR_BADSTORE for bad input, or
 * -ENOMEM.  On error *p is left empty.
 */
int params_parse(const char *text, struct params *p);
void params_free(struct params *p);

/*
 * Build the argv to exec for cmd with parameters p: the template split
 * into words with $N substituted (a word that is exactly $0 becomes one
 * argument per parameter; $0 inside a word is all parameters joined by
 * spaces), or, for a template with shell syntax,
 * { "/bin/sh", "-c", script, instance, p1 .. pN } with $0 rewritten to
 * "$*" so the values are the shell's positional parameters.  Returns 0,
 * PM_ERR_BADSTORE when p has fewer parameters than cmd needs, or -ENOMEM.
 */
int params_argv(const struct pipe_cmd *cmd, const struct params *p,
		char ***argv);
char **argv_free(char **argv);

/* render argv as one line for logs (shell-quoted where needed) */
char *argv_string(char *const *argv);

#endif /* PIPE_PARAMS_H */

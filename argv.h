/*
 * argv.h - a command template plus a client's parameters become the argv
 * to exec.  Parameters never reach a shell as text.
 */
#ifndef PIPE_ARGV_H
#define PIPE_ARGV_H

#include "config.h"
#include "params.h"

/*
 * Build the argv to exec for cmd with parameters p: the template split
 * into words with $N substituted (a word that is exactly $0 becomes one
 * argument per parameter; $0 inside a word is all parameters joined by
 * spaces), or, for a template run by the shell,
 * { "/bin/sh", "-c", script, instance, p1 .. pN } with $N rewritten to
 * ${N} and $0 to "$*" so the values are the shell's positional
 * parameters.  Returns 0, PM_ERR_BADSTORE when p has fewer parameters
 * than cmd needs (or the template expands to nothing), or -ENOMEM.
 */
int argv_build(const struct pipe_cmd *cmd, const struct params *p,
		char ***argv);
char **argv_free(char **argv);

/* render argv as one line for logs (shell-quoted where needed) */
char *argv_string(char *const *argv);

#endif /* PIPE_ARGV_H */

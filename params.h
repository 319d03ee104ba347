/*
 * params.h - client parameters: the text a client stores, split and
 * checked against the safe alphabet.  Pure: no libpcp calls.
 */
#ifndef PIPE_PARAMS_H
#define PIPE_PARAMS_H

#define PARAMS_MAXLEN	4096	/* longest parameter string accepted */

struct params {
    int		n;
    char	**v;		/* n strings, NULL-terminated */
};

/*
 * Split a stored parameter string on spaces, tabs and commas and check
 * each parameter against the safe alphabet (letters, digits, '.', '_',
 * '-', no leading '-', not "." or "..").  Returns 0, PM_ERR_BADSTORE for
 * bad input, or -ENOMEM.  On error *p is left empty.
 */
int params_parse(const char *text, struct params *p);
void params_free(struct params *p);
/* the same parameters, in the same order? */
int params_same(const struct params *, const struct params *);

#endif /* PIPE_PARAMS_H */

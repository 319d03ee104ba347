/*
 * fuzz_params.c - libFuzzer target: a command template and a client's
 * parameter string (separated by the first NUL) through validation and
 * substitution.  Checks that no accepted parameter carries a byte
 * outside the safe alphabet into argv.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../argv.h"
#include "../../params.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pipe_cmd	cmd = { 0 };
    struct params	p;
    char		*buf, *tmpl, *text, **argv, *line;
    size_t		n;
    int			i;

    if ((buf = malloc(size + 2)) == NULL)
	return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    tmpl = buf;
    n = strlen(tmpl);
    text = n < size ? buf + n + 1 : buf + size;
    if (config_template_scan(tmpl, &cmd.nparams, &cmd.shell) < 0 ||
	*tmpl == '\0') {
	free(buf);
	return 0;
    }
    cmd.name = "fuzz";
    cmd.command = tmpl;
    if (params_parse(text, &p) == 0) {
	for (i = 0; i < p.n; i++) {
	    const char	*c;

	    for (c = p.v[i]; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' &&
		    *c != '-')
		    abort();
	    if (p.v[i][0] == '-')
		abort();
	}
	if (argv_build(&cmd, &p, &argv) == 0) {
	    line = argv_string(argv);
	    free(line);
	    argv_free(argv);
	}
	params_free(&p);
    }
    free(buf);
    return 0;
}

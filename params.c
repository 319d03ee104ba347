/*
 * params.c - client parameters: splitting and validating the text a
 * client stores.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcp/pmapi.h>
#include "params.h"

void
params_free(struct params *p)
{
    int		i;

    if (p->v) {
	for (i = 0; i < p->n; i++)
	    free(p->v[i]);
	free(p->v);
    }
    p->v = NULL;
    p->n = 0;
}

static int
param_char(int c)
{
    return isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-');
}

int
params_parse(const char *text, struct params *p)
{
    const char	*s = text, *start;
    char	**v;
    size_t	len;

    p->n = 0;
    p->v = calloc(1, sizeof(char *));
    if (p->v == NULL)
	return -ENOMEM;
    if (strlen(text) > PARAMS_MAXLEN)
	goto bad;
    for (;;) {
	while (*s == ' ' || *s == '\t' || *s == ',')
	    s++;
	if (*s == '\0')
	    break;
	if (*s == '-')
	    goto bad;
	for (start = s; param_char((unsigned char)*s); s++)
	    ;
	if (*s && *s != ' ' && *s != '\t' && *s != ',')
	    goto bad;
	len = s - start;
	/* "." and ".." would be path components in templates like /dev/$1 */
	if ((len == 1 && start[0] == '.') ||
	    (len == 2 && start[0] == '.' && start[1] == '.'))
	    goto bad;
	if ((v = realloc(p->v, (p->n + 2) * sizeof(char *))) == NULL)
	    goto nomem;
	p->v = v;
	if ((p->v[p->n] = strndup(start, len)) == NULL)
	    goto nomem;
	p->v[++p->n] = NULL;
    }
    return 0;

bad:
    params_free(p);
    return PM_ERR_BADSTORE;
nomem:
    params_free(p);
    return -ENOMEM;
}

int
params_same(const struct params *a, const struct params *b)
{
    int		i;

    if (a->n != b->n)
	return 0;
    for (i = 0; i < a->n; i++)
	if (strcmp(a->v[i], b->v[i]) != 0)
	    return 0;
    return 1;
}

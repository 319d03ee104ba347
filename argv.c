/*
 * argv.c - a command template and a client's parameters into the argv
 * to exec.  Parameters never reach a shell as text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcp/pmapi.h>
#include "argv.h"

char **
argv_free(char **argv)
{
    char	**a;

    if (argv) {
	for (a = argv; *a; a++)
	    free(*a);
	free(argv);
    }
    return NULL;
}

/* growable string */
struct sbuf {
    char	*s;
    size_t	len, cap;
    int		oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    char	*ns;
    size_t	cap;

    if (b->oom)
	return;
    if (b->len + n + 1 > b->cap) {
	cap = (b->len + n + 1) * 2;
	if ((ns = realloc(b->s, cap)) == NULL) {
	    b->oom = 1;
	    return;
	}
	b->s = ns;
	b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* argv vector builder */
struct vec {
    char	**v;
    int		n;
    int		oom;
};

static void
vec_push(struct vec *a, char *s)
{
    char	**v;

    if (s == NULL || a->oom) {
	a->oom = 1;
	free(s);
	return;
    }
    if ((v = realloc(a->v, (a->n + 2) * sizeof(char *))) == NULL) {
	a->oom = 1;
	free(s);
	return;
    }
    a->v = v;
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static int
param_ref(const char *s, int *len)
{
    int		n = 0, i = 1;

    while (isdigit((unsigned char)s[i]))
	n = n * 10 + (s[i++] - '0');
    *len = i;
    return n;
}

static void
sb_joined(struct sbuf *b, const struct params *p)
{
    int		i;

    for (i = 0; i < p->n; i++) {
	if (i)
	    sb_add(b, " ", 1);
	sb_str(b, p->v[i]);
    }
}

static int
shell_argv(const struct pipe_cmd *cmd, const struct params *p, struct vec *a)
{
    struct sbuf	script = { 0 };
    const char	*s;
    char	num[16];
    int		i, len, n;

    for (s = cmd->command; *s; s++) {
	if (*s == '$' && s[1] == '$') {
	    sb_add(&script, s, 2);	/* $$ stays the shell's */
	    s++;
	} else if (*s == '$' && isdigit((unsigned char)s[1]) &&
	    (s == cmd->command || s[-1] != '\\')) {
	    n = param_ref(s, &len);
	    if (n == 0)
		sb_str(&script, "$*");
	    else {
		snprintf(num, sizeof(num), "${%d}", n);
		sb_str(&script, num);
	    }
	    s += len - 1;
	} else
	    sb_add(&script, s, 1);
    }
    if (script.oom) {
	free(script.s);
	return -ENOMEM;
    }
    vec_push(a, strdup("/bin/sh"));
    vec_push(a, strdup("-c"));
    vec_push(a, script.s);
    vec_push(a, strdup(cmd->name));
    for (i = 0; i < p->n; i++)
	vec_push(a, strdup(p->v[i]));
    return a->oom ? -ENOMEM : 0;
}

static int
plain_argv(const struct pipe_cmd *cmd, const struct params *p, struct vec *a)
{
    struct sbuf	word;
    const char	*s = cmd->command, *end;
    int		i, len, n;

    while (*s) {
	while (*s == ' ' || *s == '\t')
	    s++;
	if (*s == '\0')
	    break;
	end = s + strcspn(s, " \t");
	if (end - s == 2 && s[0] == '$' && s[1] == '0') {
	    for (i = 0; i < p->n; i++)
		vec_push(a, strdup(p->v[i]));
	    s = end;
	    continue;
	}
	memset(&word, 0, sizeof(word));
	sb_add(&word, "", 0);
	for (; s < end; s++) {
	    if (*s == '$' && isdigit((unsigned char)s[1])) {
		n = param_ref(s, &len);
		if (n == 0)
		    sb_joined(&word, p);
		else
		    sb_str(&word, p->v[n - 1]);
		s += len - 1;
	    } else
		sb_add(&word, s, 1);
	}
	if (word.oom) {
	    free(word.s);
	    return -ENOMEM;
	}
	vec_push(a, word.s);
    }
    return a->oom ? -ENOMEM : 0;
}

int
argv_build(const struct pipe_cmd *cmd, const struct params *p, char ***argv)
{
    struct vec	a = { 0 };
    int		sts;

    *argv = NULL;
    if (p->n < cmd->nparams)
	return PM_ERR_BADSTORE;
    sts = cmd->shell ? shell_argv(cmd, p, &a) : plain_argv(cmd, p, &a);
    if (sts == 0 && a.n == 0)
	sts = PM_ERR_BADSTORE;		/* template expanded to nothing */
    if (sts < 0) {
	argv_free(a.v);
	return sts;
    }
    *argv = a.v;
    return 0;
}

char *
argv_string(char *const *argv)
{
    struct sbuf	b = { 0 };
    const char	*s;
    int		i;

    sb_add(&b, "", 0);
    for (i = 0; argv && argv[i]; i++) {
	if (i)
	    sb_add(&b, " ", 1);
	if (argv[i][0] != '\0' && strpbrk(argv[i], " \t\n'\"\\$`|&;<>()*?[]{}~#") == NULL) {
	    sb_str(&b, argv[i]);
	    continue;
	}
	sb_add(&b, "'", 1);
	for (s = argv[i]; *s; s++) {
	    if (*s == '\'')
		sb_str(&b, "'\\''");
	    else
		sb_add(&b, s, 1);
	}
	sb_add(&b, "'", 1);
    }
    if (b.oom) {
	free(b.s);
	return NULL;
    }
    return b.s;
}

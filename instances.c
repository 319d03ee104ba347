/*
 * instances.c - stable instance ids by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "instances.h"

struct inst {
    char			*name;
    const struct pipe_cmd	*cmd;	/* NULL: not in the current config */
};

static struct inst	*insts;
static int		ninsts;

static int
find(const char *name)
{
    int		i;

    for (i = 0; i < ninsts; i++)
	if (strcmp(insts[i].name, name) == 0)
	    return i;
    return -1;
}

int
inst_apply(const struct pipe_config *cfg)
{
    struct inst	*ni;
    size_t	i, added = 0;
    int		id;

    for (i = 0; i < cfg->ncmds; i++)
	if (find(cfg->cmds[i].name) < 0)
	    added++;
    if (added) {
	if ((ni = realloc(insts, (ninsts + added) * sizeof(*ni))) == NULL)
	    return -ENOMEM;
	insts = ni;
    }
    /* names first, so a failure leaves the old mapping intact */
    for (i = 0; i < cfg->ncmds; i++) {
	if (find(cfg->cmds[i].name) >= 0)
	    continue;
	if ((insts[ninsts].name = strdup(cfg->cmds[i].name)) == NULL)
	    return -ENOMEM;
	insts[ninsts].cmd = NULL;
	ninsts++;
    }
    for (id = 0; id < ninsts; id++)
	insts[id].cmd = NULL;
    for (i = 0; i < cfg->ncmds; i++)
	insts[find(cfg->cmds[i].name)].cmd = &cfg->cmds[i];
    return ninsts;
}

int
inst_count(void)
{
    return ninsts;
}

const struct pipe_cmd *
inst_cmd(int id)
{
    return id >= 0 && id < ninsts ? insts[id].cmd : NULL;
}

const char *
inst_name(int id)
{
    return id >= 0 && id < ninsts ? insts[id].name : NULL;
}

void
inst_free(void)
{
    int		i;

    for (i = 0; i < ninsts; i++)
	free(insts[i].name);
    free(insts);
    insts = NULL;
    ninsts = 0;
}

/*
 * instances.c - stable instance ids by name, in a pmdaCache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "instances.h"

static pmInDom			indom = PM_INDOM_NULL;
static const struct pipe_cmd	**cmds;	/* by id; NULL: not configured */
static int			ncmds;	/* one more than the highest id */

int
inst_init(pmInDom id)
{
    int		sts;

    indom = id;
    /* no saved file yet is normal; a damaged one starts afresh */
    if ((sts = pmdaCacheOp(indom, PMDA_CACHE_LOAD)) < 0 && sts != -ENOENT)
	pmNotifyErr(LOG_WARNING, "instance ids: cannot load the saved ids: "
		    "%s", pmErrStr(sts));
    /* what was saved stays reserved, not listed until configured */
    pmdaCacheOp(indom, PMDA_CACHE_INACTIVE);
    return 0;
}

/* the id of name, added to the cache (active) if it is new */
static int
id_of(const char *name)
{
    return pmdaCacheStore(indom, PMDA_CACHE_ADD, name, NULL);
}

int
inst_apply(const struct pipe_config *cfg)
{
    const struct pipe_cmd	**nc;
    int				*ids, id, max = ncmds, sts;
    size_t			i;

    if ((ids = calloc(cfg->ncmds + 1, sizeof(int))) == NULL)
	return -ENOMEM;
    for (i = 0; i < cfg->ncmds; i++) {
	if ((id = id_of(cfg->cmds[i].name)) < 0) {
	    free(ids);
	    return id;
	}
	ids[i] = id;
	if (id + 1 > max)
	    max = id + 1;
    }
    if (max > ncmds) {
	if ((nc = realloc(cmds, max * sizeof(*nc))) == NULL) {
	    free(ids);
	    return -ENOMEM;
	}
	memset(nc + ncmds, 0, (max - ncmds) * sizeof(*nc));
	cmds = nc;
	ncmds = max;
    }
    if (ncmds > 0)		/* none yet: cmds is still NULL */
	memset(cmds, 0, ncmds * sizeof(*cmds));
    for (i = 0; i < cfg->ncmds; i++)
	cmds[ids[i]] = &cfg->cmds[i];
    free(ids);
    if ((sts = pmdaCacheOp(indom, PMDA_CACHE_SAVE)) < 0)
	pmNotifyErr(LOG_WARNING, "instance ids: cannot save them: %s",
		    pmErrStr(sts));
    return ncmds;
}

int
inst_count(void)
{
    return ncmds;
}

const struct pipe_cmd *
inst_cmd(int id)
{
    return id >= 0 && id < ncmds ? cmds[id] : NULL;
}

const char *
inst_name(int id)
{
    char	*name;

    if (id < 0 || indom == PM_INDOM_NULL ||
	pmdaCacheLookup(indom, id, &name, NULL) < 0)
	return NULL;
    return name;
}

void
inst_show(int id, int visible)
{
    const char	*name = inst_name(id);

    if (name != NULL)
	pmdaCacheStore(indom, visible ? PMDA_CACHE_ADD : PMDA_CACHE_HIDE,
		       name, NULL);
}

void
inst_free(void)
{
    free(cmds);
    cmds = NULL;
    ncmds = 0;
}

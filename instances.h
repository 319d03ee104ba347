/*
 * instances.h - the pipe instance domain: instance ids stay attached to
 * their names across configuration reloads, reorders and PMDA restarts
 * (kept in a pmdaCache saved under $PCP_VAR_DIR/config/pmda, as the stock
 * agent does), so clients' queues, counters and archives keep meaning the
 * same command.  Ids of removed names are never given to other names.
 */
#ifndef PIPE_INSTANCES_H
#define PIPE_INSTANCES_H

#include <pcp/pmapi.h>
#include "config.h"

/* use indom's cache (loading its saved ids); call once, after pmdaInit */
int inst_init(pmInDom indom);
/*
 * Make cfg the current configuration: known names keep their ids, new
 * names get new ones, and the cache is saved.  cfg must outlive the next
 * inst_apply.  Returns inst_count(), or a negative error (the previous
 * mapping stays).
 */
int inst_apply(const struct pipe_config *cfg);
/* one more than the highest id: valid ids are below it */
int inst_count(void);
/* the current command for id, NULL when id is unknown or was removed */
const struct pipe_cmd *inst_cmd(int id);
/* the name of id (also for removed ones), NULL for unknown ids */
const char *inst_name(int id);
/* list id in the instance domain (visible) or hide it (kept, not reused) */
void inst_show(int id, int visible);
/* release everything (PMDA exit) */
void inst_free(void);

#endif /* PIPE_INSTANCES_H */

/*
 * instances.h - the pipe instance domain: instance ids stay attached to
 * their names across configuration reloads, so clients' queues, counters
 * and archives keep meaning the same command.
 */
#ifndef PIPE_INSTANCES_H
#define PIPE_INSTANCES_H

#include "config.h"

/*
 * Make cfg the current configuration: known names keep their ids, new
 * names get new ones.  cfg must outlive the next inst_apply.  Returns the
 * number of ids ever allocated, or -ENOMEM (nothing changed).
 */
int inst_apply(const struct pipe_config *cfg);
/* number of ids ever allocated: valid ids are 0 .. inst_count()-1 */
int inst_count(void);
/* the current command for id, NULL when id is unknown or was removed */
const struct pipe_cmd *inst_cmd(int id);
/* the name of id (also for removed ones), NULL for unknown ids */
const char *inst_name(int id);
/* release everything (PMDA exit) */
void inst_free(void);

#endif /* PIPE_INSTANCES_H */

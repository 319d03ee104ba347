/*
 * evwalk.h - walk a packed event array (a PM_TYPE_EVENT value as pmFetch
 * returns it) in place, record by record and parameter by parameter,
 * without unpacking it into a pmResult per record (pmpipe).
 */
#ifndef PIPE_EVWALK_H
#define PIPE_EVWALK_H

#include <stddef.h>
#include <pcp/pmapi.h>

struct evwalk {
    const char	*p;		/* next record or parameter */
    const char	*end;		/* end of the array */
    int		records;	/* records not yet walked */
    int		params;		/* parameters of this record not yet walked */
};

/* start on the event array in vb */
int evwalk_init(struct evwalk *w, const pmValueBlock *vb);
/*
 * The next record: 1 and *er set, or 0 when there is none.  A missed
 * record (PM_EVENT_FLAG_MISSED) carries the number missed in er_nparams
 * and no parameters.
 */
int evwalk_record(struct evwalk *w, const pmEventRecord **er);
/*
 * The record's next parameter: 1 with *ep, *vbuf and *vlen (the value's
 * bytes, not NUL-terminated) set, or 0 when it has no more.
 */
int evwalk_param(struct evwalk *w, const pmEventParameter **ep,
		const char **vbuf, size_t *vlen);

#endif /* PIPE_EVWALK_H */

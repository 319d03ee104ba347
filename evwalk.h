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

/*
 * Everything read lies inside vb (vb->vlen bytes, which libpcp checked
 * against the PDU); an array that does not fit its own lengths makes
 * these return -EPROTO, and nothing more of it is walked.
 */

/* start on the event array in vb: 0 or -EPROTO */
int evwalk_init(struct evwalk *w, const pmValueBlock *vb);
/*
 * The next record: 1 and *er set, 0 when there is none, or -EPROTO.  A
 * missed record (PM_EVENT_FLAG_MISSED) carries the number missed in
 * er_nparams and no parameters.  Parameters of the last record the
 * caller did not walk are skipped (and checked).
 */
int evwalk_record(struct evwalk *w, const pmEventRecord **er);
/*
 * The record's next parameter: 1 with *ep, *vbuf and *vlen (the value's
 * bytes, not NUL-terminated) set, 0 when it has no more, or -EPROTO.
 */
int evwalk_param(struct evwalk *w, const pmEventParameter **ep,
		const char **vbuf, size_t *vlen);

#endif /* PIPE_EVWALK_H */

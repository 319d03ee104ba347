/*
 * evwalk.c - walk a packed event array in place.
 *
 * The array comes from pmcd, which may be hostile or broken: every
 * header and value is checked to lie inside the value block before it is
 * read, and a length that cannot be right (a parameter shorter than its
 * own header, a record or value past the end, negative counts) stops
 * the walk with -EPROTO.
 */
#include <errno.h>
#include "evwalk.h"

/* bytes of a record before its parameters, of an array before its records */
#define RECORD_HDR	offsetof(pmEventRecord, er_param)
#define ARRAY_HDR	offsetof(pmEventArray, ea_record)

int
evwalk_init(struct evwalk *w, const pmValueBlock *vb)
{
    const pmEventArray	*ea = (const pmEventArray *)vb;

    w->p = w->end = NULL;
    w->records = w->params = 0;
    if (vb->vlen < ARRAY_HDR || ea->ea_nrecords < 0)
	return -EPROTO;
    w->p = (const char *)ea + ARRAY_HDR;
    w->end = (const char *)ea + vb->vlen;
    w->records = ea->ea_nrecords;
    return 0;
}

int
evwalk_record(struct evwalk *w, const pmEventRecord **er)
{
    const pmEventParameter	*ep;
    const char			*vbuf;
    size_t			vlen;
    int				sts;

    /* skip what the caller did not walk of the last record */
    while ((sts = evwalk_param(w, &ep, &vbuf, &vlen)) > 0)
	;
    if (sts < 0)
	return sts;
    if (w->records == 0)
	return 0;
    if ((size_t)(w->end - w->p) < RECORD_HDR)
	return -EPROTO;
    *er = (const pmEventRecord *)w->p;
    if ((*er)->er_nparams < 0)
	return -EPROTO;
    w->records--;
    w->p += RECORD_HDR;
    w->params = ((*er)->er_flags & PM_EVENT_FLAG_MISSED) ? 0 : (*er)->er_nparams;
    return 1;
}

int
evwalk_param(struct evwalk *w, const pmEventParameter **ep,
	const char **vbuf, size_t *vlen)
{
    size_t	left, len, need;

    if (w->params == 0)
	return 0;
    left = w->end - w->p;
    if (left < sizeof(pmEventParameter))
	return -EPROTO;
    *ep = (const pmEventParameter *)w->p;
    len = (*ep)->ep_len;
    if (len < PM_VAL_HDR_SIZE)
	return -EPROTO;
    len -= PM_VAL_HDR_SIZE;
    /* header + value, 4-aligned */
    need = sizeof(pmEventParameter) + ((len + 3) & ~(size_t)3);
    if (need > left)
	return -EPROTO;
    w->params--;
    *vbuf = w->p + sizeof(pmEventParameter);
    *vlen = len;
    w->p += need;
    return 1;
}

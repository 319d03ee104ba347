/*
 * evwalk.c - walk a packed event array in place.
 */
#include "evwalk.h"

int
evwalk_init(struct evwalk *w, const pmValueBlock *vb)
{
    const pmEventArray	*ea = (const pmEventArray *)vb;

    w->p = (const char *)&ea->ea_record[0];
    w->end = (const char *)ea + ea->ea_len;
    w->records = ea->ea_nrecords;
    w->params = 0;
    return 0;
}

int
evwalk_record(struct evwalk *w, const pmEventRecord **er)
{
    /* skip what the caller did not walk of the last record */
    while (w->params > 0 && w->p < w->end) {
	const char		*vbuf;
	const pmEventParameter	*ep;
	size_t			vlen;

	evwalk_param(w, &ep, &vbuf, &vlen);
    }
    if (w->records <= 0)
	return 0;
    w->records--;
    *er = (const pmEventRecord *)w->p;
    w->p += sizeof(pmEventRecord) - sizeof(pmEventParameter);
    if (w->p > w->end)
	return 0;
    w->params = ((*er)->er_flags & PM_EVENT_FLAG_MISSED) ? 0 : (*er)->er_nparams;
    return 1;
}

int
evwalk_param(struct evwalk *w, const pmEventParameter **ep,
	const char **vbuf, size_t *vlen)
{
    if (w->params <= 0 || w->p >= w->end)
	return 0;
    w->params--;
    *ep = (const pmEventParameter *)w->p;
    *vbuf = w->p + sizeof(pmEventParameter);
    *vlen = (*ep)->ep_len - PM_VAL_HDR_SIZE;
    /* header + value, 4-aligned */
    w->p += sizeof(pmEventParameter) + ((*vlen + 3) & ~(size_t)3);
    return 1;
}

/*
 * firehose.c - start a pmdapipe command from a client.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "firehose.h"

static int
store_params(pmID pmid, int inst, const char *text)
{
    pmResult		*rp;
    pmValueSet		*vsp;
    pmValueBlock	*vbp;
    size_t		len = strlen(text) + 1;
    int			sts;

    rp = calloc(1, sizeof(pmResult));
    vsp = calloc(1, sizeof(pmValueSet));
    vbp = calloc(1, PM_VAL_HDR_SIZE + len);
    if (!rp || !vsp || !vbp) {
	free(rp);
	free(vsp);
	free(vbp);
	return -ENOMEM;
    }
    vbp->vtype = PM_TYPE_STRING;
    vbp->vlen = PM_VAL_HDR_SIZE + len;
    memcpy(vbp->vbuf, text, len);
    vsp->pmid = pmid;
    vsp->numval = 1;
    vsp->valfmt = PM_VAL_DPTR;
    vsp->vlist[0].inst = inst;
    vsp->vlist[0].value.pval = vbp;
    rp->numpmid = 1;
    rp->vset[0] = vsp;
    sts = pmStore(rp);
    free(vbp);
    free(vsp);
    free(rp);
    return sts;
}

int
firehose_start(pmID pmid, pmInDom indom, int inst, const char *params)
{
    int		sts;

    if ((sts = pmDelProfile(indom, 0, NULL)) < 0 ||
	(sts = pmAddProfile(indom, 1, &inst)) < 0)
	return sts;
    return store_params(pmid, inst, params);
}

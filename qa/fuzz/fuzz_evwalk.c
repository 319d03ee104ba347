/*
 * fuzz_evwalk.c - libFuzzer target: any bytes taken as a packed event
 * array (as a hostile pmcd could send one) are walked to the end or to
 * -EPROTO without a read outside them (ASan), and every record and value
 * handed out lies inside them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../evwalk.h"

static volatile unsigned int	sink;	/* keeps the value reads */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct evwalk		w;
    const pmEventRecord		*er;
    const pmEventParameter	*ep;
    pmValueBlock		*vb;
    const char			*vbuf, *lo, *hi;
    size_t			vlen, i;
    unsigned int		sum = 0;
    int				sts;

    /* a value block is at least its header; its length field is 24 bits */
    if (size < sizeof(pmValueBlock) || size > 0xffffff)
	return 0;
    if ((vb = malloc(size)) == NULL)
	return 0;
    memcpy(vb, data, size);
    vb->vtype = PM_TYPE_EVENT;
    vb->vlen = size;
    lo = (const char *)vb;
    hi = lo + size;
    if (evwalk_init(&w, vb) == 0) {
	while ((sts = evwalk_record(&w, &er)) > 0) {
	    if ((const char *)er < lo || (const char *)er + 16 > hi)
		abort();
	    while ((sts = evwalk_param(&w, &ep, &vbuf, &vlen)) > 0) {
		if (vbuf < lo || vbuf > hi || vlen > (size_t)(hi - vbuf))
		    abort();
		for (i = 0; i < vlen; i++)
		    sum += (unsigned char)vbuf[i];
	    }
	    if (sts < 0)
		break;
	}
    }
    free(vb);
    sink = sum;
    return 0;
}

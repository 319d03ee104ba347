/*
 * fetch.c - records into event arrays within one fetch's budget.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>
#include <pcp/pmapi.h>
#include <pcp/pmda.h>
#include "fetch.h"

/* an array that carried more than this is released on the next tick */
#define FETCH_KEEP	(64 * 1024)

static struct fetch_pmids	pmids;
static int			*arrays;	/* by instance, -1: none yet */
static size_t			*filled;	/* by instance: most bytes put in */
static int			narrays;

void
fetch_init(const struct fetch_pmids *p)
{
    pmids = *p;
}

int
fetch_begin(int inst)
{
    int		*na, i, arr;
    size_t	*nf;

    if (inst < 0)
	return PM_ERR_INST;
    if (inst >= narrays) {
	if ((nf = realloc(filled, (inst + 1) * sizeof(*nf))) == NULL)
	    return -ENOMEM;
	filled = nf;
	if ((na = realloc(arrays, (inst + 1) * sizeof(*na))) == NULL)
	    return -ENOMEM;
	for (i = narrays; i <= inst; i++) {
	    na[i] = -1;
	    nf[i] = 0;
	}
	arrays = na;
	narrays = inst + 1;
    }
    if ((arr = arrays[inst]) < 0) {
	if ((arr = pmdaEventNewArray()) < 0)
	    return arr;
	arrays[inst] = arr;
    }
    pmdaEventResetArray(arr);
    return arr;
}

/* array arr carries n bytes: its buffer is at least that large */
static void
note_filled(int arr, size_t n)
{
    int		i;

    for (i = 0; i < narrays; i++)
	if (arrays[i] == arr) {
	    if (filled[i] < n)
		filled[i] = n;
	    return;
	}
}

/* bytes a record takes in a packed event array (and its missed record) */
static size_t
record_size(const struct evrec *r)
{
    size_t	rec = sizeof(pmEventRecord) - sizeof(pmEventParameter);
    size_t	param = sizeof(pmEventParameter);

    return (r->missed ? rec : 0) + rec + param + ((r->len + 1 + 3) & ~3UL) +
	   (r->kind == EV_EXIT ? 2 * param + 4 : 0);
}

static int
add_record(int arr, const struct evrec *r)
{
    pmAtomValue	atom;
    int		sts;

    if (r->missed &&
	(sts = pmdaEventAddMissedRecord(arr, (struct timeval *)&r->tv, r->missed)) < 0)
	return sts;
    if ((sts = pmdaEventAddRecord(arr, (struct timeval *)&r->tv, r->flags)) < 0)
	return sts;
    switch (r->kind) {
    case EV_LINE:
	atom.cp = (char *)r->data;
	return pmdaEventAddParam(arr, pmids.line, PM_TYPE_STRING, &atom);
    case EV_STDERR:
	atom.cp = (char *)r->data;
	return pmdaEventAddParam(arr, pmids.stderr_line, PM_TYPE_STRING, &atom);
    case EV_EXIT:
	atom.l = r->status;
	if ((sts = pmdaEventAddParam(arr, pmids.exitstatus, PM_TYPE_32,
				     &atom)) < 0 || r->len == 0)
	    return sts;
	atom.cp = (char *)r->data;	/* why the run ended */
	return pmdaEventAddParam(arr, pmids.endreason, PM_TYPE_STRING, &atom);
    }
    return 0;
}

int
fetch_records(int arr, const struct evrec *r)
{
    size_t	bytes = 0;
    int		n = 0, sts;

    for (; r != NULL; r = r->next) {
	if (n > 0 && (bytes + record_size(r) > FETCH_MAXBYTES ||
		      n >= FETCH_MAXRECORDS))
	    break;		/* the rest waits for the next fetch */
	if ((sts = add_record(arr, r)) < 0)
	    return sts;
	bytes += record_size(r);
	n++;
    }
    note_filled(arr, bytes);
    return n;
}

int
fetch_missed(int arr, unsigned int n)
{
    struct timeval	now;

    if (n == 0)
	return 0;
    gettimeofday(&now, NULL);
    return pmdaEventAddMissedRecord(arr, &now, (int)n);
}

int
fetch_done(int arr, pmAtomValue *atom)
{
    pmEventArray	*ea = pmdaEventGetAddr(arr);

    if (ea->ea_nrecords == 0)
	return PMDA_FETCH_NOVALUES;	/* nothing new: no value, as stock */
    atom->vbp = (pmValueBlock *)ea;
    return PMDA_FETCH_STATIC;
}

size_t
fetch_trim(void)
{
    size_t	freed = 0;
    int		i;

    for (i = 0; i < narrays; i++) {
	if (arrays[i] < 0 || filled[i] <= FETCH_KEEP)
	    continue;
	pmdaEventReleaseArray(arrays[i]);
	arrays[i] = -1;
	freed += filled[i];
	filled[i] = 0;
    }
    return freed;
}

void
fetch_fini(void)
{
    int		i;

    for (i = 0; i < narrays; i++)
	if (arrays[i] >= 0)
	    pmdaEventReleaseArray(arrays[i]);
    free(arrays);
    free(filled);
    arrays = NULL;
    filled = NULL;
    narrays = 0;
}

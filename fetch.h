/*
 * fetch.h - queued records into the pmdaEventArray of one instance for
 * one fetch, within what a fetch may carry (a pmValueBlock's length is 24
 * bits).  Both a client's own queue and a shared queue's readers use it.
 */
#ifndef PIPE_FETCH_H
#define PIPE_FETCH_H

#include <pcp/pmapi.h>
#include "evq.h"

#define FETCH_MAXBYTES		(15 * 1024 * 1024)
#define FETCH_MAXRECORDS	(1024 * 1024)

/* the event parameters records carry */
struct fetch_pmids {
    pmID	line, stderr_line, exitstatus, endreason;
};

void fetch_init(const struct fetch_pmids *);
/* instance inst's event array, emptied for a new fetch; or a negative error */
int fetch_begin(int inst);
/*
 * Add records from r on (following ->next) until the budget is spent;
 * returns how many were added (at least one if r is not NULL), or a
 * negative error.
 */
int fetch_records(int arr, const struct evrec *r);
/* a missed record for n records the client will never see */
int fetch_missed(int arr, unsigned int n);
/* the fetch's value: PMDA_FETCH_NOVALUES when arr holds no record */
int fetch_done(int arr, pmAtomValue *atom);
/*
 * Between requests (the PMDA's tick): release the arrays a fetch filled
 * with more than a little, rather than keep their memory for the next
 * one; returns about how many bytes that freed.
 */
size_t fetch_trim(void);
/* release every array (PMDA exit) */
void fetch_fini(void);

#endif /* PIPE_FETCH_H */

/*
 * firehose.h - the client side of starting a pmdapipe command: limit the
 * context's profile to one instance of pipe.firehose and store the
 * parameters there (pmpipe, bench/churn).
 */
#ifndef PIPE_FIREHOSE_H
#define PIPE_FIREHOSE_H

#include <pcp/pmapi.h>

/* start instance inst of pmid (indom) with params; 0 or a PM_ERR_* */
int firehose_start(pmID pmid, pmInDom indom, int inst, const char *params);

#endif /* PIPE_FIREHOSE_H */

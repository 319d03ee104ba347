/*
 * lines.h - split a byte stream into lines, reading straight into the
 * splitter's buffer so each byte is copied once on its way to a record.
 */
#ifndef PIPE_LINES_H
#define PIPE_LINES_H

#include <stddef.h>
#include "budget.h"

#define LINES_DEFAULT_MAX	(1024 * 1024)	/* longest line delivered whole */
#define LINES_MIN_READ		(64 * 1024)	/* free space offered to read() */

/*
 * Called once per line, without its newline.  A line longer than maxline
 * is delivered in maxline-sized pieces, each flagged continued except the
 * last.  A non-zero return stops the current feed and is passed back.
 */
typedef int (*lines_cb)(void *arg, const char *line, size_t len, int continued);

struct lines {
    char	*buf;
    size_t	len;		/* bytes held (an incomplete line) */
    size_t	cap;
    size_t	maxline;
    size_t	scanned;	/* bytes of buf known to hold no newline */
    struct budget_acct *acct;	/* the buffer is charged to it (NULL: none) */
    int		scratch;	/* this read went to the shared scratch buffer */
    unsigned long cuts;		/* lines cut short because the budget was spent */
};

void lines_init(struct lines *, size_t maxline);
void lines_free(struct lines *);

/*
 * Free space to read into (at least LINES_MIN_READ bytes), NULL on ENOMEM.
 * The buffer is charged to acct as it grows (up to maxline plus
 * LINES_MIN_READ) and given back once it holds nothing.  When the budget
 * refuses it more, the line held so far is delivered through cb as a
 * piece (flagged continued) and the space offered is what the buffer
 * has, or, with no buffer, a scratch buffer shared by every splitter:
 * whatever is read into that is delivered by the commit, an incomplete
 * line at its end as a piece.  Delivery through cb here is not stopped by
 * a non-zero return.
 */
char *lines_space(struct lines *, size_t *avail, lines_cb, void *arg);
/* account for n bytes read into lines_space() and deliver complete lines */
int lines_commit(struct lines *, size_t n, lines_cb, void *arg);
/*
 * As lines_commit, for a consumer that would drop every line: when the
 * buffer held nothing before these n bytes, the complete lines are only
 * counted (*nlines, and *nbytes without their newlines), not delivered;
 * an incomplete line at the end is kept as lines_commit keeps it.
 * Otherwise (a line was held, or the scratch buffer) it is lines_commit.
 */
int lines_commit_count(struct lines *, size_t n, lines_cb, void *arg,
		unsigned long *nlines, unsigned long long *nbytes);
/* at end of stream: deliver a final unterminated line, if any */
int lines_flush(struct lines *, lines_cb, void *arg);
/* convenience for tests: copy data in and commit */
int lines_feed(struct lines *, const char *data, size_t n, lines_cb, void *arg);

#endif /* PIPE_LINES_H */

/*
 * lines.c - split a byte stream into lines.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lines.h"

/* where a splitter whose budget is spent reads (one read at a time) */
static char	scratch[LINES_MIN_READ];

void
lines_init(struct lines *lb, size_t maxline)
{
    memset(lb, 0, sizeof(*lb));
    lb->maxline = maxline ? maxline : LINES_DEFAULT_MAX;
}

/* give the buffer back (it must hold nothing the caller still needs) */
static void
lines_release(struct lines *lb)
{
    free(lb->buf);
    budget_release(lb->acct, lb->cap);
    lb->buf = NULL;
    lb->cap = 0;
}

void
lines_free(struct lines *lb)
{
    lines_release(lb);
    lb->len = lb->scanned = 0;
    lb->scratch = 0;
}

/*
 * Deliver the lines in base[0, lb->len), and pieces of those over
 * maxline.  keep: a stop is honoured and what is left is moved to the
 * front of lb->buf (base must be lb->buf); otherwise everything goes,
 * an incomplete line at the end as a piece, and nothing is left.
 * Returns the first non-zero return of cb.
 */
static int
split(struct lines *lb, char *base, int keep, lines_cb cb, void *arg)
{
    char	*start = base, *nl, *end = base + lb->len;
    size_t	avail, linelen, rest;
    int		sts = 0, s;

    for (;;) {
	avail = end - start;
	nl = memchr(start + lb->scanned, '\n', avail - lb->scanned);
	linelen = nl ? (size_t)(nl - start) : avail;
	if (linelen > lb->maxline) {
	    /* over-long line: deliver a piece and go on */
	    s = cb(arg, start, lb->maxline, 1);
	    start += lb->maxline;
	    lb->scanned = lb->scanned > lb->maxline ? lb->scanned - lb->maxline : 0;
	} else if (nl == NULL) {
	    lb->scanned = avail;
	    break;
	} else {
	    s = cb(arg, start, linelen, 0);
	    start = nl + 1;
	    lb->scanned = 0;
	}
	if (s != 0 && sts == 0)
	    sts = s;
	if (sts != 0 && keep)
	    break;
    }
    rest = end - start;
    if (!keep) {
	if (rest > 0) {
	    (void)cb(arg, start, rest, 1);
	    lb->cuts++;
	}
	lb->len = lb->scanned = 0;
	return sts;
    }
    if (start != base && rest > 0)
	memmove(base, start, rest);
    lb->len = rest;
    if (lb->scanned > rest)
	lb->scanned = rest;
    return sts;
}

/*
 * The budget refused the buffer more room: deliver what it holds (an
 * incomplete line as a piece), then offer the buffer's own room, or the
 * scratch buffer.
 */
static char *
lines_pressed(struct lines *lb, size_t *avail, lines_cb cb, void *arg)
{
    if (lb->len > 0)
	(void)split(lb, lb->buf, 0, cb, arg);
    if (lb->buf != NULL && lb->cap >= LINES_MIN_READ) {
	*avail = lb->cap;
	return lb->buf;
    }
    lines_release(lb);
    lb->scratch = 1;
    *avail = sizeof(scratch);
    return scratch;
}

char *
lines_space(struct lines *lb, size_t *avail, lines_cb cb, void *arg)
{
    size_t	want = lb->len + LINES_MIN_READ, ncap;
    char	*nb;

    lb->scratch = 0;
    if (lb->cap < want) {
	/* double, but never past what the longest line needs */
	ncap = lb->cap * 2;
	if (ncap > lb->maxline + LINES_MIN_READ)
	    ncap = lb->maxline + LINES_MIN_READ;
	if (ncap < want)
	    ncap = want;
	if (budget_charge(lb->acct, ncap - lb->cap) == 0)
	    ;
	else if (ncap > want && budget_charge(lb->acct, want - lb->cap) == 0)
	    ncap = want;
	else
	    return lines_pressed(lb, avail, cb, arg);
	if ((nb = realloc(lb->buf, ncap)) == NULL) {
	    budget_uncharge(lb->acct, ncap - lb->cap);
	    return NULL;
	}
	lb->buf = nb;
	lb->cap = ncap;
    }
    *avail = lb->cap - lb->len;
    return lb->buf + lb->len;
}

int
lines_commit(struct lines *lb, size_t n, lines_cb cb, void *arg)
{
    char	*nb;
    int		sts;

    if (lb->scratch) {
	/* read into the scratch buffer: it keeps nothing, all goes now */
	lb->scratch = 0;
	lb->len = n;
	lb->scanned = 0;
	return split(lb, scratch, 0, cb, arg);
    }
    if (lb->buf == NULL)	/* nothing read yet (or all given back) */
	return 0;
    lb->len += n;
    /*
     * A complete line moves from the buffer to a queue: lend the queue
     * the buffer's charge while it does, so that a line the budget held
     * is not dropped for want of its own size twice over.
     */
    budget_uncharge(lb->acct, lb->cap);
    sts = split(lb, lb->buf, 1, cb, arg);
    /* hold memory only for an incomplete line, and not much more */
    if (lb->len == 0) {
	free(lb->buf);
	budget_note_freed(lb->cap);
	lb->buf = NULL;
	lb->cap = 0;
    } else {
	if (lb->cap > 2 * (lb->len + LINES_MIN_READ) &&
	    (nb = realloc(lb->buf, lb->len + LINES_MIN_READ)) != NULL) {
	    budget_note_freed(lb->cap - (lb->len + LINES_MIN_READ));
	    lb->buf = nb;
	    lb->cap = lb->len + LINES_MIN_READ;
	}
	budget_force(lb->acct, lb->cap);
    }
    return sts;
}

/* newlines in p[0..n), a word at a time */
static size_t
count_newlines(const char *p, size_t n)
{
    const uint64_t	low7 = 0x7f7f7f7f7f7f7f7fULL, nl = 0x0a0a0a0a0a0a0a0aULL;
    uint64_t		w;
    size_t		i = 0, c = 0;

    for (; i + 8 <= n; i += 8) {
	memcpy(&w, p + i, 8);
	w ^= nl;			/* a newline is a zero byte now */
	/* bit 7 of each byte: set where the byte is not zero */
	w = (((w & low7) + low7) | w) & ~low7;
	/* add up the bytes' bits (at most 8: no carry between bytes) */
	c += 8 - (size_t)(((w >> 7) * 0x0101010101010101ULL) >> 56);
    }
    for (; i < n; i++)
	c += p[i] == '\n';
    return c;
}

int
lines_commit_count(struct lines *lb, size_t n, lines_cb cb, void *arg,
	unsigned long *nlines, unsigned long long *nbytes)
{
    const char	*last;
    size_t	whole, rest;

    *nlines = 0;
    *nbytes = 0;
    if (lb->scratch || lb->buf == NULL || lb->len != 0 ||
	(last = memrchr(lb->buf, '\n', n)) == NULL)
	return lines_commit(lb, n, cb, arg);
    whole = (size_t)(last - lb->buf) + 1;
    *nlines = count_newlines(lb->buf, whole);
    *nbytes = whole - *nlines;
    rest = n - whole;
    if (rest > 0)
	memmove(lb->buf, lb->buf + whole, rest);
    lb->scanned = 0;
    return lines_commit(lb, rest, cb, arg);
}

int
lines_flush(struct lines *lb, lines_cb cb, void *arg)
{
    int		sts;

    /* complete lines left behind by a callback that stopped a commit */
    if ((sts = lines_commit(lb, 0, cb, arg)) != 0)
	return sts;
    if (lb->len > 0) {
	sts = cb(arg, lb->buf, lb->len, 0);
	lb->len = 0;
	lb->scanned = 0;
    }
    lines_release(lb);
    return sts;
}

int
lines_feed(struct lines *lb, const char *data, size_t n, lines_cb cb, void *arg)
{
    size_t	avail, chunk;
    char	*space;
    int		sts = 0, s;

    while (n > 0) {
	if ((space = lines_space(lb, &avail, cb, arg)) == NULL)
	    return -ENOMEM;
	chunk = n < avail ? n : avail;
	memcpy(space, data, chunk);
	if (sts != 0 && !lb->scratch)
	    lb->len += chunk;	/* stopped: keep the rest for later */
	else if ((s = lines_commit(lb, chunk, cb, arg)) != 0 && sts == 0)
	    sts = s;
	data += chunk;
	n -= chunk;
    }
    return sts;
}

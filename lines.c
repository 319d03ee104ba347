/*
 * lines.c - split a byte stream into lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lines.h"

void
lines_init(struct lines *lb, size_t maxline)
{
    memset(lb, 0, sizeof(*lb));
    lb->maxline = maxline ? maxline : LINES_DEFAULT_MAX;
}

void
lines_free(struct lines *lb)
{
    free(lb->buf);
    lb->buf = NULL;
    lb->len = lb->cap = lb->scanned = 0;
}

char *
lines_space(struct lines *lb, size_t *avail)
{
    size_t	want = lb->len + LINES_MIN_READ;
    char	*nb;

    if (lb->cap < want) {
	if (want < lb->cap * 2)
	    want = lb->cap * 2;
	if ((nb = realloc(lb->buf, want)) == NULL)
	    return NULL;
	lb->buf = nb;
	lb->cap = want;
    }
    *avail = lb->cap - lb->len;
    return lb->buf + lb->len;
}

int
lines_commit(struct lines *lb, size_t n, lines_cb cb, void *arg)
{
    char	*start, *nl, *end;
    size_t	avail, linelen, rest;
    int		sts = 0;

    if (lb->buf == NULL)	/* nothing read yet (or all given back) */
	return 0;
    lb->len += n;
    start = lb->buf;
    end = lb->buf + lb->len;
    for (;;) {
	avail = end - start;
	nl = memchr(start + lb->scanned, '\n', avail - lb->scanned);
	linelen = nl ? (size_t)(nl - start) : avail;
	if (linelen > lb->maxline) {
	    /* over-long line: deliver a piece and go on */
	    sts = cb(arg, start, lb->maxline, 1);
	    start += lb->maxline;
	    lb->scanned = lb->scanned > lb->maxline ? lb->scanned - lb->maxline : 0;
	    if (sts)
		break;
	    continue;
	}
	if (nl == NULL) {
	    lb->scanned = avail;
	    break;
	}
	sts = cb(arg, start, linelen, 0);
	start = nl + 1;
	lb->scanned = 0;
	if (sts)
	    break;
    }
    rest = end - start;
    if (start != lb->buf && rest > 0)
	memmove(lb->buf, start, rest);
    lb->len = rest;
    if (lb->scanned > rest)
	lb->scanned = rest;
    /* give back memory held for a long line once it is gone */
    if (lb->len == 0 && lb->cap > 4 * LINES_MIN_READ) {
	free(lb->buf);
	lb->buf = NULL;
	lb->cap = 0;
    }
    return sts;
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
    return sts;
}

int
lines_feed(struct lines *lb, const char *data, size_t n, lines_cb cb, void *arg)
{
    size_t	avail, chunk;
    char	*space;
    int		sts = 0;

    while (n > 0) {
	if ((space = lines_space(lb, &avail)) == NULL)
	    return -ENOMEM;
	chunk = n < avail ? n : avail;
	memcpy(space, data, chunk);
	if (sts != 0)
	    lb->len += chunk;	/* stopped: keep the rest for later */
	else
	    sts = lines_commit(lb, chunk, cb, arg);
	data += chunk;
	n -= chunk;
    }
    return sts;
}

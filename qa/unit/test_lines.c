/*
 * test_lines.c - cmocka unit tests for lines.c: splitting a byte stream
 * into lines whatever the read boundaries, long lines in pieces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../lines.h"

/* what the callback saw */
struct piece {
    char	*data;
    size_t	len;
    int		continued;
};

struct collect {
    struct piece	*p;
    size_t		n;
    size_t		stop_at;	/* return 1 from this piece (1-based) */
    int			stop_sts;
};

static int
collect_cb(void *arg, const char *line, size_t len, int continued)
{
    struct collect	*c = arg;
    struct piece	*p;

    p = realloc(c->p, (c->n + 1) * sizeof(*p));
    assert_non_null(p);
    c->p = p;
    p = &c->p[c->n++];
    p->data = malloc(len ? len : 1);
    assert_non_null(p->data);
    memcpy(p->data, line, len);
    p->len = len;
    p->continued = continued;
    if (c->stop_at != 0 && c->n == c->stop_at)
	return c->stop_sts;
    return 0;
}

static void
collect_free(struct collect *c)
{
    size_t	i;

    for (i = 0; i < c->n; i++)
	free(c->p[i].data);
    free(c->p);
    memset(c, 0, sizeof(*c));
}

/* printable rendering of a piece for failure messages */
static void
show(const char *what, const char *data, size_t len, int continued)
{
    size_t	i;
    char	buf[80];
    size_t	o = 0;

    for (i = 0; i < len && o + 5 < sizeof(buf); i++) {
	if (data[i] >= ' ' && data[i] < 0x7f)
	    buf[o++] = data[i];
	else
	    o += snprintf(buf + o, sizeof(buf) - o, "\\%03o",
			(unsigned char)data[i]);
    }
    buf[o] = '\0';
    print_error("    %s len %zu continued %d \"%s%s\"\n", what, len, continued,
		buf, i < len ? "..." : "");
}

/* an expected piece: data and len (data may hold NULs) */
struct want {
    const char	*data;
    size_t	len;
    int		continued;
};

#define W(s)		{ s, sizeof(s) - 1, 0 }
#define WC(s)		{ s, sizeof(s) - 1, 1 }
#define MAXW		12

static int
compare(const char *row, const struct collect *c, const struct want *w,
	size_t nw)
{
    size_t	i;
    int		bad = 0;

    if (c->n != nw)
	bad = 1;
    for (i = 0; !bad && i < nw; i++) {
	if (c->p[i].len != w[i].len || c->p[i].continued != w[i].continued ||
	    memcmp(c->p[i].data, w[i].data, w[i].len) != 0)
	    bad = 1;
    }
    if (bad) {
	print_error("[%s] got %zu pieces, want %zu\n", row, c->n, nw);
	for (i = 0; i < c->n; i++)
	    show("got ", c->p[i].data, c->p[i].len, c->p[i].continued);
	for (i = 0; i < nw; i++)
	    show("want", w[i].data, w[i].len, w[i].continued);
    }
    return bad;
}

/*
 * Each row is fed in every chunk size from 1 byte to all of it at once,
 * straight through lines_space()/lines_commit().  Before lines_flush()
 * the complete lines must have arrived; lines_flush() adds the rest.
 */
struct split_case {
    const char		*name;
    const char		*input;
    size_t		len;
    size_t		maxline;
    struct want		lines[MAXW];	/* before flush */
    size_t		nlines;
    struct want		tail[2];	/* from flush */
    size_t		ntail;
};

#define IN(s)		s, sizeof(s) - 1

static const struct split_case split_cases[] = {
    { "nothing", IN(""), 0, { { 0 } }, 0, { { 0 } }, 0 },
    { "one line", IN("hello\n"), 0, { W("hello") }, 1, { { 0 } }, 0 },
    { "three lines", IN("a\nbb\nccc\n"), 0,
      { W("a"), W("bb"), W("ccc") }, 3, { { 0 } }, 0 },
    { "empty lines", IN("\n\n\n"), 0, { W(""), W(""), W("") }, 3,
      { { 0 } }, 0 },
    { "empty line between", IN("a\n\nb\n"), 0, { W("a"), W(""), W("b") }, 3,
      { { 0 } }, 0 },
    { "unterminated", IN("no newline"), 0, { { 0 } }, 0,
      { W("no newline") }, 1 },
    { "lines then unterminated", IN("a\nb\ntail"), 0, { W("a"), W("b") }, 2,
      { W("tail") }, 1 },
    { "embedded NULs", IN("a\0b\n\0\n\0\0x\0"), 0,
      { W("a\0b"), W("\0") }, 2, { W("\0\0x\0") }, 1 },
    { "CRLF kept", IN("a\r\nb\r\n\r\n"), 0, { W("a\r"), W("b\r"), W("\r") },
      3, { { 0 } }, 0 },
    { "lone CR is data", IN("a\rb\n"), 0, { W("a\rb") }, 1, { { 0 } }, 0 },
    { "high bytes", IN("\xff\xfe\x80\n"), 0, { W("\xff\xfe\x80") }, 1,
      { { 0 } }, 0 },
    /* maxline */
    { "shorter than maxline", IN("abc\n"), 4, { W("abc") }, 1, { { 0 } }, 0 },
    { "exactly maxline", IN("abcd\nefgh\n"), 4, { W("abcd"), W("efgh") }, 2,
      { { 0 } }, 0 },
    { "maxline + 1", IN("abcde\n"), 4, { WC("abcd"), W("e") }, 2,
      { { 0 } }, 0 },
    { "2 * maxline", IN("abcdefgh\n"), 4, { WC("abcd"), W("efgh") }, 2,
      { { 0 } }, 0 },
    { "2 * maxline + 1", IN("abcdefghi\nz\n"), 4,
      { WC("abcd"), WC("efgh"), W("i"), W("z") }, 4, { { 0 } }, 0 },
    { "long lines around short", IN("ab\nabcdefghij\n\nxy\n"), 4,
      { W("ab"), WC("abcd"), WC("efgh"), W("ij"), W(""), W("xy") }, 6,
      { { 0 } }, 0 },
    { "long unterminated", IN("abcdefghij"), 4, { WC("abcd"), WC("efgh") }, 2,
      { W("ij") }, 1 },
    { "unterminated exactly maxline", IN("x\nabcd"), 4, { W("x") }, 1,
      { W("abcd") }, 1 },
    { "unterminated 2 * maxline", IN("abcdefgh"), 4, { WC("abcd") }, 1,
      { W("efgh") }, 1 },
    { "maxline 1", IN("ab\n\nc\n"), 1, { WC("a"), W("b"), W(""), W("c") }, 4,
      { { 0 } }, 0 },
    { "NULs in long line", IN("\0\0\0\0\0\0\n"), 4,
      { WC("\0\0\0\0"), W("\0\0") }, 2, { { 0 } }, 0 },
};

static int
feed_chunks(struct lines *lb, const char *in, size_t len, size_t chunk,
	struct collect *c)
{
    size_t	off, n, avail;
    char	*space;

    for (off = 0; off < len; off += n) {
	space = lines_space(lb, &avail, collect_cb, c);
	assert_non_null(space);
	assert_true(avail >= LINES_MIN_READ);
	n = len - off < chunk ? len - off : chunk;
	if (n > avail)
	    n = avail;
	memcpy(space, in + off, n);
	assert_int_equal(lines_commit(lb, n, collect_cb, c), 0);
    }
    return 0;
}

static void
test_split_table(void **state)
{
    const struct split_case	*t;
    struct collect		c = { 0 };
    struct lines		lb;
    struct want			all[MAXW + 2];
    size_t			i, chunk;
    char			row[128];
    int				bad = 0;

    (void)state;
    for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
	t = &split_cases[i];
	memcpy(all, t->lines, t->nlines * sizeof(all[0]));
	memcpy(all + t->nlines, t->tail, t->ntail * sizeof(all[0]));
	for (chunk = 1; chunk <= t->len + 1; chunk++) {
	    snprintf(row, sizeof(row), "%s, chunks of %zu", t->name, chunk);
	    lines_init(&lb, t->maxline);
	    feed_chunks(&lb, t->input, t->len, chunk, &c);
	    if (compare(row, &c, t->lines, t->nlines) == 0) {
		assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
		bad += compare(row, &c, all, t->nlines + t->ntail);
		/* flush again: nothing more */
		assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
		assert_int_equal(c.n, t->nlines + t->ntail);
	    } else
		bad++;
	    collect_free(&c);
	    lines_free(&lb);
	}
	/* and through lines_feed() in one call */
	snprintf(row, sizeof(row), "%s, lines_feed", t->name);
	lines_init(&lb, t->maxline);
	assert_int_equal(lines_feed(&lb, t->input, t->len, collect_cb, &c), 0);
	assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
	bad += compare(row, &c, all, t->nlines + t->ntail);
	collect_free(&c);
	lines_free(&lb);
    }
    assert_int_equal(bad, 0);
}

/* a line is never split at a chunk boundary, wherever it falls */
static void
test_split_two_chunks(void **state)
{
    static const char	in[] = "first line\nsecond\n\nfourth, longer line\n";
    static const struct want w[] = {
	W("first line"), W("second"), W(""), W("fourth, longer line")
    };
    struct collect	c = { 0 };
    struct lines	lb;
    size_t		cut, len = sizeof(in) - 1;
    char		row[64];
    int			bad = 0;

    (void)state;
    for (cut = 0; cut <= len; cut++) {
	snprintf(row, sizeof(row), "cut at %zu", cut);
	lines_init(&lb, 0);
	assert_int_equal(lines_feed(&lb, in, cut, collect_cb, &c), 0);
	assert_int_equal(lines_feed(&lb, in + cut, len - cut, collect_cb,
		    &c), 0);
	assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
	bad += compare(row, &c, w, 4);
	collect_free(&c);
	lines_free(&lb);
    }
    assert_int_equal(bad, 0);
}

static void
test_default_maxline(void **state)
{
    struct lines	lb;

    (void)state;
    lines_init(&lb, 0);
    assert_int_equal(lb.maxline, LINES_DEFAULT_MAX);
    assert_int_equal(lb.len, 0);
    lines_free(&lb);
    lines_free(&lb);		/* twice is harmless */
    lines_init(&lb, 10);
    assert_int_equal(lb.maxline, 10);
    lines_free(&lb);
}

/* 200 KiB in one line arrives whole, however it is read */
static void
test_long_line(void **state)
{
    const size_t	len = 200 * 1024;
    static const size_t	chunks[] = { 1, 7, 4096, 65536, 200 * 1024 + 1 };
    struct collect	c = { 0 };
    struct lines	lb;
    char		*in;
    size_t		i, k;

    (void)state;
    assert_non_null(in = malloc(len + 3));
    for (i = 0; i < len; i++)
	in[i] = 'a' + i % 26;
    in[1000] = '\0';			/* NULs and CRs are data */
    in[2000] = '\r';
    in[len] = '\n';
    in[len + 1] = 'z';
    in[len + 2] = '\n';
    for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
	lines_init(&lb, 0);
	feed_chunks(&lb, in, len + 3, chunks[k], &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.p[0].len, len);
	assert_int_equal(c.p[0].continued, 0);
	assert_memory_equal(c.p[0].data, in, len);
	assert_int_equal(c.p[1].len, 1);
	assert_int_equal(c.p[1].data[0], 'z');
	assert_int_equal(lb.len, 0);
	assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	collect_free(&c);
	lines_free(&lb);
    }
    free(in);
}

/* a long line with a small maxline: pieces, only the last not continued */
static void
test_long_line_pieces(void **state)
{
    const size_t	len = 200 * 1024, maxline = 1000;
    struct collect	c = { 0 };
    struct lines	lb;
    char		*in;
    size_t		i, off, k;
    static const size_t	chunks[] = { 1, 999, 1000, 1001, 65536 };

    (void)state;
    assert_non_null(in = malloc(len + 1));
    for (i = 0; i < len; i++)
	in[i] = 'A' + i % 26;
    in[len] = '\n';
    for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
	lines_init(&lb, maxline);
	feed_chunks(&lb, in, len + 1, chunks[k], &c);
	assert_int_equal(c.n, (len + maxline - 1) / maxline);
	for (i = 0, off = 0; i < c.n; off += c.p[i].len, i++) {
	    assert_int_equal(c.p[i].continued, i + 1 < c.n);
	    assert_int_equal(c.p[i].len,
			i + 1 < c.n ? maxline : len - (c.n - 1) * maxline);
	    assert_memory_equal(c.p[i].data, in + off, c.p[i].len);
	}
	assert_int_equal(off, len);
	collect_free(&c);
	lines_free(&lb);
    }
    free(in);
}

/*
 * A non-zero return stops delivery; the rest stays buffered and comes
 * out on the next commit (of no new bytes, or of more).
 */
static void
test_callback_stops(void **state)
{
    static const struct want	w[] = { W("one"), W("two"), W("three"),
					W("four") };
    struct collect		c = { 0 };
    struct lines		lb;
    char			*space;
    size_t			avail;

    (void)state;
    lines_init(&lb, 0);
    c.stop_at = 1;
    c.stop_sts = 7;
    assert_int_equal(lines_feed(&lb, "one\ntwo\nthree\nfo", 16, collect_cb, &c),
		7);
    assert_int_equal(c.n, 1);
    assert_int_equal(lb.len, 12);		/* "two\nthree\nfo" */

    c.stop_at = 2;
    c.stop_sts = -1;
    assert_non_null(lines_space(&lb, &avail, collect_cb, &c));
    assert_int_equal(lines_commit(&lb, 0, collect_cb, &c), -1);
    assert_int_equal(c.n, 2);
    assert_int_equal(lb.len, 8);		/* "three\nfo" */

    c.stop_at = 0;
    assert_non_null(space = lines_space(&lb, &avail, collect_cb, &c));
    memcpy(space, "ur\n", 3);
    assert_int_equal(lines_commit(&lb, 3, collect_cb, &c), 0);
    assert_int_equal(lb.len, 0);
    assert_int_equal(compare("callback stops", &c, w, 4), 0);
    collect_free(&c);
    lines_free(&lb);
}

/* stopping on a piece of a long line keeps the rest of it */
static void
test_callback_stops_long(void **state)
{
    static const struct want	w[] = { WC("abcd"), WC("efgh"), W("ij"),
					W("k") };
    struct collect		c = { 0 };
    struct lines		lb;

    (void)state;
    lines_init(&lb, 4);
    c.stop_at = 1;
    c.stop_sts = 1;
    assert_int_equal(lines_feed(&lb, "abcdefghij\nk", 12, collect_cb, &c), 1);
    assert_int_equal(c.n, 1);
    c.stop_at = 0;
    assert_int_equal(lines_commit(&lb, 0, collect_cb, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    assert_int_equal(compare("stops on a piece", &c, w, 4), 0);
    collect_free(&c);
    lines_free(&lb);
}

/* lines_flush() passes the callback's status back and empties */
static void
test_flush_status(void **state)
{
    struct collect	c = { 0 };
    struct lines	lb;

    (void)state;
    lines_init(&lb, 0);
    assert_int_equal(lines_feed(&lb, "x", 1, collect_cb, &c), 0);
    c.stop_at = 1;
    c.stop_sts = 3;
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 3);
    assert_int_equal(lb.len, 0);
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    assert_int_equal(c.n, 1);
    collect_free(&c);
    lines_free(&lb);
}

/*
 * lines_flush() right after a callback stopped a commit: what is left
 * may still hold complete lines and more than maxline bytes, and must
 * come out as lines and pieces all the same, never with a '\n' inside.
 */
static void
test_flush_after_stop(void **state)
{
    static const struct want	w1[] = { W("a"), W("b"), W("c") };
    static const struct want	w2[] = { WC("abcd"), WC("efgh"), W("ij") };
    struct collect		c = { 0 };
    struct lines		lb;
    int				bad = 0;

    (void)state;
    lines_init(&lb, 0);
    c.stop_at = 1;
    c.stop_sts = 1;
    assert_int_equal(lines_feed(&lb, "a\nb\nc", 5, collect_cb, &c), 1);
    c.stop_at = 0;
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    bad += compare("complete lines left", &c, w1, 3);
    assert_int_equal(lb.len, 0);
    collect_free(&c);
    lines_free(&lb);

    lines_init(&lb, 4);
    c.stop_at = 1;
    c.stop_sts = 1;
    assert_int_equal(lines_feed(&lb, "abcdefghij", 10, collect_cb, &c), 1);
    c.stop_at = 0;
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    bad += compare("over maxline left", &c, w2, 3);
    collect_free(&c);
    lines_free(&lb);
    assert_int_equal(bad, 0);
}

/* lines_space() always offers at least LINES_MIN_READ after the data */
static void
test_space(void **state)
{
    struct collect	c = { 0 };
    struct lines	lb;
    char		*space;
    size_t		avail, i, total = 0;

    (void)state;
    lines_init(&lb, 0);
    for (i = 0; i < 5; i++) {
	assert_non_null(space = lines_space(&lb, &avail, collect_cb, &c));
	assert_true(avail >= LINES_MIN_READ);
	assert_ptr_equal(space, lb.buf + lb.len);
	memset(space, 'q', avail);
	assert_int_equal(lines_commit(&lb, avail, collect_cb, &c), 0);
	total += avail;
    }
    assert_int_equal(c.n, 0);
    assert_int_equal(lb.len, total);
    assert_true(total >= 5 * LINES_MIN_READ);
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.p[0].len, total);
    assert_int_equal(c.p[0].continued, 0);
    collect_free(&c);
    lines_free(&lb);
}

/* read text into lb as a read(2) would, committed counting */
static int
count_in(struct lines *lb, const char *text, struct collect *c,
	unsigned long *nl, unsigned long long *nb)
{
    size_t	avail, n = strlen(text);
    char	*space;

    assert_non_null(space = lines_space(lb, &avail, collect_cb, c));
    assert_true(avail >= n);
    memcpy(space, text, n);
    return lines_commit_count(lb, n, collect_cb, c, nl, nb);
}

/*
 * Counting instead of delivering (a consumer that drops every line):
 * complete lines are counted, an incomplete one at the end kept and
 * completed by the next commit; a read that completes a held line is an
 * ordinary commit; newlines are counted exactly at every alignment
 */
static void
test_commit_count(void **state)
{
    struct collect	c = { 0 };
    struct lines	lb;
    unsigned long	nl;
    unsigned long long	nb;
    char		*buf;
    size_t		i, j, want;

    (void)state;
    lines_init(&lb, 0);
    assert_int_equal(count_in(&lb, "a\nbb\n\nccc", &c, &nl, &nb), 0);
    assert_int_equal(nl, 3);
    assert_int_equal(nb, 3);
    assert_int_equal(c.n, 0);
    assert_int_equal(lb.len, 3);			/* "ccc" kept */
    /* a held line: an ordinary commit delivers it and what follows */
    assert_int_equal(count_in(&lb, "c\nd\ne", &c, &nl, &nb), 0);
    assert_int_equal(nl, 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.p[0].len, 4);
    assert_memory_equal(c.p[0].data, "cccc", 4);
    assert_memory_equal(c.p[1].data, "d", 1);
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    assert_int_equal(c.n, 3);				/* "e" */
    /* no newline at all: kept, as lines_commit keeps it */
    assert_int_equal(count_in(&lb, "xyz", &c, &nl, &nb), 0);
    assert_int_equal(nl, 0);
    assert_int_equal(lb.len, 3);
    assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
    assert_int_equal(c.n, 4);
    /* every length and offset around the word-at-a-time count */
    assert_non_null(buf = malloc(200));
    for (i = 1; i < 100; i++) {
	for (j = 0, want = 0; j < i; j++) {
	    buf[j] = (j * 7 + i) % 5 == 0 || j == i - 1 ? '\n' :
		     (char)(j % 3 == 0 ? 0x8a : 'a' + j % 26);
	    want += buf[j] == '\n';
	}
	buf[i] = '\0';
	/* (0x8a: the newline's low bits with the high bit set) */
	for (j = 0; j < i; j++)
	    if (buf[j] == '\0')
		buf[j] = 'z';
	assert_int_equal(count_in(&lb, buf, &c, &nl, &nb), 0);
	assert_int_equal(nl, want);
	assert_int_equal(nb, i - want);
	assert_int_equal(lb.len, 0);
    }
    assert_int_equal(c.n, 4);				/* nothing delivered */
    free(buf);
    collect_free(&c);
    lines_free(&lb);
}

/* ---- the budget: the buffer is charged, and cut short when refused ---- */

/* reassemble what was delivered; pieces never hold a newline */
static size_t
reassemble(const struct collect *c, char *out)
{
    size_t	i, n = 0;

    for (i = 0; i < c->n; i++) {
	assert_null(memchr(c->p[i].data, '\n', c->p[i].len));
	memcpy(out + n, c->p[i].data, c->p[i].len);
	n += c->p[i].len;
	if (!c->p[i].continued)
	    out[n++] = '\n';
    }
    return n;
}

/*
 * The buffer is charged as it grows (at most maxline + LINES_MIN_READ)
 * and given back when a line completes.
 */
static void
test_budget_charged(void **state)
{
    struct budget_acct	*a;
    struct collect	c = { 0 };
    struct lines	lb;
    char		*in;
    size_t		len = 300 * 1024, i;

    (void)state;
    budget_configure(&(struct budget_limits){ 64 << 20, 16 << 20, 1, 1 });
    a = budget_get(7000);
    assert_non_null(in = malloc(len + 1));
    memset(in, 'y', len);
    in[len] = '\n';
    lines_init(&lb, 256 * 1024);
    lb.acct = a;
    for (i = 0; i < len; i += 1000) {
	assert_int_equal(lines_feed(&lb, in + i, len - i < 1000 ? len - i : 1000,
				    collect_cb, &c), 0);
	assert_int_equal(budget_used(a), lb.cap);
	assert_true(lb.cap <= 256 * 1024 + LINES_MIN_READ);
    }
    assert_int_equal(lines_feed(&lb, in + len, 1, collect_cb, &c), 0);
    assert_int_equal(c.n, 2);			/* 256 KiB, then the rest */
    assert_int_equal(budget_used(a), 0);		/* nothing held, nothing kept */
    assert_null(lb.buf);
    lines_free(&lb);
    collect_free(&c);
    free(in);
    budget_put(a);
}

/*
 * A share too small for the line: what was held is delivered as a piece
 * whenever the buffer cannot grow, and with no room at all the scratch
 * buffer is read into; every byte arrives once, in order, and nothing
 * is charged beyond the share.
 */
static void
test_budget_refused(void **state)
{
    static const struct { size_t share, chunk; const char *name; } rows[] = {
	{ 96 * 1024, 1000, "room for one buffer, small reads" },
	{ 96 * 1024, 65536, "room for one buffer, full reads" },
	{ 0, 777, "no room: the scratch buffer" },
	{ 0, 65536, "no room, full reads" },
    };
    struct budget_acct	*a, *hog;
    struct collect	c = { 0 };
    struct lines	lb;
    char		*in, *out;
    size_t		len = 400 * 1024 + 10, i, k, n, pieces;

    (void)state;
    assert_non_null(in = malloc(len));
    assert_non_null(out = malloc(2 * len));
    for (i = 0; i < len; i++)
	in[i] = i % 100000 == 99999 ? '\n' : 'a' + i % 26;
    in[len - 1] = '\n';
    for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
	budget_configure(&(struct budget_limits){ 64 << 20, 128 << 10, 1, 1 });
	a = budget_get(7001);
	hog = budget_get(7002);
	/* another user holds all but a share's worth of the total... */
	budget_configure(&(struct budget_limits){ 4 << 20, 4 << 20, 1, 1 });
	assert_int_equal(budget_charge(hog, (4 << 20) - rows[k].share), 0);
	lines_init(&lb, 0);
	lb.acct = a;
	for (i = 0; i < len; i += n) {
	    n = len - i < rows[k].chunk ? len - i : rows[k].chunk;
	    assert_int_equal(lines_feed(&lb, in + i, n, collect_cb, &c), 0);
	    assert_true(budget_used(a) <= rows[k].share);
	}
	assert_int_equal(lines_flush(&lb, collect_cb, &c), 0);
	for (i = pieces = 0; i < c.n; i++)
	    pieces += c.p[i].continued;
	if (reassemble(&c, out) != len || memcmp(out, in, len) != 0 ||
	    pieces == 0 || lb.cuts != pieces) {
	    print_error("[%s] %zu pieces (%zu cut, cuts %lu), %zu bytes\n",
			rows[k].name, c.n, pieces, lb.cuts, reassemble(&c, out));
	    fail();
	}
	assert_int_equal(budget_used(a), 0);
	lines_free(&lb);
	collect_free(&c);
	budget_release(hog, (4 << 20) - rows[k].share);
	budget_put(hog);
	budget_put(a);
    }
    free(in);
    free(out);
}

/* a callback that charges each line, as a queue would */
static struct budget_acct	*queue_acct;
static int			queue_refused;

static int
queue_cb(void *arg, const char *line, size_t len, int continued)
{
    if (budget_charge(queue_acct, len) < 0)
	queue_refused++;
    return collect_cb(arg, line, len, continued);
}

/*
 * A line the buffer held within the share can move to a queue: the
 * buffer lends its charge while the line is delivered, and what it keeps
 * afterwards is charged again (shrunk to what the rest needs).
 */
static void
test_budget_lends(void **state)
{
    struct collect	c = { 0 };
    struct lines	lb;
    static char		in[100 * 1024];
    size_t		share = 200 * 1024;

    (void)state;
    budget_configure(&(struct budget_limits){ 64 << 20, share, 1, 1 });
    queue_acct = budget_get(7003);
    queue_refused = 0;
    memset(in, 'q', sizeof(in));
    lines_init(&lb, 0);
    lb.acct = queue_acct;
    assert_int_equal(lines_feed(&lb, in, sizeof(in), queue_cb, &c), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(lb.len, sizeof(in));
    assert_true(budget_used(queue_acct) > share / 2);	/* no room for a copy */
    assert_true(budget_used(queue_acct) <= share);
    /* the line ends, with the start of the next behind it */
    assert_int_equal(lines_feed(&lb, "\nnext", 5, queue_cb, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.p[0].len, sizeof(in));
    assert_int_equal(queue_refused, 0);
    /* the buffer now holds 4 bytes: it was shrunk, and charged for that */
    assert_int_equal(lb.len, 4);
    assert_int_equal(lb.cap, 4 + LINES_MIN_READ);
    assert_int_equal(budget_used(queue_acct), sizeof(in) + lb.cap);
    lines_free(&lb);
    budget_release(queue_acct, sizeof(in));
    assert_int_equal(budget_used(queue_acct), 0);
    collect_free(&c);
    queue_acct = budget_put(queue_acct);
}

int
main(void)
{
    const struct CMUnitTest	tests[] = {
	cmocka_unit_test(test_split_table),
	cmocka_unit_test(test_split_two_chunks),
	cmocka_unit_test(test_default_maxline),
	cmocka_unit_test(test_long_line),
	cmocka_unit_test(test_long_line_pieces),
	cmocka_unit_test(test_callback_stops),
	cmocka_unit_test(test_callback_stops_long),
	cmocka_unit_test(test_flush_status),
	cmocka_unit_test(test_flush_after_stop),
	cmocka_unit_test(test_space),
	cmocka_unit_test(test_budget_charged),
	cmocka_unit_test(test_budget_refused),
	cmocka_unit_test(test_budget_lends),
	cmocka_unit_test(test_commit_count),
    };

    return cmocka_run_group_tests_name("lines: byte stream to lines",
		tests, NULL, NULL);
}

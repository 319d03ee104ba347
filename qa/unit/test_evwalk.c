/*
 * test_evwalk.c - cmocka unit tests for evwalk.c, pmpipe's walk of packed
 * event arrays: well-formed arrays give back every record and value; a
 * malformed one (a pmcd that is hostile or broken) gives -EPROTO and is
 * never read past its end.  Each array sits in a heap block of exactly its
 * length, so a read beyond it is caught by valgrind (make unit-valgrind)
 * or ASan; the walk also touches every value byte it hands out, as
 * pmpipe does when it prints a line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../../evwalk.h"

#define RECORD_HDR	offsetof(pmEventRecord, er_param)
#define ARRAY_HDR	offsetof(pmEventArray, ea_record)

/* an event array under construction */
struct build {
    char	*buf;
    size_t	len;
};

static void *
grow(struct build *b, size_t n)
{
    char	*p = realloc(b->buf, b->len + n);

    assert_non_null(p);
    b->buf = p;
    memset(p + b->len, 0, n);
    b->len += n;
    return p + b->len - n;
}

/* the array header: type and length (set by b_finish), record count */
static void
b_start(struct build *b, int nrecords)
{
    char	*p;

    b->buf = NULL;
    b->len = 0;
    p = grow(b, ARRAY_HDR);
    memcpy(p + offsetof(pmEventArray, ea_nrecords), &nrecords, sizeof(nrecords));
}

static void
b_record(struct build *b, unsigned int flags, int nparams)
{
    pmEventRecord	*er = grow(b, RECORD_HDR);

    er->er_timestamp.tv_sec = 1;
    er->er_flags = flags;
    er->er_nparams = nparams;
}

/* a parameter whose ep_len says eplen, followed by n value bytes */
static void
b_param_raw(struct build *b, pmID pmid, int type, unsigned int eplen,
	const void *val, size_t n)
{
    pmEventParameter	*ep = grow(b, sizeof(*ep));

    ep->ep_pmid = pmid;
    ep->ep_type = type;
    ep->ep_len = eplen;
    if (n)
	memcpy(grow(b, n), val, n);
}

/* a well-formed parameter: header, value, padding to 4 bytes */
static void
b_param(struct build *b, pmID pmid, int type, const void *val, size_t n)
{
    static const char	zero[4];

    b_param_raw(b, pmid, type, PM_VAL_HDR_SIZE + n, val, n);
    if (n % 4)
	memcpy(grow(b, 4 - n % 4), zero, 4 - n % 4);
}

static void
b_string(struct build *b, pmID pmid, const char *s)
{
    b_param(b, pmid, PM_TYPE_STRING, s, strlen(s));
}

/* the array in a block of exactly its length, its vlen set */
static pmValueBlock *
b_finish(struct build *b, size_t vlen)
{
    pmValueBlock	*vb;

    assert_true(vlen <= b->len);
    vb = malloc(b->len);
    assert_non_null(vb);
    memcpy(vb, b->buf, b->len);
    free(b->buf);
    b->buf = NULL;
    vb->vtype = PM_TYPE_EVENT;
    vb->vlen = vlen;
    return vb;
}

static pmValueBlock *
b_done(struct build *b)
{
    return b_finish(b, b->len);
}

/* what a walk saw: "R<flags>/<nparams>" per record, "P<pmid>=<value>" per parameter */
struct seen {
    char	text[512];
    int		sts;		/* the walk's last status */
};

static void
say(struct seen *s, const char *fmt, ...)
{
    size_t	n = strlen(s->text);
    va_list	ap;

    va_start(ap, fmt);
    vsnprintf(s->text + n, sizeof(s->text) - n, fmt, ap);
    va_end(ap);
}

/* walk vb as pmpipe does, reading every value byte handed out */
static void
walk(const pmValueBlock *vb, struct seen *s)
{
    struct evwalk		w;
    const pmEventRecord		*er;
    const pmEventParameter	*ep;
    const char			*vbuf;
    size_t			vlen, i;
    unsigned int		sum;
    int				sts;

    memset(s, 0, sizeof(*s));
    if ((s->sts = evwalk_init(&w, vb)) < 0)
	return;
    while ((sts = evwalk_record(&w, &er)) > 0) {
	say(s, "R%x/%d ", er->er_flags, er->er_nparams);
	while ((sts = evwalk_param(&w, &ep, &vbuf, &vlen)) > 0) {
	    assert_true(vbuf >= (const char *)vb);
	    assert_true(vbuf + vlen <= (const char *)vb + vb->vlen);
	    for (i = 0, sum = 0; i < vlen; i++)
		sum += (unsigned char)vbuf[i];
	    if (ep->ep_type == PM_TYPE_STRING)
		say(s, "P%u=%.*s ", ep->ep_pmid, (int)vlen, vbuf);
	    else if (ep->ep_type == PM_TYPE_32 && vlen == 4)
		say(s, "P%u=%d ", ep->ep_pmid, *(const int *)vbuf);
	    else
		say(s, "P%u=<%zu bytes, sum %u> ", ep->ep_pmid, vlen, sum);
	}
	if (sts < 0)
	    break;
    }
    s->sts = sts;
}

static void
expect(pmValueBlock *vb, int sts, const char *text)
{
    struct seen	s;

    walk(vb, &s);
    free(vb);
    assert_string_equal(s.text, text);
    assert_int_equal(s.sts, sts);
}

static void
test_wellformed(void **state)
{
    struct build	b;
    int			three = 3;

    (void)state;
    b_start(&b, 4);
    b_record(&b, PM_EVENT_FLAG_START, 2);
    b_string(&b, 10, "hello");
    b_string(&b, 11, "to stderr");
    b_record(&b, PM_EVENT_FLAG_MISSED, 7);
    b_record(&b, PM_EVENT_FLAG_POINT, 1);
    b_string(&b, 10, "");
    b_record(&b, PM_EVENT_FLAG_END, 1);
    b_param(&b, 12, PM_TYPE_32, &three, sizeof(three));
    expect(b_done(&b), 0,
	   "R2/2 P10=hello P11=to stderr R80000000/7 R1/1 P10= R4/1 P12=3 ");
}

static void
test_empty(void **state)
{
    struct build	b;

    (void)state;
    b_start(&b, 0);
    expect(b_done(&b), 0, "");
}

/* lengths of 1..4 bytes pad to 4: the next parameter is found */
static void
test_padding(void **state)
{
    struct build	b;

    (void)state;
    b_start(&b, 1);
    b_record(&b, PM_EVENT_FLAG_POINT, 5);
    b_string(&b, 1, "a");
    b_string(&b, 2, "bb");
    b_string(&b, 3, "ccc");
    b_string(&b, 4, "dddd");
    b_string(&b, 5, "eeeee");
    expect(b_done(&b), 0, "R1/5 P1=a P2=bb P3=ccc P4=dddd P5=eeeee ");
}

/* parameters the caller does not walk are skipped, and checked */
static void
test_skip_unwalked(void **state)
{
    struct build		b;
    struct evwalk		w;
    const pmEventRecord		*er;
    pmValueBlock		*vb;

    (void)state;
    b_start(&b, 2);
    b_record(&b, PM_EVENT_FLAG_POINT, 2);
    b_string(&b, 1, "skipped");
    b_string(&b, 2, "too");
    b_record(&b, PM_EVENT_FLAG_END, 0);
    vb = b_done(&b);
    assert_int_equal(evwalk_init(&w, vb), 0);
    assert_int_equal(evwalk_record(&w, &er), 1);
    assert_int_equal(er->er_nparams, 2);
    assert_int_equal(evwalk_record(&w, &er), 1);
    assert_int_equal(er->er_flags, PM_EVENT_FLAG_END);
    assert_int_equal(evwalk_record(&w, &er), 0);
    free(vb);

    b_start(&b, 2);
    b_record(&b, PM_EVENT_FLAG_POINT, 2);
    b_string(&b, 1, "skipped");
    b_param_raw(&b, 2, PM_TYPE_STRING, 0, NULL, 0);
    b_record(&b, PM_EVENT_FLAG_END, 0);
    vb = b_done(&b);
    assert_int_equal(evwalk_init(&w, vb), 0);
    assert_int_equal(evwalk_record(&w, &er), 1);
    assert_int_equal(evwalk_record(&w, &er), -EPROTO);
    free(vb);
}

/* the array's own header does not fit, or its count is negative */
static void
test_bad_array(void **state)
{
    struct build	b;

    (void)state;
    b_start(&b, 1);
    expect(b_finish(&b, 4), -EPROTO, "");
    b_start(&b, -1);
    expect(b_done(&b), -EPROTO, "");
}

/* more records counted than there are */
static void
test_records_past_end(void **state)
{
    struct build	b;

    (void)state;
    b_start(&b, 3);
    b_record(&b, PM_EVENT_FLAG_START, 1);
    b_string(&b, 10, "one");
    expect(b_done(&b), -EPROTO, "R2/1 P10=one ");

    /* half a record header at the end */
    b_start(&b, 2);
    b_record(&b, PM_EVENT_FLAG_START, 0);
    grow(&b, RECORD_HDR / 2);
    expect(b_done(&b), -EPROTO, "R2/0 ");
}

/* a record with a negative parameter count, or more than it holds */
static void
test_bad_nparams(void **state)
{
    struct build	b;

    (void)state;
    b_start(&b, 1);
    b_record(&b, PM_EVENT_FLAG_POINT, -1);
    expect(b_done(&b), -EPROTO, "");

    b_start(&b, 1);
    b_record(&b, PM_EVENT_FLAG_POINT, 3);
    b_string(&b, 10, "only one");
    expect(b_done(&b), -EPROTO, "R1/3 P10=only one ");
}

/* ep_len shorter than the value header: vlen would underflow */
static void
test_eplen_underflow(void **state)
{
    static const unsigned int	short_lens[] = { 0, 1, 2, 3 };
    struct build		b;
    size_t			i;

    (void)state;
    for (i = 0; i < sizeof(short_lens) / sizeof(short_lens[0]); i++) {
	b_start(&b, 1);
	b_record(&b, PM_EVENT_FLAG_POINT, 2);
	b_param_raw(&b, 10, PM_TYPE_STRING, short_lens[i], "abcd", 4);
	b_string(&b, 11, "after");
	expect(b_done(&b), -EPROTO, "R1/2 ");
    }
}

/* a value longer than what is left of the array */
static void
test_value_past_end(void **state)
{
    struct build	b;

    (void)state;
    /* by one byte */
    b_start(&b, 1);
    b_record(&b, PM_EVENT_FLAG_POINT, 1);
    b_param_raw(&b, 10, PM_TYPE_STRING, PM_VAL_HDR_SIZE + 9, "12345678", 8);
    expect(b_done(&b), -EPROTO, "R1/1 ");

    /* the largest ep_len there is */
    b_start(&b, 1);
    b_record(&b, PM_EVENT_FLAG_POINT, 1);
    b_param_raw(&b, 10, PM_TYPE_STRING, 0xffffff, "x", 1);
    expect(b_done(&b), -EPROTO, "R1/1 ");

    /* a parameter header cut short */
    b_start(&b, 1);
    b_record(&b, PM_EVENT_FLAG_POINT, 1);
    grow(&b, sizeof(pmEventParameter) / 2);
    expect(b_done(&b), -EPROTO, "R1/1 ");
}

/* vlen shorter than the records written: nothing after it is read */
static void
test_vlen_cuts(void **state)
{
    struct build	b;
    size_t		cut;

    (void)state;
    b_start(&b, 2);
    b_record(&b, PM_EVENT_FLAG_START, 1);
    b_string(&b, 10, "first");
    cut = b.len;
    b_record(&b, PM_EVENT_FLAG_END, 1);
    b_string(&b, 10, "second");
    expect(b_finish(&b, cut), -EPROTO, "R2/1 P10=first ");
}

int
main(void)
{
    const struct CMUnitTest	tests[] = {
	cmocka_unit_test(test_wellformed),
	cmocka_unit_test(test_empty),
	cmocka_unit_test(test_padding),
	cmocka_unit_test(test_skip_unwalked),
	cmocka_unit_test(test_bad_array),
	cmocka_unit_test(test_records_past_end),
	cmocka_unit_test(test_bad_nparams),
	cmocka_unit_test(test_eplen_underflow),
	cmocka_unit_test(test_value_past_end),
	cmocka_unit_test(test_vlen_cuts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_text.c - cmocka unit tests for text.c: instance names as path
 * components (no escape, no collision) and untrusted text in log lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../text.h"

static const struct { const char *name, *label; } label_cases[] = {
    { "hello", "hello" },
    { "bdev_trace-2", "bdev_trace-2" },
    { "trace:sda", "trace%3Asda" },
    { "blk/sda", "blk%2Fsda" },
    { ";34@#bleurg", "%3B34%40%23bleurg" },
    { ".", "%2E" },
    { "..", "%2E%2E" },
    { "../../etc", "%2E%2E%2F%2E%2E%2Fetc" },
    { ".hidden", "%2Ehidden" },
    { "a.b", "a%2Eb" },
    { "100%", "100%25" },
    { "caf\xc3\xa9", "caf%C3%A9" },
    { "~x", "%7Ex" },
};

static void
test_label_table(void **state)
{
    char	buf[TEXT_LABEL_MAX + 1];
    size_t	i;
    int		bad = 0;

    (void)state;
    for (i = 0; i < sizeof(label_cases) / sizeof(label_cases[0]); i++) {
	text_path_label(label_cases[i].name, buf);
	if (strcmp(buf, label_cases[i].label) != 0) {
	    print_error("[%s] got %s want %s\n", label_cases[i].name, buf,
			label_cases[i].label);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
}

/* labels of long names: bounded, cut on a whole character, distinct */
static void
test_label_long(void **state)
{
    char	name[2048], a[TEXT_LABEL_MAX + 1], b[TEXT_LABEL_MAX + 1];
    size_t	i, n;

    (void)state;
    memset(name, 'x', 1024);
    name[1024] = '\0';
    text_path_label(name, a);
    assert_true(strlen(a) <= TEXT_LABEL_MAX);
    assert_non_null(strchr(a, '~'));
    /* one byte different at the very end: a different label */
    name[1023] = 'y';
    text_path_label(name, b);
    assert_true(strlen(b) <= TEXT_LABEL_MAX);
    assert_string_not_equal(a, b);
    /* exactly TEXT_LABEL_MAX plain characters: kept whole */
    name[TEXT_LABEL_MAX] = '\0';
    text_path_label(name, a);
    assert_int_equal(strlen(a), TEXT_LABEL_MAX);
    assert_null(strchr(a, '~'));
    /* encoded bytes are never split by the cut */
    for (n = 40; n < 70; n++) {
	for (i = 0; i < n; i++)
	    name[i] = (i % 3) ? '/' : 'a';
	name[n] = '\0';
	text_path_label(name, a);
	assert_true(strlen(a) <= TEXT_LABEL_MAX);
	for (i = 0; a[i] && a[i] != '~'; i++)
	    if (a[i] == '%')
		assert_true(a[i + 1] != '\0' && a[i + 1] != '~' &&
			    a[i + 2] != '\0' && a[i + 2] != '~');
    }
}

/* no label holds '/', is "." or "..", or starts with '.': for every byte */
static void
test_label_bytes(void **state)
{
    char	name[4], buf[TEXT_LABEL_MAX + 1], seen[256][TEXT_LABEL_MAX + 1];
    int		c, d;

    (void)state;
    for (c = 1; c < 256; c++) {
	name[0] = (char)c;
	name[1] = '\0';
	text_path_label(name, buf);
	assert_null(strchr(buf, '/'));
	assert_true(buf[0] != '.');
	snprintf(seen[c], sizeof(seen[c]), "%s", buf);
	for (d = 1; d < c; d++)
	    assert_string_not_equal(seen[c], seen[d]);
    }
}

static const struct { const char *in; size_t len, max; const char *out; } log_cases[] = {
    { "plain text", 100, 200, "plain text" },
    { "a\nInfo: forged", 100, 200, "a\\nInfo: forged" },
    { "tab\there", 100, 200, "tab\\there" },
    { "q\"uote\\", 100, 200, "q\\\"uote\\\\" },
    { "bell\a del\x7f esc\x1b", 100, 200, "bell\\x07 del\\x7f esc\\x1b" },
    { "0123456789", 100, 4, "0123..." },
    { "0123", 100, 4, "0123" },
    { "no NUL needed", 2, 200, "no" },
    { "\xc3\xa9", 100, 200, "\xc3\xa9" },
};

static void
test_log_table(void **state)
{
    char	out[text_log_size(200)];
    size_t	i;
    int		bad = 0;

    (void)state;
    for (i = 0; i < sizeof(log_cases) / sizeof(log_cases[0]); i++) {
	text_log(log_cases[i].in, log_cases[i].len, log_cases[i].max, out);
	if (strcmp(out, log_cases[i].out) != 0) {
	    print_error("[%zu] got \"%s\" want \"%s\"\n", i, out,
			log_cases[i].out);
	    bad++;
	}
    }
    assert_int_equal(bad, 0);
}

/* the worst case fits text_log_size */
static void
test_log_worst(void **state)
{
    char	in[64], out[text_log_size(64)];

    (void)state;
    memset(in, '\001', sizeof(in));
    text_log(in, sizeof(in), sizeof(in), out);
    assert_int_equal(strlen(out), 4 * sizeof(in));
    text_log(in, sizeof(in), 10, out);
    assert_int_equal(strlen(out), 4 * 10 + 3);
}

/* TEXT_LOGSTR: NULL-safe, cut at TEXT_LOG_MAX, a buffer of its own per use */
static void
test_logstr(void **state)
{
    char	in[TEXT_LOG_MAX + 50], want[TEXT_LOG_MAX + 4], both[64];

    (void)state;
    memset(in, 'a', sizeof(in) - 1);
    in[sizeof(in) - 1] = '\0';
    memset(want, 'a', TEXT_LOG_MAX);
    strcpy(want + TEXT_LOG_MAX, "...");
    assert_string_equal(TEXT_LOGSTR(in), want);
    assert_string_equal(TEXT_LOGSTR(NULL), "");
    snprintf(both, sizeof(both), "%s|%s", TEXT_LOGSTR("a\nb"),
	     TEXT_LOGSTR("c\"d"));
    assert_string_equal(both, "a\\nb|c\\\"d");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_label_table),
	cmocka_unit_test(test_label_long),
	cmocka_unit_test(test_label_bytes),
	cmocka_unit_test(test_log_table),
	cmocka_unit_test(test_log_worst),
	cmocka_unit_test(test_logstr),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_lines.c - libFuzzer target: a byte stream split into lines, fed in
 * chunks whose sizes come from the input, must reassemble to the input
 * (every byte delivered once, newlines only where lines end, pieces never
 * over maxline).  With the top bit of the first byte set the splitter's
 * budget account has no room at all, so every read goes through the
 * shared scratch buffer and incomplete lines are cut into pieces: the
 * same must hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../lines.h"

struct sink {
    char	*out;
    size_t	len, maxline;
};

static int
collect(void *arg, const char *line, size_t len, int continued)
{
    struct sink	*s = arg;

    if (len > s->maxline || memchr(line, '\n', len) != NULL)
	abort();
    memcpy(s->out + s->len, line, len);
    s->len += len;
    if (!continued)
	s->out[s->len++] = '\n';
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lines	lb;
    struct sink		s;
    struct budget_acct	*acct = NULL;
    size_t		off = 0, chunk, maxline;
    int			starved;

    if (size < 2)
	return 0;
    starved = data[0] & 0x80;
    maxline = 1 + (data[0] & 0x7f) % 64;
    chunk = 1 + data[1] % 200;
    data += 2;
    size -= 2;
    /* every byte once, plus at most one newline per byte */
    if ((s.out = malloc(2 * size + 2)) == NULL)
	return 0;
    s.len = 0;
    s.maxline = maxline;
    lines_init(&lb, maxline);
    if (starved) {
	budget_configure(&(struct budget_limits){ 64 << 20, 64 << 10, 1, 1 });
	acct = budget_get(1000);
	budget_force(acct, 64 << 10);	/* its whole share */
	lb.acct = acct;
    }
    while (off < size) {
	size_t	n = size - off < chunk ? size - off : chunk;

	lines_feed(&lb, (const char *)data + off, n, collect, &s);
	off += n;
    }
    lines_flush(&lb, collect, &s);
    lines_free(&lb);
    if (acct) {
	budget_release(acct, 64 << 10);
	budget_put(acct);
    }
    /* reassembled output == input, but for a final newline we added */
    if (s.len < size || memcmp(s.out, data, size) != 0)
	abort();
    if (s.len > size + 1)
	abort();
    free(s.out);
    return 0;
}

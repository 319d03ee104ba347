/*
 * flood.c - a producer for bench/pipe.sh: writes the same line as fast as
 * its stdout takes it for SECS seconds, then writes how many whole lines
 * it wrote to FILE.  It retries when stdout is non-blocking and full (the
 * stock pipe PMDA hands its commands such a pipe; yes and seq die there),
 * so both PMDAs see the same offered load and the count says what was
 * produced.
 *
 *	flood SECS FILE [LINE]
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH	(64 * 1024)

static double
now(void)
{
    struct timespec	ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    static char		buf[BATCH];
    const char		*line = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct pollfd	pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
    unsigned long long	bytes = 0;
    size_t		len, fill, off;
    double		end;
    ssize_t		n;
    FILE		*f;

    if (argc < 3 || argc > 4) {
	fprintf(stderr, "Usage: %s SECS FILE [LINE]\n", argv[0]);
	return 2;
    }
    if (argc == 4)
	line = argv[3];
    len = strlen(line) + 1;
    if (len > BATCH / 2) {
	fprintf(stderr, "%s: line too long\n", argv[0]);
	return 2;
    }
    for (fill = 0; fill + len <= BATCH; fill += len) {
	memcpy(buf + fill, line, len - 1);
	buf[fill + len - 1] = '\n';
    }
    end = now() + atof(argv[1]);
    while (now() < end) {
	/* stop only at a line boundary: no partial last line */
	for (off = 0; off < fill && (off % len != 0 || now() < end); ) {
	    n = write(STDOUT_FILENO, buf + off, fill - off);
	    if (n > 0) {
		off += n;
		bytes += n;
	    } else if (n < 0 && errno == EAGAIN) {
		poll(&pfd, 1, 100);
	    } else if (n < 0 && errno != EINTR) {
		goto out;	/* the reader went away */
	    }
	}
    }
out:
    if ((f = fopen(argv[2], "w")) == NULL) {
	perror(argv[2]);
	return 1;
    }
    fprintf(f, "%llu\n", bytes / len);
    return fclose(f) == 0 ? 0 : 1;
}

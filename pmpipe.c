/*
 * pmpipe - run a pmdapipe command and print its output, like a local
 * command: stdout lines to stdout, stderr lines to stderr, the command's
 * exit status as ours.  On several hosts at once, every line says which
 * host it comes from, and the exit status is the worst of them.
 *
 *	pmpipe [-cq] [-h host ...] [-H file] [-t interval] [-T secs]
 *		INSTANCE [PARAMS...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcp/pmapi.h>
#include "fanout.h"

struct hosts {
    char		**v;
    int			n;
};

static void
usage(void)
{
    fprintf(stderr, "Usage: %s [-cq] [-h host ...] [-H file] [-t interval] [-T secs] "
	    "INSTANCE [PARAMS...]\n"
	    "  -h host      a pmcd host spec (default local:, which passes your identity);\n"
	    "               several -h run the command on every host at once\n"
	    "  -H file      more hosts, one per line (# comments)\n"
	    "  -q           no \"host: \" before the lines of several hosts\n"
	    "  -t interval  fetch interval, e.g. 0.25 or 1s (default 0.25)\n"
	    "  -c           count records instead of printing them\n"
	    "  -T secs      stop after this long even if the command has not ended\n",
	    pmGetProgname());
    exit(1);
}

static int
add_host(struct hosts *h, const char *spec, size_t len)
{
    char	**nv;

    if ((nv = realloc(h->v, (h->n + 1) * sizeof(char *))) == NULL)
	return -ENOMEM;
    h->v = nv;
    if ((h->v[h->n] = strndup(spec, len)) == NULL)
	return -ENOMEM;
    h->n++;
    return 0;
}

/* one host spec per line; blank lines and # comments are skipped */
static int
read_hosts(struct hosts *h, const char *file)
{
    FILE	*f;
    char	buf[4096], *p, *e;
    int		sts = 0, lineno = 0;

    if ((f = fopen(file, "r")) == NULL) {
	fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), file, strerror(errno));
	return -1;
    }
    while (sts == 0 && fgets(buf, sizeof(buf), f) != NULL) {
	lineno++;
	if (strchr(buf, '\n') == NULL && !feof(f)) {
	    fprintf(stderr, "%s: %s:%d: line too long\n", pmGetProgname(),
		    file, lineno);
	    sts = -1;
	    break;
	}
	if ((p = strchr(buf, '#')) != NULL)
	    *p = '\0';
	for (p = buf; *p == ' ' || *p == '\t'; p++)
	    ;
	for (e = p + strlen(p); e > p && strchr(" \t\r\n", e[-1]); e--)
	    ;
	if (e > p && (sts = add_host(h, p, e - p)) < 0)
	    fprintf(stderr, "%s: %s\n", pmGetProgname(), strerror(-sts));
    }
    if (sts == 0 && ferror(f)) {
	fprintf(stderr, "%s: %s: %s\n", pmGetProgname(), file, strerror(errno));
	sts = -1;
    }
    fclose(f);
    return sts;
}

int
main(int argc, char **argv)
{
    struct run_opts	o = { .interval = 0.25 };
    struct hosts	h = { NULL, 0 };
    char		*params = NULL, *end;
    size_t		len = 0;
    int			i, opt, from_file = 0, quiet = 0, sts = 1;

    pmSetProgname(argv[0]);
    while ((opt = getopt(argc, argv, "ch:H:qt:T:?")) != -1) {
	switch (opt) {
	case 'c':
	    o.count = 1;
	    break;
	case 'h':
	    if (add_host(&h, optarg, strlen(optarg)) < 0)
		goto out;
	    break;
	case 'H':
	    if (read_hosts(&h, optarg) < 0)
		goto out;
	    from_file = 1;
	    break;
	case 'q':
	    quiet = 1;
	    break;
	case 'T':
	    o.limit = strtod(optarg, &end);
	    if (*end != '\0' || o.limit <= 0)
		usage();
	    break;
	case 't':
	    o.interval = strtod(optarg, &end);
	    if (*end == 's')
		end++;
	    if (*end != '\0' || o.interval <= 0 || o.interval > 3600)
		usage();
	    break;
	default:
	    usage();
	}
    }
    if (optind >= argc)
	usage();
    if (h.n == 0 && from_file) {
	fprintf(stderr, "%s: no hosts in the -H file\n", pmGetProgname());
	goto out;
    }
    if (h.n == 0 && add_host(&h, "local:", 6) < 0)
	goto out;
    o.inst = argv[optind++];
    for (i = optind; i < argc; i++)
	len += strlen(argv[i]) + 1;
    if ((params = calloc(1, len + 1)) == NULL)
	goto out;
    for (i = optind; i < argc; i++) {
	if (i > optind)
	    strcat(params, " ");
	strcat(params, argv[i]);
    }
    o.params = params;
    o.many = h.n > 1;
    o.prefix = (h.n > 1 || from_file) && !quiet;
    clock_gettime(CLOCK_MONOTONIC, &o.t0);

    sts = fanout((const char *const *)h.v, h.n, &o);

out:
    for (i = 0; i < h.n; i++)
	free(h.v[i]);
    free(h.v);
    free(params);
    return sts;
}

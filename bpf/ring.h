/*
 * ring.h - consumer of a BPF ring buffer map that publishes how far it
 * has read once per batch, not after every record.
 *
 * The producer (bpf_ringbuf_reserve) reads the consumer position on
 * every reservation; libbpf's consumer stores it after each record, so
 * while we drain, every reservation misses that cache line.  Here it is
 * stored every RING_PUBLISH bytes and at the end of a drain.
 */
#ifndef MT_RING_H
#define MT_RING_H

#include <stddef.h>

#define RING_PUBLISH	(256 << 10)

struct ring {
    int			fd;		/* the map; pollable */
    size_t		size;		/* data bytes, a power of two */
    size_t		pgsz;
    unsigned long	*consumer;	/* our position (mapped read-write) */
    void		*prod_map;	/* producer page + data mapped twice */
    const unsigned long	*producer;
    const unsigned char	*data;
};

/* a record: return < 0 to stop (that error is returned) */
typedef int (*ring_fn)(void *ctx, const void *rec, size_t len);

/* map the ring buffer map_fd of size data bytes; -errno */
int ring_open(struct ring *r, int map_fd, size_t size);

/* every committed record, in order; the count, or the callback's error */
long ring_consume(struct ring *r, ring_fn fn, void *ctx);

void ring_close(struct ring *r);

#endif /* MT_RING_H */

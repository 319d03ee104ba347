/*
 * ring.c - BPF ring buffer consumer (see ring.h).
 *
 * Layout (kernel/bpf/ringbuf.c): page 0 holds the consumer position and
 * is writable by us; page 1 the producer position; the data pages
 * follow, mapped twice in a row so that a record wrapping around the
 * end reads as one piece.  Each record starts with an 8-byte header
 * whose first word is its length, with a busy bit while the producer
 * still writes it and a discard bit for records it gave back.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "ring.h"

int
ring_open(struct ring *r, int map_fd, size_t size)
{
    void	*c, *p;

    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->pgsz = (size_t)sysconf(_SC_PAGESIZE);
    if (size == 0 || (size & (size - 1)) != 0)
	return -EINVAL;
    c = mmap(NULL, r->pgsz, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
    if (c == MAP_FAILED)
	return -errno;
    p = mmap(NULL, r->pgsz + 2 * size, PROT_READ, MAP_SHARED, map_fd,
	     (off_t)r->pgsz);
    if (p == MAP_FAILED) {
	int	sts = -errno;

	munmap(c, r->pgsz);
	return sts;
    }
    r->fd = map_fd;
    r->size = size;
    r->consumer = c;
    r->prod_map = p;
    r->producer = p;
    r->data = (const unsigned char *)p + r->pgsz;
    return 0;
}

long
ring_consume(struct ring *r, ring_fn fn, void *ctx)
{
    unsigned long	cons, prod, published;
    const unsigned int	*hdr;
    unsigned int	len;
    long		n = 0;
    int			sts;

    if (r->consumer == NULL)
	return 0;
    cons = published = *r->consumer;
    for (;;) {
	prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	if (cons >= prod)
	    break;
	while (cons < prod) {
	    hdr = (const unsigned int *)(r->data + (cons & (r->size - 1)));
	    len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
	    if (len & BPF_RINGBUF_BUSY_BIT)
		goto done;		/* not committed yet */
	    cons += (BPF_RINGBUF_HDR_SZ +
		     (len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT))
		     + 7) & ~7UL;
	    if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
		sts = fn(ctx, (const unsigned char *)hdr + BPF_RINGBUF_HDR_SZ,
			 len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT));
		if (sts < 0) {
		    __atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
		    return sts;
		}
		n++;
	    }
	    if (cons - published >= RING_PUBLISH) {
		__atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
		published = cons;
	    }
	}
    }
done:
    if (cons != published)
	__atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
    return n;
}

void
ring_close(struct ring *r)
{
    if (r->consumer)
	munmap(r->consumer, r->pgsz);
    if (r->prod_map)
	munmap(r->prod_map, r->pgsz + 2 * r->size);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}

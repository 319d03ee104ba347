/*
 * probes.h - where to place the uprobes on a libc: symbol lookup in the
 * ELF file and the choice of an attach offset that the kernel can
 * handle without single-stepping.
 */
#ifndef MT_PROBES_H
#define MT_PROBES_H

#include <stddef.h>

#define PROBES_MAX	16
#define PROBE_MAX_SKIP	4	/* instructions we may move past */

struct probe {
    const char		*name;		/* symbol that gave the address */
    int			op;		/* enum mt_op, the BPF cookie */
    int			ret;		/* also needs a return probe */
    unsigned long	vaddr;		/* ELF address of the symbol */
    unsigned long	entry;		/* its file offset */
    unsigned long	offset;		/* file offset to attach at */
    char		why[96];	/* how offset was chosen */
};

#define SITES_MAX	32	/* malloc return sites */

/* a branch in glibc's malloc after which it returns (see probes.c) */
struct site {
    unsigned long	vaddr;
    unsigned long	offset;		/* file offset to attach at */
    unsigned		cookie;		/* MT_OP_MALLOC | MT_CK_SITE | ... */
};

struct probe_set {
    struct probe	p[PROBES_MAX];
    int			n;
    int			glibc;		/* glibc's allocator: usable sizes */
    char		glibc_why[96];	/* why not */
    struct site		site[SITES_MAX];
    int			nsites;		/* 0: none usable */
    char		sites_why[96];	/* how many, or why none */
    /* glibc's free past its load of the header into %rax (probes.c) */
    int			free_site;	/* found */
    int			free_ret;	/* return address at %rsp + this */
    unsigned long	free_offset;
    char		free_why[96];
};

/*
 * Find the allocator functions in the ELF file at path and choose their
 * attach offsets.  Functions the file lacks are left out; returns the
 * number found, or -errno with a message in err.
 */
int probes_resolve(const char *path, struct probe_set *ps, char *err, size_t errlen);

/* x86-64 instruction checks, exposed for tests */
int insn_emulated(const unsigned char *b, size_t n);
int insn_passable(const unsigned char *b, size_t n, unsigned keep);

#endif /* MT_PROBES_H */

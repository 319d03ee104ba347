/*
 * probes.c - symbol lookup and attach offsets for the libc uprobes.
 *
 * A uprobe replaces an instruction with int3.  On x86-64 the kernel
 * emulates a few instructions when the breakpoint hits (push of a
 * register, jmp, call, jcc); every other one is copied to an
 * out-of-line slot and single-stepped, which costs a second trap.
 * Debian's glibc starts free() with "test %rdi,%rdi" (single-stepped,
 * ~15 us per call here) followed by a jcc (emulated, ~1 us).
 *
 * So before attaching at a function's entry we look at its first
 * instructions.  If the first one is not emulated, we may move past up
 * to PROBE_MAX_SKIP instructions, but only past instructions that
 *   - never branch, so every call still reaches the new offset once,
 *   - write no memory and leave %rsp alone, so the return address is
 *     still at (%rsp) for the return probe and the caller check,
 *   - write no register the BPF program reads at entry: test and cmp
 *     (flags only), mov of a register or immediate into a register the
 *     program does not read,
 * and only to an instruction the kernel emulates.  Finally the new
 * offset must not be reachable other than from the entry: no symbol
 * starts in (entry, new], and no direct jmp/jcc/call anywhere in the
 * file's executable sections targets that range (a byte pattern scan:
 * false matches only make us keep the entry).  Any doubt keeps the
 * entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "memtrack.h"
#include "probes.h"
#include "x86.h"

/* x86-64 register numbers as ModRM and REX encode them */
#define REG_RDX		2
#define REG_RSP		4
#define REG_RSI		6
#define REG_RDI		7
#define R(x)		(1u << REG_##x)

static const struct fn_desc {
    const char	*name;
    int		op;
    int		ret;		/* needs a return probe */
    unsigned	reads;		/* registers read at entry */
} fns[] = {
    { "malloc",		MT_OP_MALLOC,		1, R(RDI) },
    { "calloc",		MT_OP_CALLOC,		1, R(RDI) | R(RSI) },
    { "realloc",	MT_OP_REALLOC,		1, R(RDI) | R(RSI) },
    { "reallocarray",	MT_OP_REALLOCARRAY,	1, R(RDI) | R(RSI) | R(RDX) },
    { "free",		MT_OP_FREE,		0, R(RDI) },
    /* before aligned_alloc: glibc < 2.38 has one function for both */
    { "memalign",	MT_OP_MEMALIGN,		1, R(RDI) | R(RSI) },
    { "aligned_alloc",	MT_OP_ALIGNED_ALLOC,	1, R(RDI) | R(RSI) },
    { "posix_memalign",	MT_OP_POSIX_MEMALIGN,	1, R(RDI) | R(RSI) | R(RDX) },
    { "valloc",		MT_OP_VALLOC,		1, R(RDI) },
    { "pvalloc",	MT_OP_PVALLOC,		1, R(RDI) },
    { "mmap",		MT_OP_MMAP,		1, R(RDI) | R(RSI) },
    { "munmap",		MT_OP_MUNMAP,		0, R(RDI) | R(RSI) },
    { "sbrk",		MT_OP_SBRK,		1, R(RDI) },
    { "brk",		MT_OP_BRK,		0, R(RDI) },
};
#define NFNS	(sizeof(fns) / sizeof(fns[0]))
#define F_MALLOC	0	/* indexes of fns[] */
#define F_FREE		4

/* symbols that tell glibc's allocator apart (after fns[] in found[]) */
static const char *const marks[] = {
    "__libc_malloc", "gnu_get_libc_version", "malloc_usable_size",
};
#define NMARKS	(sizeof(marks) / sizeof(marks[0]))
#define M_LIBC_MALLOC	(NFNS + 0)
#define M_GNU_VERSION	(NFNS + 1)
#define M_USABLE_SIZE	(NFNS + 2)

static const char *
sym_name(size_t j)
{
    return j < NFNS ? fns[j].name : marks[j - NFNS];
}

/* bytes of SIB and displacement after a ModRM byte, or -1 */
static int
modrm_extra(const unsigned char *b, size_t n, unsigned modrm)
{
    unsigned	mod = modrm >> 6, rm = modrm & 7;
    int		extra = 0;

    if (mod == 3)
	return 0;
    if (rm == 4) {			/* a SIB byte follows */
	if (n < 1)
	    return -1;
	extra = 1;
	if (mod == 0 && (b[0] & 7) == 5)
	    extra += 4;			/* no base register: disp32 */
    } else if (mod == 0 && rm == 5) {
	extra = 4;			/* %rip-relative disp32 */
    }
    if (mod == 1)
	extra += 1;
    else if (mod == 2)
	extra += 4;
    return extra;
}

static int
fit(size_t len, size_t n)
{
    return len <= n ? (int)len : 0;
}

/*
 * Length of the instruction at b if it may be moved past (see above):
 * test or cmp in any form, or a mov into a register outside keep and
 * other than %rsp.  0 for anything else, including any prefix but REX.
 */
int
insn_passable(const unsigned char *b, size_t n, unsigned keep)
{
    size_t	i = 0;
    unsigned	rex = 0, op, modrm, reg, dest;
    int		extra, imm;

    if (n > 0 && (b[0] & 0xf0) == 0x40)
	rex = b[i++];
    if (i >= n)
	return 0;
    op = b[i++];
    switch (op) {
    case 0xa8: case 0x3c:		/* test/cmp $imm8, %al */
	return fit(i + 1, n);
    case 0xa9: case 0x3d:		/* test/cmp $imm32, %eax/%rax */
	return fit(i + 4, n);
    case 0x84: case 0x85:		/* test r, r/m */
    case 0x38: case 0x39: case 0x3a: case 0x3b:	/* cmp r, r/m */
	if (i >= n)
	    return 0;
	modrm = b[i++];
	if ((extra = modrm_extra(b + i, n - i, modrm)) < 0)
	    return 0;
	return fit(i + extra, n);
    case 0x80: case 0x81: case 0x83:	/* group 1: only /7, cmp */
    case 0xf6: case 0xf7:		/* group 3: only /0, test */
	if (i >= n)
	    return 0;
	modrm = b[i++];
	reg = (modrm >> 3) & 7;
	if ((op == 0xf6 || op == 0xf7) ? reg != 0 : reg != 7)
	    return 0;
	imm = (op == 0x81 || op == 0xf7) ? 4 : 1;
	if ((extra = modrm_extra(b + i, n - i, modrm)) < 0)
	    return 0;
	return fit(i + extra + imm, n);
    case 0x89: case 0x8b:		/* mov between registers */
	if (i >= n)
	    return 0;
	modrm = b[i++];
	if ((modrm >> 6) != 3)
	    return 0;
	if (op == 0x89)
	    dest = (modrm & 7) | (rex & 1) << 3;
	else
	    dest = ((modrm >> 3) & 7) | (rex & 4) << 1;
	if (dest == REG_RSP || (keep & (1u << dest)))
	    return 0;
	return fit(i, n);
    default:
	if (op >= 0xb8 && op <= 0xbf) {	/* mov $imm, %reg */
	    dest = (op & 7) | (rex & 1) << 3;
	    if (dest == REG_RSP || (keep & (1u << dest)))
		return 0;
	    return fit(i + ((rex & 8) ? 8 : 4), n);
	}
	return 0;
    }
}

/* Does the kernel emulate this instruction (arch/x86/kernel/uprobes.c)? */
int
insn_emulated(const unsigned char *b, size_t n)
{
    if (n < 1)
	return 0;
    if (b[0] >= 0x50 && b[0] <= 0x57)	/* push %reg */
	return 1;
    if (n >= 2 && b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57)
	return 1;			/* push %r8..%r15 */
    if (b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb)
	return 1;			/* call, jmp rel32, jmp rel8 */
    if (b[0] >= 0x70 && b[0] <= 0x7f)	/* jcc rel8 */
	return 1;
    if (n >= 2 && b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f)
	return 1;			/* jcc rel32 */
    return 0;
}

struct elf_file {
    int			fd;
    Elf			*elf;
    GElf_Ehdr		ehdr;
    unsigned long	*syms;		/* every defined function address */
    size_t		nsyms, maxsyms;
};

struct sym {
    unsigned long	value;
    unsigned long	size;
    int			hidden;		/* a non-default symbol version */
};

static int
add_addr(struct elf_file *ef, unsigned long v)
{
    unsigned long	*n;

    if (ef->nsyms == ef->maxsyms) {
	ef->maxsyms = ef->maxsyms ? 2 * ef->maxsyms : 1024;
	if ((n = realloc(ef->syms, ef->maxsyms * sizeof(*n))) == NULL)
	    return -ENOMEM;
	ef->syms = n;
    }
    ef->syms[ef->nsyms++] = v;
    return 0;
}

/* fill found[] from the symbol tables; collect every function address */
static int
scan_symbols(struct elf_file *ef, struct sym *found)
{
    Elf_Scn	*scn = NULL;
    GElf_Shdr	sh;
    Elf_Data	*data, *vdata;
    GElf_Sym	s;
    const char	*name;
    size_t	i, j, count;
    int		sts, hidden;

    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
	if (gelf_getshdr(scn, &sh) == NULL)
	    return -EINVAL;
	if (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB)
	    continue;
	if ((data = elf_getdata(scn, NULL)) == NULL || sh.sh_entsize == 0)
	    continue;
	vdata = NULL;
	if (sh.sh_type == SHT_DYNSYM) {
	    Elf_Scn	*v = NULL;
	    GElf_Shdr	vsh;

	    while ((v = elf_nextscn(ef->elf, v)) != NULL)
		if (gelf_getshdr(v, &vsh) && vsh.sh_type == SHT_GNU_versym)
		    vdata = elf_getdata(v, NULL);
	}
	count = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < count; i++) {
	    if (gelf_getsym(data, (int)i, &s) == NULL)
		continue;
	    if (GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		s.st_shndx == SHN_UNDEF || s.st_value == 0)
		continue;
	    if ((sts = add_addr(ef, s.st_value)) < 0)
		return sts;
	    if ((name = elf_strptr(ef->elf, sh.sh_link, s.st_name)) == NULL)
		continue;
	    hidden = 0;
	    if (vdata && (i + 1) * sizeof(GElf_Versym) <= vdata->d_size)
		hidden = (((GElf_Versym *)vdata->d_buf)[i] & 0x8000) != 0;
	    for (j = 0; j < NFNS + NMARKS; j++) {
		if (strcmp(name, sym_name(j)) != 0)
		    continue;
		/* keep the first default version, else the first one */
		if (found[j].value && (hidden || !found[j].hidden))
		    continue;
		found[j].value = s.st_value;
		found[j].size = s.st_size;
		found[j].hidden = hidden;
	    }
	}
    }
    return 0;
}

/* ELF address -> file offset through the PT_LOAD headers */
static int
vaddr_to_offset(struct elf_file *ef, unsigned long v, unsigned long *off)
{
    GElf_Phdr	ph;
    size_t	i, n;

    if (elf_getphdrnum(ef->elf, &n) != 0)
	return -EINVAL;
    for (i = 0; i < n; i++) {
	if (gelf_getphdr(ef->elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD)
	    continue;
	if (v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_filesz) {
	    *off = v - ph.p_vaddr + ph.p_offset;
	    return 0;
	}
    }
    return -ENOENT;
}

/* the bytes of the executable section holding v, from v on */
static const unsigned char *
code_at(struct elf_file *ef, unsigned long v, size_t *avail)
{
    Elf_Scn	*scn = NULL;
    GElf_Shdr	sh;
    Elf_Data	*data;

    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
	if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_PROGBITS ||
	    !(sh.sh_flags & SHF_EXECINSTR))
	    continue;
	if (v < sh.sh_addr || v >= sh.sh_addr + sh.sh_size)
	    continue;
	if ((data = elf_getdata(scn, NULL)) == NULL || data->d_buf == NULL ||
	    v - sh.sh_addr >= data->d_size)
	    return NULL;
	*avail = data->d_size - (v - sh.sh_addr);
	return (const unsigned char *)data->d_buf + (v - sh.sh_addr);
    }
    return NULL;
}

static int32_t
rel32(const unsigned char *b)
{
    uint32_t	u;

    memcpy(&u, b, sizeof(u));
    return (int32_t)u;
}

/*
 * fn(arg, from, to) for every direct jmp, jcc or call a byte pattern in
 * the file's executable sections may be (a false match only makes the
 * callers more careful); rel8 forms only when asked, nothing from
 * [skip_lo, skip_hi).  Stops at, and returns, fn's first non-zero value.
 */
static int
each_branch(struct elf_file *ef, int rel8, unsigned long skip_lo,
	    unsigned long skip_hi,
	    int (*fn)(void *arg, unsigned long from, unsigned long to), void *arg)
{
    Elf_Scn		*scn = NULL;
    GElf_Shdr		sh;
    Elf_Data		*data;
    const unsigned char	*b;
    unsigned long	at, t;
    size_t		i, size;
    int			sts;

    while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
	if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_PROGBITS ||
	    !(sh.sh_flags & SHF_EXECINSTR))
	    continue;
	if ((data = elf_getdata(scn, NULL)) == NULL || data->d_buf == NULL)
	    continue;
	b = data->d_buf;
	size = data->d_size;
	for (i = 0; i < size; i++) {
	    at = sh.sh_addr + i;
	    if (at >= skip_lo && at < skip_hi)
		continue;
	    if ((b[i] == 0xe8 || b[i] == 0xe9) && i + 5 <= size)
		t = at + 5 + (unsigned long)(long)rel32(b + i + 1);
	    else if (rel8 && (b[i] == 0xeb || (b[i] >= 0x70 && b[i] <= 0x7f)) &&
		     i + 2 <= size)
		t = at + 2 + (unsigned long)(long)(signed char)b[i + 1];
	    else if (b[i] == 0x0f && i + 6 <= size && (b[i + 1] & 0xf0) == 0x80)
		t = at + 6 + (unsigned long)(long)rel32(b + i + 2);
	    else
		continue;
	    if ((sts = fn(arg, at, t)) != 0)
		return sts;
	}
    }
    return 0;
}

struct moved {
    struct probe	*p;
    unsigned long	*skip;
    int			n;
};

static int
unmove_target(void *arg, unsigned long from, unsigned long t)
{
    struct moved	*m = arg;
    int			k;

    for (k = 0; k < m->n; k++) {
	if (!m->skip[k] || t <= m->p[k].vaddr || t > m->p[k].vaddr + m->skip[k])
	    continue;
	snprintf(m->p[k].why, sizeof(m->p[k].why),
		 "entry: +%lu may be a branch target (from 0x%lx)",
		 t - m->p[k].vaddr, from);
	m->skip[k] = 0;
    }
    return 0;
}

/*
 * Mark probes whose moved offset is reachable other than from the
 * entry: a symbol or a direct branch target in (vaddr, vaddr + skip].
 */
static void
check_targets(struct elf_file *ef, struct probe *p, unsigned long *skip, int n)
{
    struct moved	m = { p, skip, n };
    size_t		i;
    int			k;

    for (i = 0; i < ef->nsyms; i++)
	for (k = 0; k < n; k++)
	    if (skip[k] && ef->syms[i] > p[k].vaddr &&
		ef->syms[i] <= p[k].vaddr + skip[k]) {
		snprintf(p[k].why, sizeof(p[k].why),
			 "entry: +%lu is a symbol", skip[k]);
		skip[k] = 0;
	    }
    each_branch(ef, 1, 0, 0, unmove_target, &m);
}

/* how far past the entry to attach, or 0; explains in p->why */
static unsigned long
choose_skip(struct elf_file *ef, struct probe *p, unsigned long symsize,
	    unsigned keep)
{
    const unsigned char	*code;
    size_t		avail, off = 0;
    int			k, len;

    if (ef->ehdr.e_machine != EM_X86_64) {
	snprintf(p->why, sizeof(p->why), "entry: not x86-64, not inspected");
	return 0;
    }
    if ((code = code_at(ef, p->vaddr, &avail)) == NULL) {
	snprintf(p->why, sizeof(p->why), "entry: code not found");
	return 0;
    }
    if (symsize && avail > symsize)
	avail = symsize;
    if (insn_emulated(code, avail)) {
	snprintf(p->why, sizeof(p->why), "entry: first instruction emulated");
	return 0;
    }
    for (k = 1; k <= PROBE_MAX_SKIP; k++) {
	if ((len = insn_passable(code + off, avail - off, keep)) == 0)
	    break;
	off += (size_t)len;
	if (insn_emulated(code + off, avail - off)) {
	    snprintf(p->why, sizeof(p->why),
		     "+%zu: past %d flag/unread-register instruction%s, "
		     "emulated there", off, k, k > 1 ? "s" : "");
	    return off;
	}
    }
    snprintf(p->why, sizeof(p->why),
	     "entry: single-stepped (no safe emulated offset)");
    return 0;
}

/* ---- glibc's malloc: where it returns ---- */

/*
 * In summary mode with glibc's allocator, malloc is not probed at its
 * entry and return (two traps: int3, then the return trampoline) but
 * at the branches inside it after which it only returns: one trap, with
 * the result in %rax.  The analysis decodes the whole function and
 * gives up (the caller falls back to a return probe) unless all of this
 * holds:
 *
 *  - every instruction decodes; no indirect jump; every direct branch
 *    stays inside the function and lands on an instruction boundary;
 *  - before each ret, back to the previous branch, no instruction writes
 *    %rax (stores, moves to other registers, stack adjustments and pops
 *    are allowed): that run is a "return region", and %rax at any edge
 *    into it is the value returned;
 *  - every edge into a return region comes from a jmp or jcc (the edge
 *    "taken", "fall-through" or both), or falls through from an
 *    instruction that zeroes %rax (a NULL return: not an allocation);
 *    not from a call, whose result would be returned unseen;
 *  - each such branch is one the kernel emulates (no single-step);
 *  - nothing outside the function branches into a return region (a
 *    scan for rel32 jumps and calls in the file) and no symbol starts
 *    inside one.
 *
 * Every path to a ret then crosses exactly one counted edge, the last
 * one into its region.  The BPF program evaluates the jcc's condition
 * from the flags to know which edge will be taken.
 */
struct dinsn {
    unsigned long	addr;
    struct x86_insn	x;
};

static int
insn_at(const struct dinsn *v, size_t n, unsigned long addr)
{
    size_t	lo = 0, hi = n, mid;

    while (lo < hi) {
	mid = (lo + hi) / 2;
	if (v[mid].addr == addr)
	    return (int)mid;
	if (v[mid].addr < addr)
	    lo = mid + 1;
	else
	    hi = mid;
    }
    return -1;
}

static unsigned long
target_of(const struct dinsn *d)
{
    return d->addr + (unsigned long)d->x.len + (unsigned long)d->x.rel;
}

static int
add_site(struct elf_file *ef, struct probe_set *ps, const struct dinsn *d,
	 unsigned edges)
{
    unsigned long	off;
    int			k;

    for (k = 0; k < ps->nsites; k++)
	if (ps->site[k].vaddr == d->addr) {
	    ps->site[k].cookie |= edges;
	    return 0;
	}
    if (ps->nsites == SITES_MAX || vaddr_to_offset(ef, d->addr, &off) < 0)
	return -1;
    ps->site[ps->nsites].vaddr = d->addr;
    ps->site[ps->nsites].offset = off;
    ps->site[ps->nsites].cookie = MT_OP_MALLOC | MT_CK_SITE | edges |
	(d->x.kind == X86_JCC ? (unsigned)d->x.cc << MT_CK_CC_SHIFT : 0);
    ps->nsites++;
    return 0;
}

/* the whole function f, decoded; NULL with a reason in why */
static struct dinsn *
decode_fn(struct elf_file *ef, const struct sym *f, size_t *np, char *why,
	  size_t len)
{
    const unsigned char	*code;
    struct dinsn	*v;
    size_t		avail, off, n = 0;

    if (ef->ehdr.e_machine != EM_X86_64) {
	snprintf(why, len, "not x86-64");
	return NULL;
    }
    if ((code = code_at(ef, f->value, &avail)) == NULL || f->size == 0 ||
	f->size > avail) {
	snprintf(why, len, "code not found");
	return NULL;
    }
    if ((v = calloc(f->size, sizeof(*v))) == NULL) {
	snprintf(why, len, "out of memory");
	return NULL;
    }
    for (off = 0; off < f->size; off += (size_t)v[n++].x.len) {
	v[n].addr = f->value + off;
	if (x86_decode(code + off, f->size - off, &v[n].x) < 0) {
	    snprintf(why, len, "+0x%zx: instruction not understood", off);
	    free(v);
	    return NULL;
	}
    }
    *np = n;
    return v;
}

#define NO_SITES(...) do { \
	snprintf(ps->sites_why, sizeof(ps->sites_why), __VA_ARGS__); \
	goto fail; \
    } while (0)

struct regions {
    const unsigned long	(*reg)[2];
    int			n;
    unsigned long	from;		/* the first branch found */
};

static int
into_region(void *arg, unsigned long from, unsigned long t)
{
    struct regions	*r = arg;
    int			k;

    for (k = 0; k < r->n; k++)
	if (t >= r->reg[k][0] && t < r->reg[k][1]) {
	    r->from = from;
	    return 1;
	}
    return 0;
}

/*
 * A rel32 branch from outside [lo, hi) into one of the regions?  (rel8
 * ones can only come from the neighbours, which compilers do not do.)
 */
static int
branched_into(struct elf_file *ef, unsigned long lo, unsigned long hi,
	      const unsigned long (*reg)[2], int nreg, unsigned long *from)
{
    struct regions	r = { reg, nreg, 0 };

    if (!each_branch(ef, 0, lo, hi, into_region, &r))
	return 0;
    *from = r.from;
    return 1;
}

/*
 * A memory operand "(base,index,scale)" with no displacement: the
 * ModRM and SIB bytes at b (after the opcode), rex the REX prefix or 0.
 * Returns the ModRM reg field, or -1 if the operand is another form.
 */
static int
sib_operand(const unsigned char *b, unsigned rex, int *base, int *index,
	    int *scale)
{
    if ((b[0] >> 6) != 0 || (b[0] & 7) != 4 || (b[1] & 7) == 5 ||
	((b[1] >> 3) & 7) == 4)
	return -1;		/* not mod 00 with a SIB, base and index */
    *scale = 1 << (b[1] >> 6);
    *index = ((b[1] >> 3) & 7) | ((rex & 2) << 2);
    *base = (b[1] & 7) | ((rex & 1) << 3);
    return ((b[0] >> 3) & 7) | ((rex & 4) << 1);
}

/* the REX prefix at b, or 0; *len is then 1 or 0 */
static unsigned
rex_at(const unsigned char *b, size_t *len)
{
    *len = (b[0] & 0xf0) == 0x40;
    return *len ? b[0] : 0;
}

/*
 * glibc's tcache hit (tcache_get inlined into malloc): "movzwl
 * (B,I,2)" reads tcache->counts[I], "lea 0x10(I),J; mov (B,J,8),%rax"
 * reads tcache->entries[I], 128 bytes further: the layout of glibc's
 * tcache_perthread_struct (64 uint16_t counts, then 64 entries).  A
 * return site right after it, with I, B and %rax unchanged on the way
 * and nothing branching in, returns a block of tcache bin I, whose
 * usable size is 16 * I + 24 (x86-64: MALLOC_ALIGNMENT 16, MINSIZE 32,
 * SIZE_SZ 8): mt_site then takes the size from I, not the header.
 * Returns I's register number, or -1.
 */
static int
tcache_index(struct elf_file *ef, const struct dinsn *v, size_t n, size_t k)
{
    const unsigned char	*b;
    unsigned long	lo = v[0].addr, t, from;
    unsigned long	reg[1][2];
    size_t		avail, rl, c, l = 0, m = 0, i;
    unsigned		rex, w;
    int			breg = -1, ireg = -1, jreg = -1, base, index, scale;

    /* back from the site: the mov, the lea, the movzwl */
    for (c = k; c-- > 0; ) {
	const struct x86_insn	*x = &v[c].x;

	if (k - c > 8 || (b = code_at(ef, v[c].addr, &avail)) == NULL ||
	    avail < 5)
	    return -1;
	rex = rex_at(b, &rl);
	b += rl;
	if (!m) {
	    if (x->len == (int)rl + 3 && (rex & 8) && b[0] == 0x8b &&
		sib_operand(b + 1, rex, &base, &index, &scale) == X86_RAX &&
		scale == 8) {
		m = c;			/* mov (B,J,8),%rax */
		breg = base;
		jreg = index;
	    }
	} else if (!l) {
	    if (x->len == (int)rl + 3 && (rex & 8) && b[0] == 0x8d &&
		(b[1] >> 6) == 1 && (b[1] & 7) != 4 && b[2] == 0x10 &&
		(int)(((b[1] >> 3) & 7) | ((rex & 4) << 1)) == jreg) {
		l = c;			/* lea 0x10(I),J */
		ireg = (b[1] & 7) | ((rex & 1) << 3);
		if (ireg == jreg)
		    return -1;
	    }
	} else if (x->len == (int)rl + 4 && b[0] == 0x0f && b[1] == 0xb7 &&
		   sib_operand(b + 2, rex, &base, &index, &scale) >= 0 &&
		   base == breg && index == ireg && scale == 2) {
	    break;			/* movzwl (B,I,2),%reg */
	}
	/* straight line, but for jccs that leave (checked below) */
	if (x->kind != X86_OTHER && !(x->kind == X86_JCC && l))
	    return -1;
    }
    if (c == (size_t)-1 || !l)
	return -1;
    /* I unchanged up to the site, B up to the mov, J from lea to mov, %rax after it */
    for (i = c; i < k; i++) {
	if ((w = v[i].x.writes) == X86_ALL)
	    return -1;
	if (i != l && (w & (1u << ireg)))
	    return -1;
	if (i < m && (w & (1u << breg)))
	    return -1;
	if (i > l && i < m && (w & (1u << jreg)))
	    return -1;
	if (i > m && (w & (1u << X86_RAX)))
	    return -1;
    }
    /* nothing may branch into (movzwl, site] */
    for (i = 0; i < n; i++) {
	if (v[i].x.kind != X86_JMP && v[i].x.kind != X86_JCC &&
	    v[i].x.kind != X86_LOOP && v[i].x.kind != X86_CALL)
	    continue;
	t = target_of(&v[i]);
	if (t > v[c].addr && t <= v[k].addr)
	    return -1;
    }
    for (i = 0; i < ef->nsyms; i++)
	if (ef->syms[i] > v[c].addr && ef->syms[i] <= v[k].addr)
	    return -1;
    reg[0][0] = v[c].addr + 1;
    reg[0][1] = v[k].addr + 1;
    if (branched_into(ef, lo, v[n - 1].addr + (unsigned long)v[n - 1].x.len,
		      (const unsigned long (*)[2])reg, 1, &from))
	return -1;
    return ireg;
}

static void
malloc_sites(struct elf_file *ef, const struct sym *m, struct probe_set *ps)
{
    struct dinsn	*v;
    unsigned long	lo = m->value, hi = m->value + m->size, t, from;
    unsigned long	(*reg)[2] = NULL;
    size_t		n = 0, i, j, r, s;
    int			k, nreg = 0, ti, ntc = 0;

    if ((v = decode_fn(ef, m, &n, ps->sites_why, sizeof(ps->sites_why))) == NULL)
	return;
    if ((reg = calloc(n, sizeof(*reg))) == NULL)
	NO_SITES("out of memory");
    for (i = 0; i < n; i++) {
	if (v[i].x.kind == X86_JMP_IND)
	    NO_SITES("+0x%lx: indirect jump", v[i].addr - lo);
	if (v[i].x.kind != X86_JMP && v[i].x.kind != X86_JCC &&
	    v[i].x.kind != X86_LOOP && v[i].x.kind != X86_CALL)
	    continue;
	t = target_of(&v[i]);
	if (v[i].x.kind == X86_CALL) {
	    if (t >= lo && t < hi)
		NO_SITES("+0x%lx: calls into itself", v[i].addr - lo);
	    continue;
	}
	if (t < lo || t >= hi)
	    NO_SITES("+0x%lx: branches out of the function", v[i].addr - lo);
	if (insn_at(v, n, t) < 0)
	    NO_SITES("+0x%lx: branches into an instruction", v[i].addr - lo);
    }
    for (r = 0; r < n; r++) {
	if (v[r].x.kind != X86_RET)
	    continue;
	/* the return region: back to a branch or a zeroing of %rax */
	for (j = r; j > 0; j--) {
	    const struct x86_insn	*x = &v[j - 1].x;

	    if (x->kind != X86_OTHER || x->zeroes_rax)
		break;
	    if (x->writes & (1u << X86_RAX))
		NO_SITES("+0x%lx: %%rax set on the way to a return",
			 v[j - 1].addr - lo);
	}
	s = j;
	if (s == 0)
	    NO_SITES("returns without a branch");
	switch (v[s - 1].x.kind) {
	case X86_OTHER:			/* zeroes %rax: returns NULL */
	case X86_JMP:
	case X86_RET:
	case X86_STOP:
	    break;
	case X86_JCC:
	    if (add_site(ef, ps, &v[s - 1], MT_CK_FALLTHRU) < 0)
		NO_SITES("too many return sites");
	    break;
	default:
	    NO_SITES("+0x%lx: returns what a call returned", v[s - 1].addr - lo);
	}
	for (i = 0; i < n; i++) {
	    if (v[i].x.kind != X86_JMP && v[i].x.kind != X86_JCC &&
		v[i].x.kind != X86_LOOP)
		continue;
	    t = target_of(&v[i]);
	    if (t < v[s].addr || t > v[r].addr)
		continue;
	    if (v[i].x.kind == X86_LOOP ||
		add_site(ef, ps, &v[i], v[i].x.kind == X86_JMP ?
			 MT_CK_TAKEN | MT_CK_FALLTHRU : MT_CK_TAKEN) < 0)
		NO_SITES("+0x%lx: cannot count this branch", v[i].addr - lo);
	}
	for (i = 0; i < ef->nsyms; i++)
	    if (ef->syms[i] > v[s].addr && ef->syms[i] <= v[r].addr)
		NO_SITES("+0x%lx: a symbol inside a return path",
			 ef->syms[i] - lo);
	reg[nreg][0] = v[s].addr;
	reg[nreg][1] = v[r].addr + (unsigned long)v[r].x.len;
	nreg++;
    }
    for (k = 0; k < ps->nsites; k++)
	if (!v[insn_at(v, n, ps->site[k].vaddr)].x.emulated)
	    NO_SITES("+0x%lx: a return site the kernel would single-step",
		     ps->site[k].vaddr - lo);
    if (ps->nsites == 0)
	NO_SITES("no return sites found");
    if (branched_into(ef, lo, hi, (const unsigned long (*)[2])reg, nreg, &from))
	NO_SITES("0x%lx may branch into a return path", from);
    for (k = 0; k < ps->nsites; k++) {
	if ((ps->site[k].cookie & (MT_CK_TAKEN | MT_CK_FALLTHRU)) != MT_CK_FALLTHRU)
	    continue;
	if ((ti = tcache_index(ef, v, n, (size_t)insn_at(v, n, ps->site[k].vaddr))) >= 0) {
	    ps->site[k].cookie |= MT_CK_TCACHE | (unsigned)ti << MT_CK_REG_SHIFT;
	    ntc++;
	}
    }
    snprintf(ps->sites_why, sizeof(ps->sites_why),
	     "%d branches into its %d return paths, %d from the tcache",
	     ps->nsites, nreg, ntc);
    free(v);
    free(reg);
    return;

fail:
    ps->nsites = 0;
    free(v);
    free(reg);
}

/*
 * glibc's free loads the chunk header of its argument early: probed on
 * the first emulated branch after that load, summary mode reads the
 * usable size from a register instead of user memory.  Walked from the
 * entry, straight line: "test %rdi,%rdi; je" (NULL) is passed on its
 * fall-through; then every instruction must fall through, none may
 * change %rsp other than push, pop and add/sub of an immediate (so the
 * return address is at a known offset), until "mov -0x8(%rdi),%reg"
 * with %rdi still the argument, then up to an emulated jcc with that
 * register, %rax, still holding it.  No branch may land inside the walk.
 */
static void
free_site(struct elf_file *ef, const struct sym *f, struct probe_set *ps)
{
    const unsigned char	*b;
    struct dinsn	*v;
    unsigned long	lo = f->value, hi = f->value + f->size, t, from;
    unsigned long	reg[1][2];
    size_t		n, i, k;
    int			depth = 0, hreg = -1, arg = 1;
    unsigned		w;

    if ((v = decode_fn(ef, f, &n, ps->free_why, sizeof(ps->free_why))) == NULL)
	return;
    for (k = 0; k < n && k < 32; k++) {
	const struct x86_insn	*x = &v[k].x;

	if ((b = code_at(ef, v[k].addr, &i)) == NULL)
	    break;
	if (k == 0 && x->len == 3 && b[0] == 0x48 && b[1] == 0x85 && b[2] == 0xff)
	    continue;			/* test %rdi,%rdi */
	if (k == 1 && x->kind == X86_JCC && x->cc == 4)
	    continue;			/* je: the NULL case leaves */
	if (x->kind == X86_JCC && hreg >= 0)
	    break;			/* the site */
	if (x->kind != X86_OTHER)
	    goto none;
	if (x->len == 4 && (b[0] == 0x48 || b[0] == 0x4c) && b[1] == 0x8b &&
	    (b[2] & 0xc7) == 0x47 && b[3] == 0xf8 && arg) {
	    hreg = ((b[2] >> 3) & 7) | ((b[0] & 4) << 1);
	    continue;			/* mov -0x8(%rdi),%reg */
	}
	w = x->writes;
	if (w & (1u << 7))
	    arg = 0;			/* %rdi */
	if (hreg >= 0 && (w & (1u << hreg)))
	    hreg = -1;
	if (!(w & (1u << X86_RSP)))
	    continue;
	if ((b[0] >= 0x50 && b[0] <= 0x57) ||
	    (b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57))
	    depth += 8;			/* push */
	else if ((b[0] >= 0x58 && b[0] <= 0x5f) ||
		 (b[0] == 0x41 && b[1] >= 0x58 && b[1] <= 0x5f))
	    depth -= 8;			/* pop */
	else if (b[0] == 0x48 && b[1] == 0x83 && (b[2] == 0xec || b[2] == 0xc4))
	    depth += b[2] == 0xec ? (signed char)b[3] : -(signed char)b[3];
	else
	    goto none;			/* other changes of %rsp */
    }
    if (k == n || k == 32 || hreg < 0 || !v[k].x.emulated)
	goto none;
    if (hreg != X86_RAX) {		/* what the BPF program reads */
	snprintf(ps->free_why, sizeof(ps->free_why),
		 "the header is loaded into another register than %%rax");
	free(v);
	return;
    }
    /* nothing may branch into (entry, site] */
    for (i = 0; i < n; i++) {
	if (v[i].x.kind != X86_JMP && v[i].x.kind != X86_JCC &&
	    v[i].x.kind != X86_LOOP && v[i].x.kind != X86_CALL)
	    continue;
	t = target_of(&v[i]);
	if (t > lo && t <= v[k].addr)
	    goto busy;
    }
    for (i = 0; i < ef->nsyms; i++)
	if (ef->syms[i] > lo && ef->syms[i] <= v[k].addr)
	    goto busy;
    reg[0][0] = lo + 1;
    reg[0][1] = v[k].addr + 1;
    if (branched_into(ef, lo, hi, (const unsigned long (*)[2])reg, 1, &from) ||
	vaddr_to_offset(ef, v[k].addr, &ps->free_offset) < 0)
	goto busy;
    ps->free_site = 1;
    ps->free_ret = depth;
    snprintf(ps->free_why, sizeof(ps->free_why),
	     "+0x%lx: the header in a register, the return address at %%rsp+%d",
	     v[k].addr - lo, depth);
    free(v);
    return;
none:
    snprintf(ps->free_why, sizeof(ps->free_why),
	     "no header load on the entry path");
    free(v);
    return;
busy:
    snprintf(ps->free_why, sizeof(ps->free_why),
	     "+0x%lx may be reached by a branch", v[k].addr - lo);
    free(v);
}

int
probes_resolve(const char *path, struct probe_set *ps, char *err, size_t errlen)
{
    struct elf_file	ef = { .fd = -1 };
    struct sym		found[NFNS + NMARKS];
    unsigned long	skip[PROBES_MAX] = { 0 };
    struct probe	*p;
    size_t		j;
    int			k, sts, dup;

    memset(found, 0, sizeof(found));
    memset(ps, 0, sizeof(*ps));
    if (elf_version(EV_CURRENT) == EV_NONE) {
	snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
	return -EINVAL;
    }
    if ((ef.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
	sts = -errno;
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return sts;
    }
    if ((ef.elf = elf_begin(ef.fd, ELF_C_READ_MMAP, NULL)) == NULL ||
	gelf_getehdr(ef.elf, &ef.ehdr) == NULL) {
	snprintf(err, errlen, "%s: not an ELF file", path);
	sts = -ENOEXEC;
	goto cleanup;
    }
    if ((sts = scan_symbols(&ef, found)) < 0) {
	snprintf(err, errlen, "%s: bad symbol table", path);
	goto cleanup;
    }

    for (j = 0; j < NFNS && ps->n < PROBES_MAX; j++) {
	if (!found[j].value)
	    continue;
	/* one probe per address: aliases (aligned_alloc, mmap64) share it */
	for (k = 0, dup = 0; k < ps->n; k++)
	    if (ps->p[k].vaddr == found[j].value)
		dup = 1;
	if (dup)
	    continue;
	p = &ps->p[ps->n];
	p->name = fns[j].name;
	p->op = fns[j].op;
	p->ret = fns[j].ret;
	p->vaddr = found[j].value;
	if (vaddr_to_offset(&ef, p->vaddr, &p->entry) < 0)
	    continue;
	skip[ps->n] = choose_skip(&ef, p, found[j].size, fns[j].reads);
	ps->n++;
    }
    if (ps->n == 0) {
	snprintf(err, errlen, "%s: no allocator functions found", path);
	sts = -ENOENT;
	goto cleanup;
    }
    check_targets(&ef, ps->p, skip, ps->n);
    for (k = 0; k < ps->n; k++)
	ps->p[k].offset = ps->p[k].entry + skip[k];

    /* glibc's allocator: its chunk headers hold the usable size */
    if (!found[M_GNU_VERSION].value)
	snprintf(ps->glibc_why, sizeof(ps->glibc_why),
		 "not glibc (no gnu_get_libc_version)");
    else if (!found[F_MALLOC].value ||
	     found[M_LIBC_MALLOC].value != found[F_MALLOC].value)
	snprintf(ps->glibc_why, sizeof(ps->glibc_why),
		 "malloc is not glibc's __libc_malloc");
    else if (!found[M_USABLE_SIZE].value)
	snprintf(ps->glibc_why, sizeof(ps->glibc_why),
		 "no malloc_usable_size");
    else
	ps->glibc = 1;
    if (ps->glibc) {
	malloc_sites(&ef, &found[F_MALLOC], ps);
	free_site(&ef, &found[F_FREE], ps);
    }
    sts = ps->n;

cleanup:
    if (ef.elf)
	elf_end(ef.elf);
    if (ef.fd >= 0)
	close(ef.fd);
    free(ef.syms);
    return sts;
}

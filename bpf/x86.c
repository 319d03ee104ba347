/*
 * x86.c - x86-64 instruction decoding for the malloc return-site
 * analysis (see x86.h and probes.c).
 *
 * The register writes are exact for the instructions compilers put on
 * the way from a computed result to a "ret" (moves, loads and stores,
 * ALU operations, shifts, lea, push/pop, stack adjustments, nops) and
 * X86_ALL for everything else, so the analysis can only be too careful.
 */
#include <string.h>
#include "x86.h"

#define R(n)		(1u << (n))

/* operand size and address size of the instruction being decoded */
struct dec {
    const unsigned char	*b;
    size_t		n, i;
    unsigned		rex;
    int			opsize16;
    int			addr32;
    int			legacy;		/* any legacy prefix at all */
    int			byteop;		/* 8-bit operands: no REX means %ah.. */
    unsigned		mod, reg, rm;	/* reg and rm with the REX bits */
};

static int
need(struct dec *d, size_t k)
{
    return d->i + k <= d->n;
}

/* the ModRM byte and its SIB/displacement; -1 if truncated */
static int
modrm(struct dec *d)
{
    unsigned	m, base;

    if (!need(d, 1))
	return -1;
    m = d->b[d->i++];
    d->mod = m >> 6;
    d->reg = ((m >> 3) & 7) | ((d->rex & 4) << 1);
    d->rm = (m & 7) | ((d->rex & 1) << 3);
    /* without REX, byte registers 4-7 are %ah, %ch, %dh, %bh */
    if (d->byteop && !d->rex) {
	if (d->reg >= 4)
	    d->reg -= 4;
	if (d->mod == 3 && d->rm >= 4)
	    d->rm -= 4;
    }
    if (d->mod == 3)
	return 0;
    if ((m & 7) == 4) {			/* SIB */
	if (!need(d, 1))
	    return -1;
	base = d->b[d->i++] & 7;
	if (d->mod == 0 && base == 5)
	    d->i += 4;			/* no base: disp32 */
    } else if (d->mod == 0 && (m & 7) == 5) {
	d->i += 4;			/* %rip-relative */
    }
    if (d->mod == 1)
	d->i += 1;
    else if (d->mod == 2)
	d->i += 4;
    return need(d, 0) ? 0 : -1;
}

static int
imm(struct dec *d, size_t k)
{
    d->i += k;
    return need(d, 0) ? 0 : -1;
}

/* Iz: 4 bytes, 2 with an operand-size prefix */
static size_t
iz(const struct dec *d)
{
    return d->opsize16 ? 2 : 4;
}

static long long
rel_at(const struct dec *d, size_t at, size_t k)
{
    if (k == 1)
	return (signed char)d->b[at];
    {
	int	v;

	memcpy(&v, d->b + at, sizeof(v));
	return v;
    }
}

/* a direct branch of this kind whose k-byte displacement follows */
static int
branch(struct dec *d, struct x86_insn *in, int kind, size_t k)
{
    size_t	at = d->i;

    if (imm(d, k) < 0)
	return -1;
    in->kind = kind;
    in->rel = rel_at(d, at, k);
    in->emulated = kind != X86_LOOP && !d->legacy;
    return 0;
}

/* the rm operand is written: a register only with mod 3 */
static unsigned
w_rm(const struct dec *d)
{
    return d->mod == 3 ? R(d->rm) : 0;
}

static int
two_byte(struct dec *d, struct x86_insn *in)
{
    unsigned	op;

    if (!need(d, 1))
	return -1;
    op = d->b[d->i++];
    in->writes = X86_ALL;
    if (op >= 0x80 && op <= 0x8f) {		/* jcc rel32 */
	in->cc = (int)(op & 0xf);
	return branch(d, in, X86_JCC, 4);
    }
    if (op == 0x38) {				/* three-byte map 38 */
	if (!need(d, 1))
	    return -1;
	d->i++;
	return modrm(d);
    }
    if (op == 0x3a) {				/* three-byte map 3a: imm8 */
	if (!need(d, 1))
	    return -1;
	d->i++;
	if (modrm(d) < 0)
	    return -1;
	return imm(d, 1);
    }
    switch (op) {
    case 0x05:					/* syscall */
    case 0x31:					/* rdtsc */
    case 0xa2:					/* cpuid */
    case 0x77:					/* emms */
	return 0;
    case 0x0b:					/* ud2 */
	in->kind = X86_STOP;
	return 0;
    case 0x1f:					/* nop r/m */
    case 0x1e:					/* endbr64 and hint nops */
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d:
	if (modrm(d) < 0)
	    return -1;
	in->writes = 0;
	return 0;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf:	/* movzx, movsx */
    case 0xaf:					/* imul r, r/m */
    case 0xbc: case 0xbd:			/* bsf, bsr, tzcnt, lzcnt */
    case 0xb8:					/* popcnt */
	if (modrm(d) < 0)
	    return -1;
	in->writes = R(d->reg);
	return 0;
    case 0xa3:					/* bt r/m, r */
	if (modrm(d) < 0)
	    return -1;
	in->writes = 0;
	return 0;
    case 0xba:					/* bt/bts/btr/btc r/m, imm8 */
	if (modrm(d) < 0 || imm(d, 1) < 0)
	    return -1;
	in->writes = (d->reg & 7) == 4 ? 0 : w_rm(d);
	return 0;
    case 0xab: case 0xb3: case 0xbb:		/* bts, btr, btc r/m, r */
	if (modrm(d) < 0)
	    return -1;
	in->writes = w_rm(d);
	return 0;
    case 0xa4: case 0xac:			/* shld, shrd imm8 */
	if (modrm(d) < 0 || imm(d, 1) < 0)
	    return -1;
	in->writes = w_rm(d);
	return 0;
    case 0xa5: case 0xad:			/* shld, shrd %cl */
	if (modrm(d) < 0)
	    return -1;
	in->writes = w_rm(d);
	return 0;
    case 0x70: case 0xc2: case 0xc4: case 0xc5: case 0xc6:
    case 0x71: case 0x72: case 0x73:		/* with imm8 */
	if (modrm(d) < 0)
	    return -1;
	return imm(d, 1);
    case 0xc8: case 0xc9: case 0xca: case 0xcb:	/* bswap */
    case 0xcc: case 0xcd: case 0xce: case 0xcf:
	return 0;
    case 0xb9: case 0xff:			/* ud1, ud0 */
	in->kind = X86_STOP;
	return modrm(d);
    default:
	break;
    }
    /* the rest that takes a ModRM byte and no immediate */
    if ((op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) ||
	(op >= 0x40 && op <= 0x4f) ||		/* cmovcc */
	(op >= 0x50 && op <= 0x6f) || (op >= 0x74 && op <= 0x76) ||
	(op >= 0x7c && op <= 0x7f) ||
	(op >= 0x90 && op <= 0x9f) ||		/* setcc */
	op == 0x0d || op == 0xae || op == 0xb0 || op == 0xb1 ||
	op == 0xc0 || op == 0xc1 || op == 0xc3 || op == 0xc7 ||
	(op >= 0xd0 && op <= 0xfe) || op == 0x00 || op == 0x01)
	return modrm(d);
    return -1;
}

int
x86_decode(const unsigned char *b, size_t n, struct x86_insn *in)
{
    struct dec	d = { .b = b, .n = n };
    unsigned	op, grp;
    size_t	at;
    int		npfx = 0;

    memset(in, 0, sizeof(*in));
    in->writes = X86_ALL;
    /* legacy prefixes, then at most one REX right before the opcode */
    while (need(&d, 1) && npfx < 14) {
	op = b[d.i];
	if (op == 0x66)
	    d.opsize16 = 1;
	else if (op == 0x67)
	    d.addr32 = 1;
	else if (op != 0xf0 && op != 0xf2 && op != 0xf3 && op != 0x2e &&
		 op != 0x36 && op != 0x3e && op != 0x26 && op != 0x64 &&
		 op != 0x65)
	    break;
	d.legacy = 1;
	d.i++;
	npfx++;
    }
    if (need(&d, 1) && (b[d.i] & 0xf0) == 0x40)
	d.rex = b[d.i++];
    if (!need(&d, 1))
	return -1;
    op = b[d.i++];

    if (op == 0x0f) {
	if (two_byte(&d, in) < 0)
	    return -1;
	goto done;
    }
    /* the byte forms whose register operands may be %ah..%bh */
    d.byteop = (op < 0x40 && (op & 1) == 0) || op == 0x80 || op == 0x86 ||
	       op == 0x88 || op == 0x8a || op == 0xc0 || op == 0xc6 ||
	       op == 0xd0 || op == 0xd2 || op == 0xf6 || op == 0xfe;
    if (op < 0x40 && (op & 7) < 6) {		/* add, or, adc, sbb, and, sub, xor, cmp */
	int	cmp = (op & 0xf8) == 0x38;

	switch (op & 7) {
	case 0: case 1:				/* r/m op= r */
	    if (modrm(&d) < 0)
		return -1;
	    in->writes = cmp ? 0 : w_rm(&d);
	    /* xor %eax,%eax (or %rax) */
	    if (op == 0x31 && !d.opsize16 && d.mod == 3 && d.reg == d.rm &&
		d.rm == X86_RAX)
		in->zeroes_rax = 1;
	    break;
	case 2: case 3:				/* r op= r/m */
	    if (modrm(&d) < 0)
		return -1;
	    in->writes = cmp ? 0 : R(d.reg);
	    if (op == 0x33 && !d.opsize16 && d.mod == 3 && d.reg == d.rm &&
		d.reg == X86_RAX)
		in->zeroes_rax = 1;
	    break;
	case 4:					/* %al op= imm8 */
	    if (imm(&d, 1) < 0)
		return -1;
	    in->writes = cmp ? 0 : R(X86_RAX);
	    break;
	case 5:					/* %eax op= imm32 */
	    if (imm(&d, iz(&d)) < 0)
		return -1;
	    in->writes = cmp ? 0 : R(X86_RAX);
	    break;
	}
	goto done;
    }
    if (op >= 0x50 && op <= 0x57) {		/* push */
	in->writes = R(X86_RSP);
	in->emulated = !d.legacy && (d.rex == 0 || d.rex == 0x41);
	goto done;
    }
    if (op >= 0x58 && op <= 0x5f) {		/* pop */
	in->writes = R(X86_RSP) | R((op & 7) | ((d.rex & 1) << 3));
	goto done;
    }
    if (op >= 0x70 && op <= 0x7f) {		/* jcc rel8 */
	in->cc = (int)(op & 0xf);
	if (branch(&d, in, X86_JCC, 1) < 0)
	    return -1;
	in->emulated &= d.rex == 0;
	goto done;
    }
    if (op >= 0xb0 && op <= 0xbf) {		/* mov $imm, %reg */
	unsigned	r = (op & 7) | ((d.rex & 1) << 3);

	if (op < 0xb8 && !d.rex && r >= 4)
	    r -= 4;				/* %ah.. */
	at = d.i;
	if (imm(&d, op < 0xb8 ? 1 : (d.rex & 8) ? 8 : iz(&d)) < 0)
	    return -1;
	in->writes = R(r);
	if (op == 0xb8 && r == X86_RAX && !(d.rex & 8) && !d.opsize16) {
	    unsigned	v;

	    memcpy(&v, b + at, sizeof(v));
	    in->zeroes_rax = v == 0;
	}
	goto done;
    }
    if (op >= 0x91 && op <= 0x97) {		/* xchg %eax, r */
	in->writes = R(X86_RAX) | R((op & 7) | ((d.rex & 1) << 3));
	goto done;
    }

    switch (op) {
    case 0x63:					/* movsxd */
    case 0x8b: case 0x8a:			/* mov r, r/m */
    case 0x8d:					/* lea */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = R(d.reg);
	break;
    case 0x88: case 0x89:			/* mov r/m, r */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = w_rm(&d);
	break;
    case 0x84: case 0x85:			/* test */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = 0;
	break;
    case 0x86: case 0x87:			/* xchg r/m, r */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = w_rm(&d) | R(d.reg);
	break;
    case 0x69:					/* imul r, r/m, imm32 */
	if (modrm(&d) < 0 || imm(&d, iz(&d)) < 0)
	    return -1;
	in->writes = R(d.reg);
	break;
    case 0x6b:					/* imul r, r/m, imm8 */
	if (modrm(&d) < 0 || imm(&d, 1) < 0)
	    return -1;
	in->writes = R(d.reg);
	break;
    case 0x68:					/* push imm32 */
	if (imm(&d, iz(&d)) < 0)
	    return -1;
	in->writes = R(X86_RSP);
	break;
    case 0x6a:					/* push imm8 */
	if (imm(&d, 1) < 0)
	    return -1;
	in->writes = R(X86_RSP);
	break;
    case 0x80: case 0x83:			/* group 1, imm8 */
    case 0x81:					/* group 1, imm32 */
	if (modrm(&d) < 0 || imm(&d, op == 0x81 ? iz(&d) : 1) < 0)
	    return -1;
	in->writes = (d.reg & 7) == 7 ? 0 : w_rm(&d);
	break;
    case 0x8f:					/* pop r/m */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = R(X86_RSP) | w_rm(&d);
	break;
    case 0x90:					/* nop (xchg %r8,%rax with REX.B) */
	if (d.rex & 1) {
	    in->writes = R(X86_RAX) | R(8);
	} else {
	    in->writes = 0;
	    in->emulated = !d.legacy && d.rex == 0;
	}
	break;
    case 0x98:					/* cbw, cwde, cdqe */
    case 0x9f:					/* lahf */
	in->writes = R(X86_RAX);
	break;
    case 0x99:					/* cwd, cdq, cqo */
	in->writes = R(2);
	break;
    case 0x9b: case 0x9e:			/* fwait, sahf */
    case 0xf5: case 0xf8: case 0xf9: case 0xfa:	/* flags */
    case 0xfb: case 0xfc: case 0xfd:
	in->writes = 0;
	break;
    case 0x9c: case 0x9d:			/* pushf, popf */
	in->writes = R(X86_RSP);
	break;
    case 0xa8:					/* test %al, imm8 */
	if (imm(&d, 1) < 0)
	    return -1;
	in->writes = 0;
	break;
    case 0xa9:					/* test %eax, imm32 */
	if (imm(&d, iz(&d)) < 0)
	    return -1;
	in->writes = 0;
	break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:	/* mov moffs */
	if (imm(&d, d.addr32 ? 4 : 8) < 0)
	    return -1;
	break;
    case 0xa4: case 0xa5: case 0xa6: case 0xa7:	/* string operations */
    case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
    case 0xd7:					/* xlat */
    case 0xec: case 0xed: case 0xee: case 0xef:	/* in, out */
	break;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* in, out imm8 */
    case 0xcd:					/* int imm8 */
	if (imm(&d, 1) < 0)
	    return -1;
	break;
    case 0xc0: case 0xc1:			/* shifts by imm8 */
	if (modrm(&d) < 0 || imm(&d, 1) < 0)
	    return -1;
	in->writes = w_rm(&d);
	break;
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:	/* shifts by 1, %cl */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = w_rm(&d);
	break;
    case 0xc6:					/* mov r/m8, imm8 (xabort) */
	if (modrm(&d) < 0 || imm(&d, 1) < 0)
	    return -1;
	in->writes = (d.reg & 7) == 0 ? w_rm(&d) : X86_ALL;
	break;
    case 0xc7:					/* mov r/m, imm32 (xbegin) */
	if (modrm(&d) < 0)
	    return -1;
	if ((d.reg & 7) != 0)
	    return -1;			/* xbegin: a branch we do not follow */
	if (imm(&d, iz(&d)) < 0)
	    return -1;
	in->writes = w_rm(&d);
	break;
    case 0xc2:					/* ret imm16 */
	if (imm(&d, 2) < 0)
	    return -1;
	in->kind = X86_RET;
	break;
    case 0xc3:
	in->kind = X86_RET;
	break;
    case 0xc8:					/* enter */
	if (imm(&d, 3) < 0)
	    return -1;
	break;
    case 0xc9:					/* leave */
	in->writes = R(X86_RSP) | R(5);
	break;
    case 0xcc: case 0xcf: case 0xf1: case 0xf4:	/* int3, iret, int1, hlt */
    case 0xca: case 0xcb:			/* far returns */
	in->kind = X86_STOP;
	break;
    case 0xd8: case 0xd9: case 0xda: case 0xdb:	/* x87 (fnstsw %ax) */
    case 0xdc: case 0xdd: case 0xde: case 0xdf:
	if (modrm(&d) < 0)
	    return -1;
	break;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3:	/* loop*, jrcxz */
	if (branch(&d, in, X86_LOOP, 1) < 0)
	    return -1;
	break;
    case 0xe8:					/* call rel32 */
	if (branch(&d, in, X86_CALL, 4) < 0)
	    return -1;
	break;
    case 0xe9: case 0xeb:			/* jmp rel32, rel8 */
	if (branch(&d, in, X86_JMP, op == 0xe9 ? 4 : 1) < 0)
	    return -1;
	break;
    case 0xf6: case 0xf7:			/* group 3 */
	if (modrm(&d) < 0)
	    return -1;
	grp = d.reg & 7;
	if (grp <= 1) {			/* test r/m, imm */
	    if (imm(&d, op == 0xf6 ? 1 : iz(&d)) < 0)
		return -1;
	    in->writes = 0;
	} else if (grp <= 3) {		/* not, neg */
	    in->writes = w_rm(&d);
	}				/* mul, div: %rax, %rdx (X86_ALL) */
	break;
    case 0xfe:					/* inc, dec r/m8 */
	if (modrm(&d) < 0)
	    return -1;
	in->writes = w_rm(&d);
	break;
    case 0xff:					/* group 5 */
	if (modrm(&d) < 0)
	    return -1;
	grp = d.reg & 7;
	if (grp <= 1)
	    in->writes = w_rm(&d);
	else if (grp == 2)
	    in->kind = X86_CALL_IND;
	else if (grp == 4)
	    in->kind = X86_JMP_IND;
	else if (grp == 6)
	    in->writes = R(X86_RSP);
	else
	    return -1;			/* far call/jmp, invalid */
	break;
    default:
	return -1;	/* invalid in 64-bit mode, VEX, EVEX, or unknown */
    }
done:
    if (!need(&d, 0))
	return -1;
    in->len = (int)d.i;
    if (in->kind != X86_OTHER)
	in->writes = in->kind == X86_CALL || in->kind == X86_CALL_IND ? X86_ALL : 0;
    return 0;
}

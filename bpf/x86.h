/*
 * x86.h - just enough x86-64 instruction decoding for the malloc
 * return-site analysis (probes.c): instruction lengths, branches and
 * their targets, and which general registers an instruction writes.
 *
 * Anything the decoder does not know (VEX/EVEX encodings, far
 * transfers, instructions invalid in 64-bit mode) is a failure: the
 * analysis then keeps the probes it would otherwise replace.
 */
#ifndef MT_X86_H
#define MT_X86_H

#include <stddef.h>

enum x86_kind {
    X86_OTHER = 0,	/* falls through to the next instruction */
    X86_JMP,		/* direct jmp */
    X86_JCC,		/* direct conditional jump (cc) */
    X86_LOOP,		/* loop/jrcxz: a conditional branch the kernel steps */
    X86_CALL,		/* direct call */
    X86_CALL_IND,	/* indirect call */
    X86_JMP_IND,	/* indirect jmp */
    X86_RET,
    X86_STOP		/* ud2, hlt, int3, iret, ...: no fall-through */
};

#define X86_RAX		0
#define X86_RSP		4
#define X86_ALL		0xffffu		/* writes unknown: any register */

struct x86_insn {
    int		len;
    int		kind;		/* enum x86_kind */
    int		cc;		/* X86_JCC: low nibble of the opcode */
    long long	rel;		/* direct branches: target = next + rel */
    unsigned	writes;		/* general registers written (bit n = reg n) */
    int		zeroes_rax;	/* xor %eax,%eax or mov $0,%eax */
    int		emulated;	/* the kernel emulates it at a uprobe */
};

/* decode the instruction at b (n bytes available); 0, or -1 if unknown */
int x86_decode(const unsigned char *b, size_t n, struct x86_insn *in);

#endif /* MT_X86_H */

/*
 * x86check.c - checks bpf/x86.c against objdump, for bpf/test/run.
 *
 *   objdump -d --insn-width=16 FILE | x86check
 *
 * For every instruction objdump prints: when x86_decode() understands
 * it, its length must be objdump's; when it says %rax is not written,
 * objdump's destination (the last operand) must not be %rax, %eax, %ax,
 * %al or %ah.  Prints "N checked, N not understood, N wrong" and the
 * first wrong ones; exits 1 if any is wrong.
 */
#include <stdio.h>
#include <string.h>
#include "x86.h"

static int
is_rax(const char *op)
{
    return !strcmp(op, "%rax") || !strcmp(op, "%eax") || !strcmp(op, "%ax") ||
	   !strcmp(op, "%al") || !strcmp(op, "%ah");
}

/* mnemonics whose last operand is read, not written */
static int
reads_last(const char *text)
{
    static const char *const pfx[] = {
	"cmp", "test", "bt ", "push", "j", "nop", "xchg %ax,%ax", "cs nop",
	"data16", "bnd", "notrack", "call", "ds ", "ret",
    };
    size_t	i;

    for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
	if (strncmp(text, pfx[i], strlen(pfx[i])) == 0)
	    return 1;
    return 0;
}

int
main(void)
{
    char		line[1024], *hex, *text, *p, *op, *nl;
    unsigned char	b[16];
    struct x86_insn	in;
    long		checked = 0, unknown = 0, wrong = 0;
    unsigned		v;
    int			n;

    while (fgets(line, sizeof(line), stdin)) {
	/* "  addr:\tbytes\tmnemonic operands" */
	if ((hex = strchr(line, '\t')) == NULL || (text = strchr(hex + 1, '\t')) == NULL)
	    continue;
	*text++ = '\0';
	if ((nl = strchr(text, '\n')) != NULL)
	    *nl = '\0';
	/* objdump pads the mnemonic: one space between words */
	for (p = op = text; *p; p++)
	    if (*p != ' ' || (op > text && op[-1] != ' '))
		*op++ = *p;
	*op = '\0';
	for (n = 0, p = hex + 1; n < 16 && sscanf(p, " %2x", &v) == 1; n++) {
	    b[n] = (unsigned char)v;
	    while (*p == ' ')
		p++;
	    p += 2;
	}
	if (n == 0)
	    continue;
	if (x86_decode(b, (size_t)n, &in) < 0) {
	    unknown++;
	    continue;
	}
	checked++;
	if (in.len != n) {
	    if (wrong++ < 20)
		printf("length %d, objdump %d:%s\t%s\n", in.len, n, line, text);
	    continue;
	}
	if ((in.writes & (1u << X86_RAX)) || reads_last(text))
	    continue;
	op = strrchr(text, ',');
	op = op ? op + 1 : strchr(text, ' ');
	if (op == NULL)
	    continue;
	while (*op == ' ')
	    op++;
	if (is_rax(op) && wrong++ < 20)
	    printf("writes %%rax:%s\t%s\n", line, text);
    }
    printf("%ld checked, %ld not understood, %ld wrong\n", checked, unknown, wrong);
    return wrong != 0;
}

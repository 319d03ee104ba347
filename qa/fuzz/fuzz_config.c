/*
 * fuzz_config.c - libFuzzer target: pipe.conf text through the parser,
 * option resolution and the access decision.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../access.h"
#include "../../config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pipe_config		*cfg = config_new();
    struct config_diag		diag = { 0 };
    struct access_subject	subj = { 0 };
    struct access_decision	d;
    const char			*groups[] = { "adm", "perf" };
    char			*text;
    size_t			i;

    if (cfg == NULL || (text = malloc(size + 1)) == NULL) {
	config_free(cfg);
	return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (config_parse_text(cfg, "fuzz.conf", text, &diag) >= 0)
	config_finish(cfg, &diag);
    subj.uid = 1000;
    subj.user = "bob";
    subj.groups = groups;
    subj.ngroups = 2;
    for (i = 0; i < cfg->ncmds; i++)
	access_decide(cfg, &subj, cfg->cmds[i].name, &d);
    diag_clear(&diag);
    config_free(cfg);
    free(text);
    return 0;
}

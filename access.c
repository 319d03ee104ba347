/*
 * access.c - the [access] decision.
 */
#include <string.h>
#include "access.h"


static int
in_groups(const struct access_subject *s, const char *name)
{
    int		i;

    for (i = 0; i < s->ngroups; i++)
	if (s->groups[i] && strcmp(s->groups[i], name) == 0)
	    return 1;
    return 0;
}

/* 1..4 from most to least specific, 0 when the rule does not apply */
static int
specificity(const struct pipe_rule *r, const struct access_subject *s,
	const char *instance)
{
    int		wild = strcmp(r->instance, "*") == 0;

    if (!wild && strcmp(r->instance, instance) != 0)
	return 0;
    if (r->kind == RULE_USER) {
	if (s->user == NULL || strcmp(r->who, s->user) != 0)
	    return 0;
	return wild ? 3 : 1;
    }
    if (!in_groups(s, r->who))
	return 0;
    return wild ? 4 : 2;
}

int
access_decide(const struct pipe_config *cfg, const struct access_subject *s,
	const char *instance, struct access_decision *d)
{
    const struct pipe_rule	*best = NULL;
    size_t			i;
    int				level, best_level = 5;

    memset(d, 0, sizeof(*d));
    if (!s->anonymous && s->uid == 0) {
	d->allow = 1;
	d->reason = ACCESS_ROOT;
	return 1;
    }
    if (!config_controlled(cfg, instance)) {
	d->allow = 1;
	d->reason = ACCESS_UNCONTROLLED;
	return 1;
    }
    if (s->anonymous) {
	d->reason = ACCESS_ANONYMOUS;
	return 0;
    }
    for (i = 0; i < cfg->nrules; i++) {
	level = specificity(&cfg->rules[i], s, instance);
	if (level == 0 || level > best_level)
	    continue;
	if (best == NULL || level < best_level ||
	    (best->allow && !cfg->rules[i].allow)) {
	    best = &cfg->rules[i];
	    best_level = level;
	}
    }
    if (best == NULL) {
	d->reason = ACCESS_NO_RULE;
	return 0;
    }
    d->reason = ACCESS_RULE;
    d->rule = best;
    d->allow = best->allow;
    return d->allow;
}

const char *
access_reason_text(enum access_reason r)
{
    switch (r) {
    case ACCESS_ROOT:
	return "root";
    case ACCESS_UNCONTROLLED:
	return "no access rule covers the instance";
    case ACCESS_RULE:
	return "access rule";
    case ACCESS_ANONYMOUS:
	return "anonymous client (connect with -h local:)";
    case ACCESS_NO_RULE:
	return "no access rule allows it";
    }
    return "unknown";
}

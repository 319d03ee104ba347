/*
 * test_access.c - the [access] decision as a table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../access.h"

#define CMDS "a root cmd-a\nb root cmd-b\nc root cmd-c\nopen root cmd-open\n"

/* rule sets */
#define R_NONE CMDS
#define R_USER_STAR CMDS "[access]\nallow user bob : *;\n"
#define R_STOCK CMDS "[access]\n" \
    "allow user bob : *;\n" \
    "allow user jane : b\n" \
    "allow group perf : c;\n"
/* levels: group+* (line 6), user+* (7), group+inst (8), user+inst (9, 10) */
#define R_PREC CMDS "[access]\n" \
    "allow group staff : *\n" \
    "disallow user bob : *\n" \
    "allow group perf : a\n" \
    "allow user bob : b\n" \
    "disallow group perf : b\n"
#define R_TIE CMDS "[access]\n" \
    "allow user bob : a\n" \
    "disallow user bob : a\n" \
    "allow group perf : b\n" \
    "disallow group ops : b\n" \
    "allow user bob : *\n" \
    "disallow user bob : all\n"
#define R_GROUP_ONLY CMDS "[access]\n" \
    "allow group perf : a\n" \
    "disallow group perf : c\n"
#define R_DISALLOW_ONLY CMDS "[access]\n" \
    "disallow user eve : a;\n"
#define R_ALL CMDS "[access]\n" \
    "allow group users : all\n" \
    "disallow group guests : *\n" \
    "allow user guest1 : b\n"

struct row {
    const char		*rules;
    int			anonymous;
    unsigned int	uid;
    const char		*user;
    const char		*groups;	/* comma separated */
    const char		*instance;
    int			allow;
    enum access_reason	reason;
    int			rule_line;	/* line of the deciding rule, 0: none */
};

static const struct row rows[] = {
    /* root and uncontrolled */
    { R_NONE, 0, 0, "root", "root", "a", 1, ACCESS_ROOT, 0 },
    { R_NONE, 0, 1000, "bob", "bob", "a", 1, ACCESS_UNCONTROLLED, 0 },
    { R_NONE, 1, 0, NULL, "", "a", 1, ACCESS_UNCONTROLLED, 0 },
    { R_USER_STAR, 0, 0, "root", "root", "a", 1, ACCESS_ROOT, 0 },
    { R_DISALLOW_ONLY, 0, 1001, "bob", "bob", "open", 1, ACCESS_UNCONTROLLED, 0 },
    { R_DISALLOW_ONLY, 1, 0, NULL, "", "open", 1, ACCESS_UNCONTROLLED, 0 },
    /* a '*' rule controls every instance */
    { R_USER_STAR, 0, 1000, "bob", "bob", "a", 1, ACCESS_RULE, 6 },
    { R_USER_STAR, 0, 1000, "bob", "bob", "open", 1, ACCESS_RULE, 6 },
    { R_USER_STAR, 0, 1002, "jane", "jane", "a", 0, ACCESS_NO_RULE, 0 },
    { R_USER_STAR, 1, 0, NULL, "", "a", 0, ACCESS_ANONYMOUS, 0 },
    /* the stock example */
    { R_STOCK, 0, 1000, "bob", "bob", "c", 1, ACCESS_RULE, 6 },
    { R_STOCK, 0, 1002, "jane", "jane", "b", 1, ACCESS_RULE, 7 },
    { R_STOCK, 0, 1002, "jane", "jane", "a", 0, ACCESS_NO_RULE, 0 },
    { R_STOCK, 0, 1003, "pat", "pat,perf", "c", 1, ACCESS_RULE, 8 },
    { R_STOCK, 0, 1003, "pat", "perf", "b", 0, ACCESS_NO_RULE, 0 },
    { R_STOCK, 0, 1004, "sam", "sam,wheel", "c", 0, ACCESS_NO_RULE, 0 },
    { R_STOCK, 1, 0, NULL, "", "b", 0, ACCESS_ANONYMOUS, 0 },
    /* precedence: user+inst > group+inst > user+* > group+* */
    { R_PREC, 0, 1000, "bob", "bob,staff,perf", "b", 1, ACCESS_RULE, 9 },
    { R_PREC, 0, 1000, "bob", "bob,staff,perf", "a", 1, ACCESS_RULE, 8 },
    { R_PREC, 0, 1000, "bob", "bob,staff,perf", "c", 0, ACCESS_RULE, 7 },
    { R_PREC, 0, 1000, "bob", "bob,staff", "open", 0, ACCESS_RULE, 7 },
    { R_PREC, 0, 1005, "ann", "ann,staff", "open", 1, ACCESS_RULE, 6 },
    { R_PREC, 0, 1005, "ann", "ann,staff,perf", "b", 0, ACCESS_RULE, 10 },
    { R_PREC, 0, 1005, "ann", "ann,staff,perf", "a", 1, ACCESS_RULE, 8 },
    { R_PREC, 0, 1006, "zed", "zed", "a", 0, ACCESS_NO_RULE, 0 },
    /* equal specificity: disallow wins, in either order */
    { R_TIE, 0, 1000, "bob", "bob", "a", 0, ACCESS_RULE, 7 },
    { R_TIE, 0, 1007, "kim", "perf,ops", "b", 0, ACCESS_RULE, 9 },
    { R_TIE, 0, 1007, "kim", "perf", "b", 1, ACCESS_RULE, 8 },
    { R_TIE, 0, 1000, "bob", "bob", "c", 0, ACCESS_RULE, 11 },
    /* group membership: primary or supplementary, by name */
    { R_GROUP_ONLY, 0, 1008, "lee", "perf", "a", 1, ACCESS_RULE, 6 },
    { R_GROUP_ONLY, 0, 1008, "lee", "lee,video,perf", "a", 1, ACCESS_RULE, 6 },
    { R_GROUP_ONLY, 0, 1008, "lee", "lee,video", "a", 0, ACCESS_NO_RULE, 0 },
    { R_GROUP_ONLY, 0, 1008, "lee", "perf", "c", 0, ACCESS_RULE, 7 },
    { R_GROUP_ONLY, 0, 1008, "lee", "perf", "b", 1, ACCESS_UNCONTROLLED, 0 },
    { R_GROUP_ONLY, 1, 0, NULL, "", "b", 1, ACCESS_UNCONTROLLED, 0 },
    { R_GROUP_ONLY, 1, 0, NULL, "", "a", 0, ACCESS_ANONYMOUS, 0 },
    /* a user rule never matches a group of the same name, nor vice versa */
    { R_GROUP_ONLY, 0, 1009, "perf", "other", "a", 0, ACCESS_NO_RULE, 0 },
    { R_USER_STAR, 0, 1010, "alice", "bob", "a", 0, ACCESS_NO_RULE, 0 },
    /* disallow-only rules control the named instance */
    { R_DISALLOW_ONLY, 0, 1011, "eve", "eve", "a", 0, ACCESS_RULE, 6 },
    { R_DISALLOW_ONLY, 0, 1000, "bob", "bob", "a", 0, ACCESS_NO_RULE, 0 },
    /* 'all' == '*'; user+inst allow beats group+* disallow */
    { R_ALL, 0, 1012, "u1", "users", "c", 1, ACCESS_RULE, 6 },
    { R_ALL, 0, 1013, "guest1", "users,guests", "a", 0, ACCESS_RULE, 7 },
    { R_ALL, 0, 1013, "guest1", "users,guests", "b", 1, ACCESS_RULE, 8 },
    /* a user whose name could not be resolved matches only group rules */
    { R_ALL, 0, 1014, NULL, "users", "a", 1, ACCESS_RULE, 6 },
    { R_USER_STAR, 0, 1014, NULL, "", "a", 0, ACCESS_NO_RULE, 0 },
};

static int
split_groups(const char *list, const char **out, char *buf, size_t len)
{
    char	*tok, *save = NULL;
    int		n = 0;

    strncpy(buf, list, len - 1);
    buf[len - 1] = '\0';
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	out[n++] = tok;
    return n;
}

static void
test_table(void **state)
{
    size_t	i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
	const struct row	*r = &rows[i];
	struct pipe_config	*cfg = config_new();
	struct config_diag	diag = { 0 };
	struct access_subject	s = { 0 };
	struct access_decision	d;
	const char		*groups[16];
	char			buf[256];
	int			allow;

	assert_non_null(cfg);
	assert_int_equal(config_parse_text(cfg, "t.conf", r->rules, &diag), 0);
	s.anonymous = r->anonymous;
	s.uid = r->uid;
	s.user = r->user;
	s.ngroups = split_groups(r->groups, groups, buf, sizeof(buf));
	s.groups = groups;
	allow = access_decide(cfg, &s, r->instance, &d);
	if (allow != r->allow || d.allow != r->allow || d.reason != r->reason ||
	    (r->rule_line != 0) != (d.rule != NULL) ||
	    (d.rule && d.rule->line != r->rule_line))
	    fail_msg("row %zu: %s uid %u groups %s instance %s: got allow=%d "
		     "reason=%s line=%d, want allow=%d reason=%s line=%d",
		     i, r->user ? r->user : "(none)", r->uid, r->groups,
		     r->instance, allow, access_reason_text(d.reason),
		     d.rule ? d.rule->line : 0, r->allow,
		     access_reason_text(r->reason), r->rule_line);
	diag_clear(&diag);
	config_free(cfg);
    }
}

static void
test_controlled(void **state)
{
    struct pipe_config	*cfg = config_new();
    struct config_diag	diag = { 0 };

    (void)state;
    assert_int_equal(config_parse_text(cfg, "t.conf", R_GROUP_ONLY, &diag), 0);
    assert_true(config_controlled(cfg, "a"));
    assert_false(config_controlled(cfg, "b"));
    assert_true(config_controlled(cfg, "c"));
    config_free(cfg);
    cfg = config_new();
    assert_int_equal(config_parse_text(cfg, "t.conf", R_USER_STAR, &diag), 0);
    assert_true(config_controlled(cfg, "open"));
    config_free(cfg);
    diag_clear(&diag);
}

static void
test_many_rules(void **state)
{
    struct pipe_config	*cfg = config_new();
    struct config_diag	diag = { 0 };
    struct access_subject s = { 0 };
    struct access_decision d;
    const char		*groups[] = { "g99" };
    char		*text = NULL, line[128];
    size_t		len = 0;
    FILE		*f = open_memstream(&text, &len);
    int			i;

    /* far beyond the stock agent's 32-rule cap */
    (void)state;
    for (i = 0; i < 100; i++)
	fprintf(f, "i%d root cmd\n", i);
    fprintf(f, "[access]\n");
    for (i = 0; i < 100; i++)
	fprintf(f, "allow user u%d : i%d\nallow group g%d : i%d\n", i, i, i, i);
    fclose(f);
    assert_int_equal(config_parse_text(cfg, "many.conf", text, &diag), 0);
    assert_int_equal(cfg->nrules, 200);
    s.uid = 5000;
    s.user = "u77";
    s.groups = groups;
    s.ngroups = 1;
    assert_int_equal(access_decide(cfg, &s, "i77", &d), 1);
    assert_int_equal(access_decide(cfg, &s, "i99", &d), 1);
    assert_int_equal(access_decide(cfg, &s, "i98", &d), 0);
    snprintf(line, sizeof(line), "%d", d.reason);
    assert_string_equal(line, "4");	/* ACCESS_NO_RULE */
    free(text);
    diag_clear(&diag);
    config_free(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_table),
	cmocka_unit_test(test_controlled),
	cmocka_unit_test(test_many_rules),
    };

    return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}

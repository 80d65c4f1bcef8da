/* test_parse.c - the one option parser of the ewsemu commands (cli/parse.c):
 * both value spellings, prefixes, arguments anywhere, "--", the common
 * options, and each refusal with its exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

enum { OPT_USER = 1, OPT_REMOVE, OPT_ANON, OPT_ANONYMISE };

static const struct cli_opt OPTS[] = {
	{ "user", CLI_VALUE, OPT_USER }, { "remove", CLI_FLAG, OPT_REMOVE }, { "anonymous", CLI_FLAG, OPT_ANON },
	{ "anonymise", CLI_FLAG, OPT_ANONYMISE }, { "anonymize", CLI_FLAG, OPT_ANONYMISE }, { NULL, CLI_FLAG, 0 } };
static const struct cli_cmd CMD = { .name = "test", .help = "usage: ewsemu test\n", .opts = OPTS, .uses_store = 1 };
static const struct cli_cmd NOSTORE = { .name = "test", .help = "usage: ewsemu test\n", .opts = OPTS };

/* What one parse saw. */
struct seen {
	const char *user;
	int remove, anon, anonymise;
	int end;                           /* CLI_END or CLI_STOP */
	int status;
};

/* Parse @p argv (NULL-terminated, argv[0] the command) into @p s; @p p
 * keeps the arguments. */
static void parse(const struct cli_cmd *cmd, char **argv, struct cli_parser *p, struct seen *s)
{
	int argc = 0, c;
	while (argv[argc])
		argc++;
	memset(s, 0, sizeof *s);
	cli_begin(p, cmd, argc, argv);
	while ((c = cli_next(p)) > 0) {
		switch (c) {
		case OPT_USER: s->user = p->value; break;
		case OPT_REMOVE: s->remove++; break;
		case OPT_ANON: s->anon++; break;
		case OPT_ANONYMISE: s->anonymise++; break;
		default: fail_msg("unexpected id %d", c);
		}
	}
	s->end = c;
	s->status = p->status;
}

static void test_value_spellings_and_order(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	char *a[] = { "test", "ARG1", "--user=a@x", "ARG2", "--remove", "--store", "DIR", NULL };
	parse(&CMD, a, &p, &s);
	assert_int_equal(s.end, CLI_END);
	assert_string_equal(s.user, "a@x");
	assert_int_equal(s.remove, 1);
	assert_string_equal(p.store, "DIR");
	assert_int_equal(p.nargs, 2);
	assert_string_equal(p.args[0], "ARG1");
	assert_string_equal(p.args[1], "ARG2");
	assert_int_equal(cli_args(&p, 2, 2), 0);

	char *b[] = { "test", "--user", "b@x", "--store=D2", NULL };
	parse(&CMD, b, &p, &s);
	assert_int_equal(s.end, CLI_END);
	assert_string_equal(s.user, "b@x");
	assert_string_equal(p.store, "D2");
	assert_int_equal(p.nargs, 0);

	/* an empty value is a value; a value may begin with dashes */
	char *c[] = { "test", "--user=", NULL };
	parse(&CMD, c, &p, &s);
	assert_int_equal(s.end, CLI_END);
	assert_string_equal(s.user, "");
	char *d[] = { "test", "--user", "--remove", NULL };
	parse(&CMD, d, &p, &s);
	assert_string_equal(s.user, "--remove");
	assert_int_equal(s.remove, 0);

	char *dflt[] = { "test", NULL };
	parse(&CMD, dflt, &p, &s);
	assert_string_equal(p.store, CLI_DEFAULT_STORE);
}

static void test_double_dash_and_single_dash(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	char *a[] = { "test", "--remove", "--", "--user", "-", "-h", NULL };
	parse(&CMD, a, &p, &s);
	assert_int_equal(s.end, CLI_END);
	assert_int_equal(s.remove, 1);
	assert_null(s.user);
	assert_int_equal(p.nargs, 3);
	assert_string_equal(p.args[0], "--user");
	assert_string_equal(p.args[1], "-");
	assert_string_equal(p.args[2], "-h");
}

static void test_prefixes(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	char *a[] = { "test", "--us", "u@x", "--rem", NULL };
	parse(&CMD, a, &p, &s);
	assert_int_equal(s.end, CLI_END);
	assert_string_equal(s.user, "u@x");
	assert_int_equal(s.remove, 1);
	/* two spellings of one option are one option */
	char *b[] = { "test", "--anonymi", NULL };
	parse(&CMD, b, &p, &s);
	assert_int_equal(s.end, CLI_END);
	assert_int_equal(s.anonymise, 1);
	/* an exact name wins over the longer names it begins */
	char *c[] = { "test", "--anonymous", NULL };
	parse(&CMD, c, &p, &s);
	assert_int_equal(s.anon, 1);
	assert_int_equal(s.anonymise, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	char *cases[][4] = {
		{ "test", "--bogus", NULL },        /* unknown */
		{ "test", "--anon", NULL },         /* ambiguous: anonymous, anonymise */
		{ "test", "--user", NULL },         /* missing value */
		{ "test", "--remove=1", NULL },     /* a value for a flag */
		{ "test", "--help=1", NULL },
		{ "test", "-x", NULL },             /* unknown short option */
		{ "test", "--", NULL },             /* fine: checked below */
		{ "test", "--=x", NULL },           /* no name */
		{ "test", "--log-level=nonsense", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (!strcmp(cases[i][1], "--"))
			continue;
		parse(&CMD, cases[i], &p, &s);
		assert_int_equal(s.end, CLI_STOP);
		assert_int_equal(s.status, 2);
	}
	/* --store only where the command opens a store */
	char *st[] = { "test", "--store", "D", NULL };
	parse(&NOSTORE, st, &p, &s);
	assert_int_equal(s.end, CLI_STOP);
	assert_int_equal(s.status, 2);
}

static void test_help_and_log_level(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	char *h[] = { "test", "ARG", "-h", "--bogus-after-help-is-not-read", NULL };
	parse(&CMD, h, &p, &s);
	assert_int_equal(s.end, CLI_STOP);
	assert_int_equal(s.status, 0);
	char *help[] = { "test", "--help", "--bogus", NULL };
	parse(&CMD, help, &p, &s);
	assert_int_equal(s.end, CLI_STOP);
	assert_int_equal(s.status, 0);
	char *lvl[] = { "test", "--log-level", "error", NULL };
	parse(&NOSTORE, lvl, &p, &s);
	assert_int_equal(s.end, CLI_END);
}

static void test_argument_counts(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	char *two[] = { "test", "A", "B", NULL };
	parse(&CMD, two, &p, &s);
	assert_int_equal(cli_args(&p, 2, 2), 0);
	assert_int_equal(cli_args(&p, 1, 1), 2);
	assert_int_equal(cli_args(&p, 3, 3), 2);
	assert_int_equal(cli_args(&p, 0, 3), 0);
	assert_int_equal(cli_end(&p, CLI_END, 2, 2), -1);
	assert_int_equal(cli_end(&p, CLI_END, 1, 1), 2);
	p.status = 0;
	assert_int_equal(cli_end(&p, CLI_STOP, 2, 2), 0);
}

static void test_numbers(void **state)
{
	(void)state;
	struct cli_parser p;
	struct seen s;
	long v = -7;
	char *a[] = { "test", "--user", "x", NULL };
	parse(&CMD, a, &p, &s);
	static const struct {
		const char *text;
		int ok;
		long want;
	} nums[] = { { "0", 1, 0 }, { "10", 1, 10 }, { "11", 0, 0 }, { "-1", 0, 0 }, { "", 0, 0 }, { "5x", 0, 0 },
	             { "1.5", 0, 0 }, { " 5", 1, 5 }, { "99999999999999999999999", 0, 0 } };
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		p.value = nums[i].text;
		v = -7;
		int rc = cli_number(&p, 0, 10, i % 2 ? "seconds" : NULL, &v);
		assert_int_equal(rc, nums[i].ok ? 0 : 2);
		assert_int_equal(v, nums[i].ok ? nums[i].want : -7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_spellings_and_order),
		cmocka_unit_test(test_double_dash_and_single_dash),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_help_and_log_level),
		cmocka_unit_test(test_argument_counts),
		cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

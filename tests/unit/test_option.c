/* test_option.c - unit tests for declarative option tables (core/option.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/option.h"
#include "unit.h"

struct cfg {
	char *host;
	long long port;
	uint64_t buffer;
	bool flag;
	int mode;
	struct sl_strlist dbs;
	char *password;
	long long verbose;
};

static const char *const modes[] = {"auto", "ftwrl", "none", NULL};

static const struct sl_option opts[] = {
    {.name = "host",
     .short_name = 'h',
     .type = SL_OPT_STRING,
     .def = "localhost",
     .offset = offsetof(struct cfg, host),
     .arg = "HOST",
     .help = "server host"},
    {.name = "port",
     .short_name = 'P',
     .type = SL_OPT_INT,
     .def = "3306",
     .offset = offsetof(struct cfg, port),
     .help = "port",
     .min = 1,
     .max = 65535},
    {.name = "buffer",
     .type = SL_OPT_SIZE,
     .def = "32M",
     .offset = offsetof(struct cfg, buffer),
     .help = "buffer"},
    {.name = "flag", .type = SL_OPT_BOOL, .offset = offsetof(struct cfg, flag), .help = "a flag"},
    {.name = "mode",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = modes,
     .offset = offsetof(struct cfg, mode),
     .help = "lock mode"},
    {.name = "databases",
     .short_name = 'B',
     .type = SL_OPT_LIST,
     .offset = offsetof(struct cfg, dbs),
     .help = "databases"},
    {.name = "password",
     .short_name = 'p',
     .type = SL_OPT_STRING,
     .flags = SL_OPTF_OPTIONAL_ARG | SL_OPTF_SECRET,
     .offset = offsetof(struct cfg, password),
     .help = "password"},
    {.name = "verbose",
     .short_name = 'v',
     .type = SL_OPT_INT,
     .flags = SL_OPTF_COUNT,
     .offset = offsetof(struct cfg, verbose),
     .help = "more"},
    {.name = "hidden",
     .type = SL_OPT_BOOL,
     .flags = SL_OPTF_HIDDEN,
     .offset = offsetof(struct cfg, flag),
     .help = "not shown"},
    SL_OPTION_END};

static void test_defaults(void)
{
	struct cfg c;
	struct sl_error err = {0};
	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(sl_options_defaults(opts, &c, &err), 0);
	CHECK_EQ_STR(c.host, "localhost");
	CHECK_EQ_INT(c.port, 3306);
	CHECK_EQ_INT(c.buffer, 32 << 20);
	CHECK_EQ_INT(c.mode, 0);
	CHECK(!c.flag);
	CHECK(c.password == NULL);
	sl_options_free(opts, &c);
	CHECK(c.host == NULL);
}

static void test_sizes(void)
{
	uint64_t v;
	CHECK_EQ_INT(sl_parse_size("512", &v), 0);
	CHECK_EQ_INT(v, 512);
	CHECK_EQ_INT(sl_parse_size("64K", &v), 0);
	CHECK_EQ_INT(v, 65536);
	CHECK_EQ_INT(sl_parse_size("1g", &v), 0);
	CHECK_EQ_INT(v, 1LL << 30);
	CHECK_EQ_INT(sl_parse_size("32MB", &v), 0);
	CHECK_EQ_INT(v, 32 << 20);
	CHECK_EQ_INT(sl_parse_size("", &v), SL_EUSAGE);
	CHECK_EQ_INT(sl_parse_size("-1", &v), SL_EUSAGE);
	CHECK_EQ_INT(sl_parse_size("12X", &v), SL_EUSAGE);
	CHECK_EQ_INT(sl_parse_size("M", &v), SL_EUSAGE);
	CHECK_EQ_INT(sl_parse_size("99999999999999T", &v), SL_EUSAGE);
	CHECK_EQ_INT(sl_parse_size("1M2", &v), SL_EUSAGE);
}

static void test_values(void)
{
	struct cfg c;
	struct sl_error err = {0};
	memset(&c, 0, sizeof(c));
	sl_options_defaults(opts, &c, &err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "host", "db1", &err), 0);
	CHECK_EQ_STR(c.host, "db1");
	CHECK_EQ_INT(sl_options_set(opts, &c, "port", "3307", &err), 0);
	CHECK_EQ_INT(c.port, 3307);
	CHECK_EQ_INT(sl_options_set(opts, &c, "flag", NULL, &err), 0);
	CHECK(c.flag);
	CHECK_EQ_INT(sl_options_set(opts, &c, "flag", "false", &err), 0);
	CHECK(!c.flag);
	CHECK_EQ_INT(sl_options_set(opts, &c, "mode", "none", &err), 0);
	CHECK_EQ_INT(c.mode, 2);
	CHECK_EQ_INT(sl_options_set(opts, &c, "mode", "FTWRL", &err), 0); /* case is free */
	CHECK_EQ_INT(c.mode, 1);
	CHECK_EQ_INT(sl_options_set(opts, &c, "buffer", "8M", &err), 0);
	CHECK_EQ_INT(c.buffer, 8 << 20);
	sl_options_free(opts, &c);
}

static void test_errors(void)
{
	struct cfg c;
	memset(&c, 0, sizeof(c));
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_options_set(opts, &c, "nope", "1", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "unknown option 'nope'") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "port", "abc", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "--port") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "port", "70000", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "out of range") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "port", "12x", &err), SL_EUSAGE);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "mode", "bogus", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "auto, ftwrl, none") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "mode", "ftwr", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "did you mean 'ftwrl'?") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "flag", "maybe", &err), SL_EUSAGE);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "buffer", "lots", &err), SL_EUSAGE);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "host", NULL, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "needs a value") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set(opts, &c, "databases", "a,,b", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "empty item") != NULL);
	/* First error wins: a later one does not overwrite the message. */
	CHECK_EQ_INT(sl_options_set(opts, &c, "nope", "1", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "empty item") != NULL);
	sl_options_free(opts, &c);
}

static void test_lists_and_flags(void)
{
	struct cfg c;
	memset(&c, 0, sizeof(c));
	struct sl_error err = {0};
	CHECK_EQ_INT(sl_options_set(opts, &c, "databases", "a,b", &err), 0);
	CHECK_EQ_INT(sl_options_set(opts, &c, "databases", "c", &err), 0);
	CHECK_EQ_INT(c.dbs.n, 3);
	CHECK_EQ_STR(c.dbs.v[0], "a");
	CHECK_EQ_STR(c.dbs.v[2], "c");
	/* -p alone: a value that means "ask". */
	CHECK_EQ_INT(sl_options_set(opts, &c, "password", NULL, &err), 0);
	CHECK_EQ_STR(c.password, SL_OPT_NO_VALUE);
	CHECK_EQ_INT(sl_options_set(opts, &c, "password", "s3cret", &err), 0);
	CHECK_EQ_STR(c.password, "s3cret");
	CHECK_EQ_INT(sl_options_set(opts, &c, "verbose", NULL, &err), 0);
	CHECK_EQ_INT(sl_options_set(opts, &c, "verbose", NULL, &err), 0);
	CHECK_EQ_INT(c.verbose, 2);
	CHECK(sl_options_find(opts, NULL, 'B') == &opts[5]);
	CHECK(sl_options_find(opts, "mode", 0) == &opts[4]);
	CHECK(sl_options_find(opts, NULL, 'z') == NULL);
	sl_options_free(opts, &c);
	CHECK_EQ_INT(c.dbs.n, 0);
	CHECK(c.password == NULL);
}

static void test_help(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	sl_options_help(opts, "Connection", f);
	fclose(f);
	CHECK(strstr(text, "Connection:") != NULL);
	CHECK(strstr(text, "-h, --host=HOST") != NULL);
	CHECK(strstr(text, "[default: localhost]") != NULL);
	CHECK(strstr(text, "(auto|ftwrl|none)") != NULL);
	CHECK(strstr(text, "-p, --password[=") != NULL);
	CHECK(strstr(text, "-v, --verbose ") != NULL);
	CHECK(strstr(text, "hidden") == NULL);
	free(text);
}

static const struct sl_option conn_opts[] = {{.name = "host",
                                              .short_name = 'h',
                                              .type = SL_OPT_STRING,
                                              .flags = SL_OPTF_CONN,
                                              .offset = offsetof(struct cfg, host),
                                              .help = "host"},
                                             {.name = "port",
                                              .short_name = 'P',
                                              .type = SL_OPT_INT,
                                              .flags = SL_OPTF_CONN,
                                              .offset = offsetof(struct cfg, port),
                                              .help = "port",
                                              .min = 1,
                                              .max = 65535},
                                             {.name = "password",
                                              .short_name = 'p',
                                              .type = SL_OPT_STRING,
                                              .flags = SL_OPTF_CONN | SL_OPTF_SECRET,
                                              .offset = offsetof(struct cfg, password),
                                              .help = "password"},
                                             {.name = "mode",
                                              .type = SL_OPT_ENUM,
                                              .def = "auto",
                                              .choices = modes,
                                              .flags = SL_OPTF_CONN,
                                              .offset = offsetof(struct cfg, mode),
                                              .help = "mode"},
                                             {.name = "databases",
                                              .short_name = 'B',
                                              .type = SL_OPT_LIST,
                                              .offset = offsetof(struct cfg, dbs),
                                              .help = "not a connection option"},
                                             SL_OPTION_END};

static void test_dsn(void)
{
	struct cfg c;
	struct sl_error err = {0};
	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(
	    sl_options_set_dsn(conn_opts, &c, "--from", "h=db1,P=3307,p=s3,mode=none", &err), 0);
	CHECK_EQ_STR(c.host, "db1");
	CHECK_EQ_INT(c.port, 3307);
	CHECK_EQ_STR(c.password, "s3");
	CHECK_EQ_INT(c.mode, 2);
	CHECK_EQ_INT(sl_options_set_dsn(conn_opts, &c, "--to", "", &err), 0); /* nothing to set */

	CHECK_EQ_INT(sl_options_set_dsn(conn_opts, &c, "--to", "h=x,B=shop", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "--to: unknown key 'B'") != NULL); /* not a connection option */
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set_dsn(conn_opts, &c, "--from", "db1", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "is not key=value") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set_dsn(conn_opts, &c, "--from", "P=99999", &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "out of range") != NULL);
	sl_error_clear(&err);
	CHECK_EQ_INT(sl_options_set_dsn(conn_opts, &c, "--from", "=x", &err), SL_EUSAGE);
	sl_options_free(conn_opts, &c);
}

static void test_help_filtered(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	sl_options_help_filtered(conn_opts, "Source", SL_OPTF_CONN, f);
	sl_options_help_filtered(conn_opts, "Nothing", SL_OPTF_CONN | SL_OPTF_HIDDEN, f);
	fclose(f);
	CHECK(strstr(text, "--databases") != NULL);
	CHECK(strstr(text, "--host") == NULL);
	CHECK(strstr(text, "Source:") != NULL);
	free(text);
}

static void test_out_of_memory(void)
{
	/* Every allocation failing in turn must give SL_ENOMEM, never a crash. */
	for (long n = 0; n < 6; n++) {
		struct cfg c;
		memset(&c, 0, sizeof(c));
		struct sl_error err = {0};
		sl_alloc_fail_after(n);
		int rc = sl_options_set(opts, &c, "databases", "a,b,c", &err);
		sl_alloc_fail_after(-1);
		CHECK(rc == 0 || rc == SL_ENOMEM);
		if (rc == 0)
			CHECK_EQ_INT(c.dbs.n, 3);
		sl_options_free(opts, &c);
	}
}

int main(void)
{
	UNIT_RUN(test_defaults);
	UNIT_RUN(test_sizes);
	UNIT_RUN(test_values);
	UNIT_RUN(test_errors);
	UNIT_RUN(test_lists_and_flags);
	UNIT_RUN(test_help);
	UNIT_RUN(test_dsn);
	UNIT_RUN(test_help_filtered);
	UNIT_RUN(test_out_of_memory);
	return UNIT_DONE();
}

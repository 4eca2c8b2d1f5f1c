/* test_optfile.c - unit tests for option files (core/base/optfile.c) and
 * "did you mean" (core/base/suggest.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/optfile.h"
#include "base/suggest.h"
#include "unit.h"

/* What the reader handed on, one "group|key|value" line each ("-" for no
 * value). */
static char seen[8192];

static int collect(void *ud, const char *group, const char *key, const char *value,
                   const char *where, struct sl_error *err)
{
	(void)ud;
	(void)err;
	CHECK(strchr(where, ':') != NULL);
	size_t n = strlen(seen);
	snprintf(seen + n, sizeof(seen) - n, "%s|%s|%s\n", group, key, value ? value : "-");
	return 0;
}

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int read_one(const char *name, bool must, struct sl_error *err)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	seen[0] = '\0';
	sl_error_clear(err);
	return sl_optfile_read(path, must, collect, NULL, err);
}

static void test_syntax(void)
{
	struct sl_error err = {0};
	put("a.cnf", "# comment\n; another\n\n[client]\nuser = alice\nport=3307 # trailing\n"
	             "  [ sluice ]  \nsingle_transaction\npassword=\"p#w \\\"q\\\" \\\\ \\s\"\n"
	             "where='a = 1' # c\nchunk-filesize=64M\n");
	CHECK_EQ_INT(read_one("a.cnf", true, &err), 0);
	CHECK_EQ_STR(
	    seen,
	    "client|user|alice\nclient|port|3307\nsluice|single-transaction|-\n"
	    "sluice|password|p#w \"q\" \\  \nsluice|where|a = 1\nsluice|chunk-filesize|64M\n");
}

static void test_errors(void)
{
	struct sl_error err = {0};
	put("nogroup.cnf", "user=bob\n");
	CHECK_EQ_INT(read_one("nogroup.cnf", true, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "nogroup.cnf:1: an option before any [group]") != NULL);
	put("quote.cnf", "[x]\nk=\"open\n");
	CHECK_EQ_INT(read_one("quote.cnf", true, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "quote.cnf:2: a quote is not closed") != NULL);
	put("group.cnf", "[x\n");
	CHECK_EQ_INT(read_one("group.cnf", true, &err), SL_EUSAGE);
	put("eq.cnf", "[x]\n=1\n");
	CHECK_EQ_INT(read_one("eq.cnf", true, &err), SL_EUSAGE);
	put("bang.cnf", "[x]\n!frobnicate y\n");
	CHECK_EQ_INT(read_one("bang.cnf", true, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "unknown directive") != NULL);
	CHECK_EQ_INT(read_one("missing.cnf", false, &err), 0);
	CHECK_EQ_INT(read_one("missing.cnf", true, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "cannot read option file") != NULL);
	/* Binary junk and files past the size bound are refused, not read. */
	char path[256];
	snprintf(path, sizeof(path), "%s/nul.cnf", dir);
	FILE *f = fopen(path, "w");
	fwrite("[x]\na=\0b\n", 1, 9, f);
	fclose(f);
	CHECK_EQ_INT(read_one("nul.cnf", true, &err), SL_EUSAGE);
	snprintf(path, sizeof(path), "%s/big.cnf", dir);
	f = fopen(path, "w");
	for (int i = 0; i < SL_OPTFILE_MAX_BYTES / 8 + 2; i++)
		fputs("# 45678\n", f);
	fclose(f);
	CHECK_EQ_INT(read_one("big.cnf", true, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "larger than") != NULL);
}

static void test_includes(void)
{
	struct sl_error err = {0};
	char text[512];
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	mkdir(sub, 0700);
	put("conf.d/20-b.cnf", "[sluice]\nthreads=2\n");
	put("conf.d/10-a.cnf", "[sluice]\nthreads=1\n");
	put("conf.d/ignored.txt", "[sluice]\nthreads=9\n");
	put("inc.cnf", "[client]\nuser=u\n");
	snprintf(text, sizeof(text), "[sluice]\nrows=5\n!include %s/inc.cnf\n!includedir %s\n", dir,
	         sub);
	put("main.cnf", text);
	CHECK_EQ_INT(read_one("main.cnf", true, &err), 0);
	CHECK_EQ_STR(seen, "sluice|rows|5\nclient|user|u\nsluice|threads|1\nsluice|threads|2\n");
	/* A file that includes itself stops at the depth bound. */
	snprintf(text, sizeof(text), "[x]\n!include %s/loop.cnf\n", dir);
	put("loop.cnf", text);
	CHECK_EQ_INT(read_one("loop.cnf", true, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "nest deeper") != NULL);
	/* A missing !include file is an error, a missing !includedir is not. */
	snprintf(text, sizeof(text), "[x]\n!include %s/none.cnf\n!includedir %s/none.d\n", dir,
	         dir);
	put("missinc.cnf", text);
	CHECK_EQ_INT(read_one("missinc.cnf", true, &err), SL_EUSAGE);
}

static void test_suggest(void)
{
	struct sl_suggest s;
	const char *cands[] = {"threads", "tables", "rows", "routines", "single-transaction", NULL};
	sl_suggest_init(&s, "threds");
	for (int i = 0; cands[i]; i++)
		sl_suggest_offer(&s, cands[i]);
	CHECK_EQ_STR(s.best, "threads");
	sl_suggest_init(&s, "tab");
	for (int i = 0; cands[i]; i++)
		sl_suggest_offer(&s, cands[i]);
	CHECK_EQ_STR(s.best, "tables"); /* an abbreviation */
	sl_suggest_init(&s, "singel-transaction");
	for (int i = 0; cands[i]; i++)
		sl_suggest_offer(&s, cands[i]);
	CHECK_EQ_STR(s.best, "single-transaction");
	sl_suggest_init(&s, "xyzzy");
	for (int i = 0; cands[i]; i++)
		sl_suggest_offer(&s, cands[i]);
	CHECK(s.best == NULL);
	sl_suggest_init(&s, "FTWRL");
	sl_suggest_offer(&s, "ftwrl");
	CHECK_EQ_STR(s.best, "ftwrl");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sl-optfile-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	UNIT_RUN(test_syntax);
	UNIT_RUN(test_errors);
	UNIT_RUN(test_includes);
	UNIT_RUN(test_suggest);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return UNIT_DONE();
}

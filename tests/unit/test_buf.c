/* test_buf.c - unit tests for the growable byte buffer (core/buf.c).
 *
 * Appends of text and binary data, printf (including output longer than the
 * first allocation), identifier quoting with doubled backticks, string
 * literals with every backslash escape MySQL needs (\0 \n \r \Z \' \" \\),
 * steal, reset and free.  The buffer stays NUL-terminated after each
 * successful operation. */
#include <stdint.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "unit.h"

/* The buffer holds exactly 'lit' and is NUL-terminated. */
#define CHECK_BUF(b, lit)                                                  \
	do {                                                               \
		CHECK_EQ_MEM((b)->data, (b)->len, lit);                    \
		CHECK((b)->len < (b)->cap && (b)->data[(b)->len] == '\0'); \
	} while (0)

static void test_init(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK(b.data == NULL);
	CHECK_EQ_INT(b.len, 0);
	CHECK_EQ_INT(b.cap, 0);
	sl_buf_free(&b); /* freeing an untouched buffer is fine */
	sl_buf_reset(&b);
	CHECK_EQ_INT(b.len, 0);
}

static void test_append(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_buf_append(&b, "abc", 3), 0);
	CHECK_BUF(&b, "abc");
	CHECK_EQ_INT(sl_buf_append(&b, "", 0), 0);
	CHECK_BUF(&b, "abc");
	CHECK_EQ_INT(sl_buf_append(&b, "\0x\0", 3), 0); /* binary: NULs kept */
	CHECK_BUF(&b, "abc\0x\0");
	CHECK_EQ_INT(sl_buf_puts(&b, "def"), 0);
	CHECK_EQ_INT(sl_buf_putc(&b, '!'), 0);
	CHECK_BUF(&b, "abc\0x\0def!");
	sl_buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_EQ_INT(b.len, 0);
	CHECK_EQ_INT(b.cap, 0);
}

static void test_append_grows(void)
{
	struct sl_buf b = SL_BUF_INIT;
	size_t bad = 0;

	/* A megabyte one byte at a time, then one big block. */
	for (size_t i = 0; i < (1 << 20); i++)
		if (sl_buf_putc(&b, (char)(i % 251)))
			bad++;
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(b.len, 1 << 20);
	for (size_t i = 0; i < b.len; i++)
		bad += b.data[i] != (char)(i % 251);
	CHECK_EQ_INT(bad, 0);
	static char block[3 << 20];
	memset(block, 'k', sizeof(block));
	CHECK_EQ_INT(sl_buf_append(&b, block, sizeof(block)), 0);
	CHECK_EQ_INT(b.len, (1 << 20) + sizeof(block));
	CHECK(b.cap > b.len);
	CHECK_EQ_INT(b.data[b.len], '\0');
	CHECK(memcmp(b.data + (1 << 20), block, sizeof(block)) == 0);
	sl_buf_free(&b);
}

static void test_reserve(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_buf_reserve(&b, 1000), 0);
	CHECK(b.cap - b.len > 1000); /* room for 1000 bytes and a NUL */
	char *p = b.data;
	CHECK_EQ_INT(sl_buf_append(&b, "0123456789", 10), 0);
	CHECK(b.data == p); /* reserved room is used without reallocating */
	CHECK_EQ_INT(sl_buf_reserve(&b, SIZE_MAX - 5), SL_ENOMEM); /* overflow */
	CHECK_BUF(&b, "0123456789");
	sl_buf_free(&b);
}

static void test_printf(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_buf_printf(&b, "%s=%d", "rows", 42), 0);
	CHECK_BUF(&b, "rows=42");
	CHECK_EQ_INT(sl_buf_printf(&b, "%s", ""), 0);
	CHECK_BUF(&b, "rows=42");
	CHECK_EQ_INT(sl_buf_printf(&b, ";%05u;%x;%.3s", 7u, 255u, "abcdef"), 0);
	CHECK_BUF(&b, "rows=42;00007;ff;abc");

	/* Longer than the first allocation (256): grows, keeps what was there. */
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_puts(&b, "start:"), 0);
	CHECK_EQ_INT(sl_buf_printf(&b, "%0600d|%s", 1, "end"), 0);
	CHECK_EQ_INT(b.len, 6 + 600 + 4);
	CHECK(memcmp(b.data, "start:000", 9) == 0);
	CHECK(memcmp(b.data + 6 + 599, "1|end", 6) == 0); /* and its NUL */
	sl_buf_free(&b);
}

static void test_put_ident(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_buf_put_ident(&b, "orders"), 0);
	CHECK_BUF(&b, "`orders`");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_ident(&b, "a`b"), 0);
	CHECK_BUF(&b, "`a``b`");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_ident(&b, "``"), 0);
	CHECK_BUF(&b, "``````");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_ident(&b, ""), 0);
	CHECK_BUF(&b, "``");
	sl_buf_reset(&b);
	/* Spaces, quotes, backslashes and UTF-8 pass untouched. */
	CHECK_EQ_INT(sl_buf_put_ident(&b, "my table 'x' \\ \xc3\xa9"), 0);
	CHECK_BUF(&b, "`my table 'x' \\ \xc3\xa9`");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_ident(&b, "db"), 0);
	CHECK_EQ_INT(sl_buf_putc(&b, '.'), 0);
	CHECK_EQ_INT(sl_buf_put_ident(&b, "t"), 0);
	CHECK_BUF(&b, "`db`.`t`");
	sl_buf_free(&b);

	/* Worst case (all backticks) longer than the first allocation. */
	char ticks[301];
	memset(ticks, '`', 300);
	ticks[300] = '\0';
	CHECK_EQ_INT(sl_buf_put_ident(&b, ticks), 0);
	CHECK_EQ_INT(b.len, 602);
	size_t bad = 0;
	for (size_t i = 0; i < b.len; i++)
		bad += b.data[i] != '`';
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(b.data[b.len], '\0');
	sl_buf_free(&b);
}

static void test_put_quoted(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_buf_put_quoted(&b, "plain", 5), 0);
	CHECK_BUF(&b, "'plain'");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_quoted(&b, "", 0), 0);
	CHECK_BUF(&b, "''");

	/* Each escape on its own. */
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} esc[] = {
	    {"\0", 1, "'\\0'"},   {"\n", 1, "'\\n'"}, {"\r", 1, "'\\r'"},
	    {"\032", 1, "'\\Z'"}, {"'", 1, "'\\''"},  {"\"", 1, "'\\\"'"},
	    {"\\", 1, "'\\\\'"},  {"\t", 1, "'\t'"}, /* tab is not escaped */
	};
	for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		sl_buf_reset(&b);
		CHECK_EQ_INT(sl_buf_put_quoted(&b, esc[i].in, esc[i].n), 0);
		CHECK_EQ_STR(b.data, esc[i].out);
		CHECK_EQ_INT(b.len, strlen(esc[i].out));
	}

	/* All of them together, with NULs in the middle and at the end, and
	 * bytes that are not ASCII (passed as they are). */
	static const char in[] = "a\0b\nc\rd\032e'f\"g\\h\xff\xc3\xa9\0";
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_quoted(&b, in, sizeof(in) - 1), 0);
	CHECK_BUF(&b, "'a\\0b\\nc\\rd\\Ze\\'f\\\"g\\\\h\xff\xc3\xa9\\0'");

	/* Worst case: every byte escaped, longer than the first allocation. */
	char quotes[300];
	memset(quotes, '\'', sizeof(quotes));
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_buf_put_quoted(&b, quotes, sizeof(quotes)), 0);
	CHECK_EQ_INT(b.len, 2 + 2 * sizeof(quotes));
	CHECK_EQ_INT(b.data[b.len], '\0');
	CHECK(memcmp(b.data, "'\\'\\'", 5) == 0);
	CHECK(memcmp(b.data + b.len - 3, "\\''", 3) == 0);
	sl_buf_free(&b);
}

static void test_steal(void)
{
	struct sl_buf b = SL_BUF_INIT;
	size_t len = 99;

	CHECK_EQ_INT(sl_buf_puts(&b, "body bytes"), 0);
	char *p = sl_buf_steal(&b, &len);
	CHECK(p != NULL);
	CHECK_EQ_INT(len, 10);
	CHECK_EQ_STR(p, "body bytes");
	/* The buffer is empty and usable again; the bytes are the caller's. */
	CHECK(b.data == NULL);
	CHECK_EQ_INT(b.len, 0);
	CHECK_EQ_INT(b.cap, 0);
	CHECK_EQ_INT(sl_buf_puts(&b, "next"), 0);
	CHECK_BUF(&b, "next");
	CHECK_EQ_STR(p, "body bytes");
	sl_free(p);

	p = sl_buf_steal(&b, NULL); /* length not wanted */
	CHECK_EQ_STR(p, "next");
	sl_free(p);

	/* Stealing from an empty buffer hands out nothing. */
	len = 99;
	p = sl_buf_steal(&b, &len);
	CHECK(p == NULL);
	CHECK_EQ_INT(len, 0);
	sl_buf_free(&b);
}

static void test_reset(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_buf_printf(&b, "%0400d", 5), 0);
	char *p = b.data;
	size_t cap = b.cap;
	sl_buf_reset(&b);
	CHECK_EQ_INT(b.len, 0);
	CHECK(b.data == p); /* memory kept */
	CHECK_EQ_INT(b.cap, cap);
	CHECK_EQ_INT(b.data[0], '\0');
	CHECK_EQ_INT(sl_buf_puts(&b, "again"), 0);
	CHECK_BUF(&b, "again");
	CHECK(b.data == p);
	sl_buf_free(&b);
}

static void test_tail_keep(void)
{
	char tail[4];
	size_t n = 0;
	sl_tail_keep(tail, sizeof(tail), &n, "ab", 2);
	CHECK_EQ_INT(n, 2);
	CHECK(!memcmp(tail, "ab", 2));
	sl_tail_keep(tail, sizeof(tail), &n, "cde", 3); /* the oldest byte goes */
	CHECK_EQ_INT(n, 4);
	CHECK(!memcmp(tail, "bcde", 4));
	sl_tail_keep(tail, sizeof(tail), &n, "0123456", 7); /* longer than the window */
	CHECK_EQ_INT(n, 4);
	CHECK(!memcmp(tail, "3456", 4));
	sl_tail_keep(tail, sizeof(tail), &n, "", 0);
	CHECK_EQ_INT(n, 4);
	CHECK(!memcmp(tail, "3456", 4));
}

int main(void)
{
	UNIT_RUN(test_init);
	UNIT_RUN(test_append);
	UNIT_RUN(test_append_grows);
	UNIT_RUN(test_reserve);
	UNIT_RUN(test_printf);
	UNIT_RUN(test_put_ident);
	UNIT_RUN(test_put_quoted);
	UNIT_RUN(test_steal);
	UNIT_RUN(test_reset);
	UNIT_RUN(test_tail_keep);
	return UNIT_DONE();
}

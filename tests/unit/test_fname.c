/* test_fname.c - unit tests for the filename encoding of identifiers and the
 * dump layout helpers (core/fname.c). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "format/fname.h"
#include "unit.h"

/* Encode 'ident' into a fresh buffer; returns the status, result in *b. */
static int enc(struct sl_buf *b, const char *ident)
{
	sl_buf_reset(b);
	return sl_fname_encode(b, ident);
}

static int dec(struct sl_buf *b, const char *s)
{
	sl_buf_reset(b);
	return sl_fname_decode(b, s, strlen(s));
}

static void test_encode_ascii(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(enc(&b, "orders_2024"), 0);
	CHECK_EQ_STR(b.data, "orders_2024");
	CHECK_EQ_INT(enc(&b, "my table"), 0);
	CHECK_EQ_STR(b.data, "my@0020table");
	CHECK_EQ_INT(enc(&b, "a.b"), 0);
	CHECK_EQ_STR(b.data, "a@002eb");
	CHECK_EQ_INT(enc(&b, "a-b"), 0);
	CHECK_EQ_STR(b.data, "a@002db");
	CHECK_EQ_INT(enc(&b, "a@b"), 0);
	CHECK_EQ_STR(b.data, "a@0040b");
	CHECK_EQ_INT(enc(&b, "../etc/passwd"), 0);
	CHECK_EQ_STR(b.data, "@002e@002e@002fetc@002fpasswd");
	CHECK_EQ_INT(enc(&b, "`x`\n"), 0);
	CHECK_EQ_STR(b.data, "@0060x@0060@000a");
	CHECK_EQ_INT(enc(&b, "ABCxyz019_"), 0);
	CHECK_EQ_STR(b.data, "ABCxyz019_");
	CHECK_EQ_INT(enc(&b, ""), 0);
	CHECK_EQ_INT((int)b.len, 0);
	sl_buf_free(&b);
}

static void test_encode_unicode(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(enc(&b, "caf\xc3\xa9"), 0); /* café */
	CHECK_EQ_STR(b.data, "caf@00e9");
	CHECK_EQ_INT(enc(&b, "\xe2\x82\xac"), 0); /* € U+20AC */
	CHECK_EQ_STR(b.data, "@20ac");
	CHECK_EQ_INT(enc(&b, "\xef\xbf\xbf"), 0); /* U+FFFF */
	CHECK_EQ_STR(b.data, "@ffff");
	CHECK_EQ_INT(enc(&b, "\xc2\x80"), 0); /* U+0080 */
	CHECK_EQ_STR(b.data, "@0080");
	CHECK_EQ_INT(enc(&b, "\x7f"), 0);
	CHECK_EQ_STR(b.data, "@007f");
	sl_buf_free(&b);
}

static void test_encode_rejects(void)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_puts(&b, "keep");
	/* 4-byte UTF-8 (U+1F600) is above U+FFFF. */
	CHECK_EQ_INT(sl_fname_encode(&b, "x\xf0\x9f\x98\x80"), SL_EFORMAT);
	CHECK_EQ_STR(b.data, "keep"); /* unchanged on failure */
	CHECK_EQ_INT(sl_fname_encode(&b, "\xff"), SL_EFORMAT);
	CHECK_EQ_INT(sl_fname_encode(&b, "\xc3"), SL_EFORMAT);             /* truncated */
	CHECK_EQ_INT(sl_fname_encode(&b, "\xc3x"), SL_EFORMAT);            /* bad continuation */
	CHECK_EQ_INT(sl_fname_encode(&b, "\xc0\xaf"), SL_EFORMAT);         /* overlong '/' */
	CHECK_EQ_INT(sl_fname_encode(&b, "\xe0\x80\xaf"), SL_EFORMAT);     /* overlong */
	CHECK_EQ_INT(sl_fname_encode(&b, "\xed\xa0\x80"), SL_EFORMAT);     /* surrogate */
	CHECK_EQ_INT(sl_fname_encode(&b, "\x80"), SL_EFORMAT);             /* lone continuation */
	CHECK_EQ_INT(sl_fname_encode(&b, "\xf4\x90\x80\x80"), SL_EFORMAT); /* > U+10FFFF */
	CHECK_EQ_INT(sl_fname_encode(&b, "ab\xe2\x82"), SL_EFORMAT);       /* truncated at end */
	CHECK_EQ_STR(b.data, "keep");
	sl_buf_free(&b);
}

static void test_decode(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(dec(&b, "my@0020table"), 0);
	CHECK_EQ_STR(b.data, "my table");
	CHECK_EQ_INT(dec(&b, "caf@00E9"), 0); /* upper case hex */
	CHECK_EQ_STR(b.data, "caf\xc3\xa9");
	CHECK_EQ_INT(dec(&b, "@FFFF"), 0);
	CHECK_EQ_STR(b.data, "\xef\xbf\xbf");
	CHECK_EQ_INT(dec(&b, ""), 0);
	CHECK_EQ_INT((int)b.len, 0);

	sl_buf_reset(&b);
	sl_buf_puts(&b, "keep");
	const char *bad[] = {
	    "a.b",                                    /* raw '.' */
	    "a-b",                                    /* raw '-' */
	    "a b",                                    /* raw space */
	    "a/b",                                    /* raw '/' */
	    "caf\xc3\xa9",                            /* raw non-ASCII */
	    "@",                                      /* truncated escapes */
	    "@0",          "@002",  "x@00e", "@00g0", /* non-hex */
	    "@+020",       "@ 020", "@0041",          /* escape of a character the encoder keeps */
	    "@005f",       "@0000",                   /* NUL */
	    "@d800",                                  /* surrogate */
	    "@DFFF",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = sl_fname_decode(&b, bad[i], strlen(bad[i]));
		if (rc != SL_EFORMAT)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK_EQ_INT(rc, SL_EFORMAT);
	}
	CHECK_EQ_STR(b.data, "keep");
	/* Length-bounded: the bytes after 'len' do not count. */
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_decode(&b, "ab@0020.sql", 7), 0);
	CHECK_EQ_STR(b.data, "ab ");
	sl_buf_free(&b);
}

static void test_round_trip(void)
{
	struct sl_buf e = SL_BUF_INIT, d = SL_BUF_INIT;
	const char *names[] = {
	    "t",
	    "my table",
	    "a.b-c@d/e\\f",
	    "tab\tnew\nline",
	    "`quoted`",
	    "\"dq\"",
	    "'sq'",
	    "caf\xc3\xa9",
	    "\xe6\x97\xa5\xe6\x9c\xac",
	    "\xef\xbf\xbf",
	    "\xc2\x80\xdf\xbf",
	    "select",
	    "%2F",
	    "x y z",
	    "__",
	    "0",
	    "@0020",
	    "\x01\x1f\x7f",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sl_buf_reset(&e);
		CHECK_EQ_INT(sl_fname_encode(&e, names[i]), 0);
		for (size_t k = 0; k < e.len; k++) {
			char c = e.data[k];
			CHECK(c != '.' && c != '-' && c != '/' && c != ' ' && c != '\n');
		}
		sl_buf_reset(&d);
		CHECK_EQ_INT(sl_fname_decode(&d, e.data, e.len), 0);
		CHECK_EQ_STR(d.data, names[i]);
	}
	/* Every BMP code point except NUL and surrogates. */
	int bad = 0;
	for (unsigned cp = 1; cp <= 0xffff; cp++) {
		char s[4];
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			s[0] = (char)cp;
			s[1] = 0;
		} else if (cp < 0x800) {
			s[0] = (char)(0xc0 | (cp >> 6));
			s[1] = (char)(0x80 | (cp & 0x3f));
			s[2] = 0;
		} else {
			s[0] = (char)(0xe0 | (cp >> 12));
			s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[2] = (char)(0x80 | (cp & 0x3f));
			s[3] = 0;
		}
		sl_buf_reset(&e);
		sl_buf_reset(&d);
		if (sl_fname_encode(&e, s) || sl_fname_decode(&d, e.data, e.len) ||
		    strcmp(d.data, s) != 0)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	sl_buf_free(&e);
	sl_buf_free(&d);
}

static void test_layout(void)
{
	struct sl_buf b = SL_BUF_INIT;

	CHECK_EQ_INT(sl_fname_schema_create(&b, "shop"), 0);
	CHECK_EQ_STR(b.data, "shop-schema-create.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_table_schema(&b, "shop", "order items"), 0);
	CHECK_EQ_STR(b.data, "shop.order@0020items-schema.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_data(&b, "my-db", "t.1", 42, "sql"), 0);
	CHECK_EQ_STR(b.data, "my@002ddb.t@002e1.00042.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_data(&b, "d", "t", 123456, "csv"), 0);
	CHECK_EQ_STR(b.data, "d.t.123456.csv");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_data(&b, "d", "t", 0, NULL), 0);
	CHECK_EQ_STR(b.data, "d.t.00000.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_triggers(&b, "d", "t"), 0);
	CHECK_EQ_STR(b.data, "d.t-schema-triggers.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_view(&b, "d", "v\xc3\xa9"), 0);
	CHECK_EQ_STR(b.data, "d.v@00e9-schema-view.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(sl_fname_post(&b, "d"), 0);
	CHECK_EQ_STR(b.data, "d-schema-post.sql");

	/* Failure leaves the buffer as it was. */
	sl_buf_reset(&b);
	sl_buf_puts(&b, "x");
	CHECK_EQ_INT(sl_fname_table_schema(&b, "d", "\xf0\x9f\x98\x80"), SL_EFORMAT);
	CHECK_EQ_STR(b.data, "x");
	CHECK_EQ_INT(sl_fname_data(&b, "\xff", "t", 1, "sql"), SL_EFORMAT);
	CHECK_EQ_STR(b.data, "x");
	sl_buf_free(&b);
}

/* Every allocation failure gives SL_ENOMEM and leaves no leak. */
/* Compressed files of a directory: the suffix, and the layout's name. */
static void test_compression(void)
{
	size_t base = 0;
	CHECK_EQ_INT(sl_fname_compression("db.t.00000.sql.zst", &base), SL_FNAME_ZSTD);
	CHECK_EQ_INT(base, strlen("db.t.00000.sql"));
	CHECK_EQ_INT(sl_fname_compression("db-schema-post.sql.gz", &base), SL_FNAME_GZIP);
	CHECK_EQ_INT(base, strlen("db-schema-post.sql"));
	CHECK_EQ_INT(sl_fname_compression("db.t.00000.sql", &base), SL_FNAME_PLAIN);
	CHECK_EQ_INT(base, strlen("db.t.00000.sql"));
	/* A suffix alone, or one inside the name, is no compression. */
	CHECK_EQ_INT(sl_fname_compression(".zst", &base), SL_FNAME_PLAIN);
	CHECK_EQ_INT(sl_fname_compression("db.gz.t.sql", &base), SL_FNAME_PLAIN);
	CHECK_EQ_STR(sl_fname_z_suffix(SL_FNAME_ZSTD), ".zst");
	CHECK_EQ_STR(sl_fname_z_suffix(SL_FNAME_GZIP), ".gz");
	CHECK_EQ_STR(sl_fname_z_suffix(SL_FNAME_PLAIN), "");
}

static void test_oom(void)
{
	int ok = 0;
	for (long n = 0; n < 10 && !ok; n++) {
		struct sl_buf b = SL_BUF_INIT;
		sl_alloc_fail_after(n);
		int rc = sl_fname_data(&b, "db name", "table", 7, "sql");
		sl_alloc_fail_after(-1);
		CHECK(rc == 0 || rc == SL_ENOMEM);
		if (rc == 0) {
			CHECK_EQ_STR(b.data, "db@0020name.table.00007.sql");
			ok = 1;
		}
		sl_buf_free(&b);
	}
	CHECK(ok);
}

int main(void)
{
	UNIT_RUN(test_encode_ascii);
	UNIT_RUN(test_encode_unicode);
	UNIT_RUN(test_encode_rejects);
	UNIT_RUN(test_decode);
	UNIT_RUN(test_round_trip);
	UNIT_RUN(test_layout);
	UNIT_RUN(test_compression);
	UNIT_RUN(test_oom);
	return UNIT_DONE();
}

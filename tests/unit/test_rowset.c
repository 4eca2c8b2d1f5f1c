/* test_rowset.c - unit tests for rowsets (core/rowset.c).
 *
 * NULL versus empty string versus the text 'NULL', binary values with NUL
 * bytes, values that must survive the arena moving while it grows, reset,
 * the byte accounting that --batch-size is compared against, and
 * allocation failures that must leave the rowset exactly as it was. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/error.h"
#include "format/rowset.h"
#include "format/table.h"
#include "unit.h"

/* Check row r, column c holds exactly the n bytes at p (p NULL: SQL NULL). */
static bool value_is(const struct sl_rowset *rs, size_t r, size_t c, const char *p, size_t n)
{
	size_t len = 12345;
	const char *v = sl_rowset_value(rs, r, c, &len);

	if (!p)
		return v == NULL;
	return v != NULL && len == n && memcmp(v, p, n) == 0 && v[n] == '\0';
}

static void test_nulls_empty_binary(void)
{
	struct sl_rowset rs;
	const char *vals[4] = {NULL, "", "NULL", "a\0b\0"};
	const unsigned long lens[4] = {0, 0, 4, 4};

	sl_rowset_init(&rs, 4, NULL);
	CHECK_EQ_INT(rs.nrows, 0);
	CHECK_EQ_INT(sl_rowset_bytes(&rs), 0);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, vals, lens), 0);
	CHECK_EQ_INT(rs.nrows, 1);
	CHECK(value_is(&rs, 0, 0, NULL, 0));
	CHECK(value_is(&rs, 0, 1, "", 0));
	CHECK(value_is(&rs, 0, 2, "NULL", 4));
	CHECK(value_is(&rs, 0, 3, "a\0b\0", 4));
	CHECK_EQ_INT(rs.cells[0].len, SL_CELL_NULL);
	CHECK_EQ_INT(rs.cells[1].len, 0);

	size_t len = 99;
	CHECK(sl_rowset_value(&rs, 0, 0, &len) == NULL);
	CHECK_EQ_INT(len, 0);
	CHECK(sl_rowset_value(&rs, 0, 1, NULL) != NULL); /* empty is not NULL */
	sl_rowset_free(&rs);
}

static void test_all_null_and_all_empty_rows(void)
{
	/* Rows of only NULLs or only empty strings still hold memory and must
	 * count, or a rowset of them would grow without bound. */
	struct sl_rowset rs;
	const char *nulls[3] = {NULL, NULL, NULL};
	const char *empties[3] = {"", "", ""};
	const unsigned long lens[3] = {0, 0, 0};

	sl_rowset_init(&rs, 3, NULL);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, nulls, lens), 0);
	size_t one = sl_rowset_bytes(&rs);
	CHECK(one > 0);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, nulls, lens), 0);
	CHECK_EQ_INT(sl_rowset_bytes(&rs), 2 * one);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, empties, lens), 0);
	CHECK(sl_rowset_bytes(&rs) > 3 * one - 1);
	for (size_t c = 0; c < 3; c++) {
		CHECK(value_is(&rs, 0, c, NULL, 0));
		CHECK(value_is(&rs, 1, c, NULL, 0));
		CHECK(value_is(&rs, 2, c, "", 0));
	}
	sl_rowset_free(&rs);
}

static void test_bytes_accounting(void)
{
	struct sl_rowset rs;
	const char *a[2] = {"12345", "hello world"};
	const unsigned long alen[2] = {5, 11};
	const char *b[2] = {NULL, "x"};
	const unsigned long blen[2] = {0, 1};

	sl_rowset_init(&rs, 2, NULL);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, a, alen), 0);
	size_t r1 = sl_rowset_bytes(&rs);
	/* At least the value bytes; the rest is a fixed cost per cell. */
	CHECK(r1 >= 16);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, b, blen), 0);
	size_t r2 = sl_rowset_bytes(&rs);
	CHECK(r2 > r1);
	/* Same shape, same cost: a row's cost depends only on its values. */
	CHECK_EQ_INT(sl_rowset_add_row(&rs, a, alen), 0);
	CHECK_EQ_INT(sl_rowset_bytes(&rs) - r2, r1);
	/* A value 1000 bytes longer costs exactly 1000 more. */
	char big[1011];
	memset(big, 'z', sizeof(big));
	const char *c[2] = {"12345", big};
	const unsigned long clen[2] = {5, sizeof(big)};
	size_t before = sl_rowset_bytes(&rs);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, c, clen), 0);
	CHECK_EQ_INT(sl_rowset_bytes(&rs) - before, r1 + 1000);
	sl_rowset_free(&rs);
}

/* Deterministic bytes for row r, column c (binary, with NULs), 0..299 long. */
static size_t gen_value(size_t r, size_t c, char *out)
{
	size_t n = (r * 7 + c * 13) % 300;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)((r + c + i * 31) & 0xff);
	return n;
}

static void test_growth_keeps_values(void)
{
	enum { NCOLS = 5, NROWS = 5000 };
	struct sl_rowset rs;
	char buf[NCOLS][300];
	const char *vals[NCOLS];
	unsigned long lens[NCOLS];
	char expect[300];

	sl_rowset_init(&rs, NCOLS, NULL);
	for (size_t r = 0; r < NROWS; r++) {
		for (size_t c = 0; c < NCOLS; c++) {
			lens[c] = gen_value(r, c, buf[c]);
			/* Every 11th value is NULL. */
			vals[c] = (r + c) % 11 == 0 ? NULL : buf[c];
		}
		CHECK_EQ_INT(sl_rowset_add_row(&rs, vals, lens), 0);
	}
	CHECK_EQ_INT(rs.nrows, NROWS);
	CHECK(rs.cap_rows >= NROWS);
	/* 256 bytes at first, megabytes now: the arena was reallocated many
	 * times (and moved, at least under ASan, whose realloc always moves). */
	CHECK(rs.arena.cap > 100 * 256);
	size_t errors = 0;
	for (size_t r = 0; r < NROWS; r++) {
		for (size_t c = 0; c < NCOLS; c++) {
			size_t n = gen_value(r, c, expect);
			bool ok = (r + c) % 11 == 0 ? value_is(&rs, r, c, NULL, 0)
			                            : value_is(&rs, r, c, expect, n);
			errors += !ok;
		}
	}
	CHECK_EQ_INT(errors, 0);
	sl_rowset_free(&rs);
}

static void test_reset_and_reuse(void)
{
	struct sl_rowset rs;
	const char *v[2] = {"one", "two"};
	const unsigned long l[2] = {3, 3};
	const char *w[2] = {"three", NULL};
	const unsigned long wl[2] = {5, 0};

	sl_rowset_init(&rs, 2, NULL);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(sl_rowset_add_row(&rs, v, l), 0);
	size_t cap = rs.cap_rows;
	struct sl_cell *cells = rs.cells;
	sl_rowset_reset(&rs);
	CHECK_EQ_INT(rs.nrows, 0);
	CHECK_EQ_INT(sl_rowset_bytes(&rs), 0);
	CHECK_EQ_INT(rs.cap_rows, cap); /* memory kept */
	CHECK(rs.cells == cells);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, w, wl), 0);
	CHECK_EQ_INT(rs.nrows, 1);
	CHECK(value_is(&rs, 0, 0, "three", 5));
	CHECK(value_is(&rs, 0, 1, NULL, 0));
	sl_rowset_free(&rs);
	CHECK_EQ_INT(rs.nrows, 0);
	CHECK(rs.cells == NULL);
	/* Usable again after free, like a fresh one. */
	CHECK_EQ_INT(sl_rowset_add_row(&rs, v, l), 0);
	CHECK(value_is(&rs, 0, 1, "two", 3));
	sl_rowset_free(&rs);
}

static void test_zero_columns(void)
{
	struct sl_rowset rs;

	sl_rowset_init(&rs, 0, NULL);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, NULL, NULL), 0);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, NULL, NULL), 0);
	CHECK_EQ_INT(rs.nrows, 2);
	sl_rowset_free(&rs);
}

/* Snapshot of what a rowset holds, to prove a failed add changed nothing. */
struct snap {
	size_t nrows;
	size_t bytes;
	size_t arena_len;
	char *arena;
	struct sl_cell *cells;
};

static void snap_take(struct snap *s, const struct sl_rowset *rs)
{
	s->nrows = rs->nrows;
	s->bytes = sl_rowset_bytes(rs);
	s->arena_len = rs->arena.len;
	s->arena = malloc(rs->arena.len + 1);
	memcpy(s->arena, rs->arena.data, rs->arena.len);
	s->cells = malloc(rs->nrows * rs->ncols * sizeof(*s->cells) + 1);
	memcpy(s->cells, rs->cells, rs->nrows * rs->ncols * sizeof(*s->cells));
}

static bool snap_same(const struct snap *s, const struct sl_rowset *rs)
{
	return s->nrows == rs->nrows && s->bytes == sl_rowset_bytes(rs) &&
	       s->arena_len == rs->arena.len &&
	       memcmp(s->arena, rs->arena.data, s->arena_len) == 0 &&
	       memcmp(s->cells, rs->cells, s->nrows * rs->ncols * sizeof(*s->cells)) == 0;
}

static void snap_free(struct snap *s)
{
	free(s->arena);
	free(s->cells);
}

static void test_alloc_failure_leaves_rowset_unchanged(void)
{
	struct sl_rowset rs;
	char big[4096];
	const char *small[3] = {"1", NULL, "abc"};
	const unsigned long slen[3] = {1, 0, 3};
	const char *huge[3] = {"2", big, NULL};
	const unsigned long hlen[3] = {1, sizeof(big), 0};
	long before = sl_alloc_failures();

	memset(big, 'B', sizeof(big));
	sl_rowset_init(&rs, 3, NULL);

	/* The very first add allocates cells and arena: fail each in turn. */
	struct snap s;
	for (long n = 0; n < 2; n++) {
		sl_alloc_fail_after(n);
		CHECK_EQ_INT(sl_rowset_add_row(&rs, small, slen), SL_ENOMEM);
		sl_alloc_fail_after(-1);
		CHECK_EQ_INT(rs.nrows, 0);
		CHECK_EQ_INT(sl_rowset_bytes(&rs), 0);
	}

	/* Fill exactly to the cell capacity, then fail the cell growth. */
	do
		CHECK_EQ_INT(sl_rowset_add_row(&rs, small, slen), 0);
	while (rs.nrows < rs.cap_rows);
	snap_take(&s, &rs);
	sl_alloc_fail_after(0);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, small, slen), SL_ENOMEM);
	sl_alloc_fail_after(-1);
	CHECK(snap_same(&s, &rs));
	snap_free(&s);

	/* Room for cells but not for a big value: fail the arena growth. */
	CHECK_EQ_INT(sl_rowset_add_row(&rs, small, slen), 0);
	CHECK(rs.nrows < rs.cap_rows);
	CHECK(rs.arena.cap - rs.arena.len <= sizeof(big));
	snap_take(&s, &rs);
	sl_alloc_fail_after(0);
	CHECK_EQ_INT(sl_rowset_add_row(&rs, huge, hlen), SL_ENOMEM);
	sl_alloc_fail_after(-1);
	CHECK(snap_same(&s, &rs));
	snap_free(&s);
	CHECK(sl_alloc_failures() - before >= 4);

	/* And everything still works afterwards. */
	size_t n = rs.nrows;
	CHECK_EQ_INT(sl_rowset_add_row(&rs, huge, hlen), 0);
	CHECK(value_is(&rs, n, 1, big, sizeof(big)));
	CHECK(value_is(&rs, 0, 2, "abc", 3));
	CHECK(value_is(&rs, n - 1, 1, NULL, 0));
	sl_rowset_free(&rs);
}

/* A worker moving from a 4-column to a 2-column table keeps its memory and
 * its rows stay correct; no allocation is needed for the same volume. */
static void test_retarget_keeps_memory(void)
{
	struct sl_column c4[4] = {{.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d"}};
	const struct sl_column *p4[4] = {&c4[0], &c4[1], &c4[2], &c4[3]};
	struct sl_rowset rs;
	sl_rowset_init(&rs, 4, p4);
	const char *v4[4] = {"1", "22", NULL, "4444"};
	unsigned long l4[4] = {1, 2, 0, 4};
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(sl_rowset_add_row(&rs, v4, l4), 0);
	const char *arena = rs.arena.data;
	const struct sl_cell *cells = rs.cells;
	size_t cells_cap = rs.cap_rows * rs.ncols;

	sl_rowset_retarget(&rs, 2, p4);
	CHECK_EQ_INT(rs.nrows, 0);
	CHECK_EQ_INT(rs.ncols, 2);
	CHECK_EQ_INT(rs.cap_rows * 2, cells_cap);
	sl_alloc_fail_after(0); /* the same volume must fit without allocating */
	const char *v2[2] = {"x", NULL};
	unsigned long l2[2] = {1, 0};
	int rc = 0;
	for (int i = 0; i < 150 && !rc; i++)
		rc = sl_rowset_add_row(&rs, v2, l2);
	sl_alloc_fail_after(-1);
	CHECK_EQ_INT(rc, 0);
	CHECK(rs.arena.data == arena);
	CHECK(rs.cells == cells);
	size_t len;
	const char *v = sl_rowset_value(&rs, 149, 0, &len);
	CHECK_EQ_MEM(v, len, "x");
	CHECK(sl_rowset_value(&rs, 149, 1, &len) == NULL);
	sl_rowset_free(&rs);
}

int main(void)
{
	UNIT_RUN(test_nulls_empty_binary);
	UNIT_RUN(test_all_null_and_all_empty_rows);
	UNIT_RUN(test_bytes_accounting);
	UNIT_RUN(test_growth_keeps_values);
	UNIT_RUN(test_reset_and_reuse);
	UNIT_RUN(test_retarget_keeps_memory);
	UNIT_RUN(test_zero_columns);
	UNIT_RUN(test_alloc_failure_leaves_rowset_unchanged);
	return UNIT_DONE();
}

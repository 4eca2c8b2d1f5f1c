/* table.c - helpers for struct sl_table: column counts, the value class of
 * a DATA_TYPE, values as SQL literals, and freeing a table with everything
 * it owns.
 *
 * The value class decides how the encoder writes a column's values
 * (bare numbers, quoted strings, 0x hex), so a wrong entry here corrupts a
 * dump: numbers must be plain ASCII digits the server sends, and anything
 * that may hold arbitrary bytes (binary strings, BIT, spatial WKB, VECTOR)
 * is written as hex. */
#include "format/table.h"

#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"

size_t sl_table_ndata_cols(const struct sl_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->ncols; i++)
		if (!t->cols[i].generated)
			n++;
	return n;
}

/* information_schema DATA_TYPE values (MariaDB and MySQL spellings) that are
 * not plain strings.  Everything not listed - char, varchar, the text
 * types, temporal types, enum, set, json - is a string. */
static const struct {
	const char *type;
	enum sl_value_class cls;
} sl_type_classes[] = {
    {"tinyint", SL_VAL_NUMBER},        {"smallint", SL_VAL_NUMBER},
    {"mediumint", SL_VAL_NUMBER},      {"int", SL_VAL_NUMBER},
    {"bigint", SL_VAL_NUMBER},         {"decimal", SL_VAL_NUMBER},
    {"float", SL_VAL_NUMBER},          {"double", SL_VAL_NUMBER},
    {"year", SL_VAL_NUMBER},           {"binary", SL_VAL_BINARY},
    {"varbinary", SL_VAL_BINARY},      {"tinyblob", SL_VAL_BINARY},
    {"blob", SL_VAL_BINARY},           {"mediumblob", SL_VAL_BINARY},
    {"longblob", SL_VAL_BINARY},       {"bit", SL_VAL_BINARY},
    {"geometry", SL_VAL_BINARY},       {"point", SL_VAL_BINARY},
    {"linestring", SL_VAL_BINARY},     {"polygon", SL_VAL_BINARY},
    {"multipoint", SL_VAL_BINARY},     {"multilinestring", SL_VAL_BINARY},
    {"multipolygon", SL_VAL_BINARY},   {"geometrycollection", SL_VAL_BINARY},
    {"geomcollection", SL_VAL_BINARY}, /* MySQL 8's DATA_TYPE spelling */
    {"vector", SL_VAL_BINARY},         /* MariaDB 11.7+, MySQL 9: packed floats */
    {"inet4", SL_VAL_NATIVE},          {"inet6", SL_VAL_NATIVE},
    {"uuid", SL_VAL_NATIVE},
};

enum sl_value_class sl_value_class_of(const char *data_type)
{
	if (!data_type)
		return SL_VAL_STRING;
	for (size_t i = 0; i < sizeof(sl_type_classes) / sizeof(sl_type_classes[0]); i++)
		if (strcasecmp(data_type, sl_type_classes[i].type) == 0)
			return sl_type_classes[i].cls;
	return SL_VAL_STRING;
}

/* Free 'n' strings and the array holding them.  NULL array is fine. */
static void table_free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		sl_free(v[i]);
	sl_free(v);
}

void sl_table_free_exprs(char **exprs, size_t n)
{
	table_free_strv(exprs, n);
}

void sl_table_free(struct sl_table *t)
{
	if (!t)
		return;
	if (t->cols) {
		for (size_t i = 0; i < t->ncols; i++) {
			struct sl_column *c = &t->cols[i];
			sl_free(c->name);
			sl_free(c->data_type);
			sl_free(c->column_type);
			sl_free(c->charset);
			sl_free(c->default_value);
		}
		sl_free(t->cols);
	}
	if (t->keys) {
		for (size_t i = 0; i < t->nkeys; i++) {
			sl_free(t->keys[i].name);
			table_free_strv(t->keys[i].cols, t->keys[i].ncols);
		}
		sl_free(t->keys);
	}
	if (t->fks) {
		for (size_t i = 0; i < t->nfks; i++) {
			struct sl_foreign_key *fk = &t->fks[i];
			sl_free(fk->name);
			sl_free(fk->ref_schema);
			sl_free(fk->ref_table);
			table_free_strv(fk->cols, fk->ncols);
			table_free_strv(fk->ref_cols, fk->ncols);
		}
		sl_free(t->fks);
	}
	sl_free(t->schema);
	sl_free(t->name);
	sl_free(t->engine);
	sl_free(t->where);
	sl_free(t->names);
	sl_table_free_exprs(t->col_exprs, t->ncols);
	for (size_t i = 0; t->targets && i < t->ntargets; i++) {
		sl_free(t->targets[i].schema);
		sl_free(t->targets[i].name);
	}
	sl_free(t->targets);
	sl_free(t);
}

/* Hex needs no escaping and keeps every byte; the introducer gives the
 * literal the column's charset, so the comparison uses its collation (and
 * its index). */
int sl_sql_literal(struct sl_buf *b, const struct sl_column *c, const char *v, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (c->value_class == SL_VAL_NUMBER)
		return sl_buf_append(b, v, len);
	if (c->value_class == SL_VAL_STRING && !c->charset)
		return sl_buf_put_quoted(b, v, len);
	if (c->value_class == SL_VAL_NATIVE)
		return sl_buf_puts(b, "_latin1") ? SL_ENOMEM : sl_buf_put_quoted(b, v, len);
	if (c->value_class == SL_VAL_STRING && sl_buf_printf(b, "_%s ", c->charset))
		return SL_ENOMEM;
	if (len == 0)
		return sl_buf_puts(b, "''");
	if (sl_buf_reserve(b, 2 * len + 2))
		return SL_ENOMEM;
	b->data[b->len++] = '0';
	b->data[b->len++] = 'x';
	for (size_t i = 0; i < len; i++) {
		b->data[b->len++] = hex[(unsigned char)v[i] >> 4];
		b->data[b->len++] = hex[(unsigned char)v[i] & 15];
	}
	b->data[b->len] = '\0';
	return 0;
}

/* dataformat.c - the table of data formats (dataformat.h). */
#include "format/dataformat.h"

#include <string.h>

#include "format/encode_csv.h"
#include "format/encode_json.h"
#include "format/encode_sql.h"

const struct sl_data_format sl_data_formats[] = {
    {"sql", "sql", 0, "application/sql; charset=binary", ".sql", sl_encode_sql_file},
    {"csv", "csv", SL_TEXT_CSV, "text/plain; charset=binary", ".csv.sluice", sl_encode_csv_file},
    {"tsv", "tsv", SL_TEXT_TSV, "text/plain; charset=binary", ".tsv.sluice", sl_encode_tsv_file},
    {"jsonl", "jsonl", SL_TEXT_JSONL, "text/plain; charset=binary", ".jsonl.sluice",
     sl_encode_jsonl_file},
    {NULL, NULL, 0, NULL, NULL, NULL},
};

const struct sl_data_format *sl_data_format_find(const char *name)
{
	for (const struct sl_data_format *f = sl_data_formats; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const struct sl_data_format *sl_data_format_of_file(const char *fname)
{
	const char *dot = strrchr(fname, '.');
	return dot ? sl_data_format_find(dot + 1) : NULL;
}

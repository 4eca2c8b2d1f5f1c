/* dataformat.h - the formats a dump's data files can be written in.
 *
 * One table, read by everything that needs to know the formats: the
 * pipeline encodes rows with a format's encoder, file names carry its
 * extension, the readers and the loader find a data file's format by that
 * extension (and its reader for LOAD DATA), the --format options list the
 * names, and the HTTP server names the content type.  A new format is one
 * row in dataformat.c. */
#ifndef SL_DATAFORMAT_H
#define SL_DATAFORMAT_H

#include <stddef.h>

#include "base/buf.h"
#include "format/decode_text.h"

struct sl_rowset;

/* What every encoder gets besides the rows. */
struct sl_encode_opts {
	size_t statement_size; /* sql: cap of one INSERT statement in bytes */
	const char *names;     /* sql: the rows' character set (SET NAMES); NULL: binary */
};

struct sl_data_format {
	const char *name;          /* the --format value: "sql", "csv", ... */
	const char *ext;           /* data file names end in ".NNNNN.<ext>" */
	enum sl_text_format text;  /* its reader for LOAD DATA (decode_text.h); 0: SQL */
	const char *content_type;  /* a stream of this format as an HTTP response */
	const char *stream_suffix; /* ... and the download's name after the profile */
	/* Append the rows of 'rs' as the body of one data file of table
	 * schema.table (target names).  0 or SL_ENOMEM. */
	int (*encode)(const struct sl_encode_opts *opts, const char *schema, const char *table,
	              const struct sl_rowset *rs, struct sl_buf *out);
};

/* Every format, the default ("sql") first, ended by a row whose name is
 * NULL. */
extern const struct sl_data_format sl_data_formats[];

/* The format named 'name', or NULL. */
const struct sl_data_format *sl_data_format_find(const char *name);

/* The format of a data file, by the extension its name ends in
 * ("db.t.00001.csv" -> csv); NULL when it is none of them. */
const struct sl_data_format *sl_data_format_of_file(const char *fname);

/* The choices of an SL_OPT_ENUM option among the formats: its value is
 * then an index into sl_data_formats. */
#define SL_DATA_FORMAT_CHOICES \
	.choices = &sl_data_formats[0].name, .choice_stride = sizeof(struct sl_data_format)

/* The --format option entry of a config struct (an int at offset 'off'). */
#define SL_DATA_FORMAT_OPTION(off)                                                              \
	{                                                                                       \
		.name = "format", .type = SL_OPT_ENUM, .def = "sql", SL_DATA_FORMAT_CHOICES,    \
		.offset = (off), .arg = "FORMAT",                                               \
		.help = "data files as sql (INSERTs), csv, tsv or jsonl (README: Data formats)" \
	}

#endif

/* files.c - sink plugin "files": the dump's files in a stream, an archive
 * or a directory (files.h).
 *
 * `sluice dump` writes the stream on stdout (or --result-file FILE);
 * `-a FILE` makes it a tar or zip archive, `-o DIR` a directory; any of
 * the three may be s3://bucket/key (output_s3.c).  One option table serves all three,
 * so a command's options are known before it runs; options that only one
 * container takes are refused for the others.  Every batch is handed to
 * the container's writer and accounted in the manifest: files (size,
 * checksum, rows) and end-of-table records (the table's rows, complete).
 * A directory's object files are first put in myloader's form. */
#include "files.h"

#include <limits.h>
#include <string.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "base/alloc.h"
#include "format/dataformat.h"
#include "format/myloader.h"

static const char *const containers[] = {"auto", "stream", "tar", "zip", "dir", "mydumper", NULL};
static const char *const stream_formats[] = {"sluice", "mydumper", NULL};
static const char *const archive_formats[] = {"auto", "tar", "zip", NULL};
static const char *const compressions[] = {"auto", "none", "gzip", "zstd", "xz", NULL};

#define CFG(field) offsetof(struct files_sink_config, field)

static const struct sl_option files_options[] = {
    {.name = "archive",
     .short_name = 'a',
     .type = SL_OPT_STRING,
     .offset = CFG(archive),
     .arg = "FILE",
     .help = "write the dump as one tar or zip archive file or s3://BUCKET/KEY ('-': "
             "standard output)"},
    {.name = "outputdir",
     .short_name = 'o',
     .type = SL_OPT_STRING,
     .offset = CFG(outputdir),
     .arg = "DIR",
     .help = "write the dump's files into this directory (mydumper's layout), or one object "
             "each under s3://BUCKET/PREFIX/"},
    {.name = "archive-format",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = archive_formats,
     .offset = CFG(archive_format),
     .arg = "FORMAT",
     .help = "-a: tar or zip (auto: from the file name, tar when it says nothing)"},
    {.name = "compress",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = compressions,
     .offset = CFG(compress),
     .arg = "METHOD",
     .help = "-a: none, gzip, zstd or xz (auto: from the file name; zstd for tar, deflate "
             "(gzip) for zip); -o: gzip or zstd compresses each file (NAME.sql.gz, "
             "NAME.sql.zst; auto: none)"},
    {.name = "compress-level",
     .type = SL_OPT_INT,
     .def = "0",
     .offset = CFG(compress_level),
     .arg = "N",
     .help = "-a, -o: compression level (0: the method's default; zstd 1-19, gzip/xz 1-9)",
     .min = 0,
     .max = 22},
    {.name = "compress-threads",
     .type = SL_OPT_INT,
     .def = "-1",
     .offset = CFG(compress_threads),
     .arg = "N",
     .help = "-a: zstd compresses on N threads of its own, about 10 MiB each at the "
             "default level (-1: as many as --threads; 0: on the sink's thread, least "
             "memory)",
     .min = -1,
     .max = 64},
    {.name = "overwrite",
     .type = SL_OPT_BOOL,
     .offset = CFG(overwrite),
     .help = "-a: replace an existing archive file; -o: use a non-empty directory, removing "
             "the files of an earlier dump first"},
    {.name = "stream-format",
     .type = SL_OPT_ENUM,
     .def = "sluice",
     .choices = stream_formats,
     .offset = CFG(stream_format),
     .arg = "FORMAT",
     .help = "the stream on stdout: sluice (frames with checksums, a trailer) or mydumper "
             "(mydumper --stream's framing and names, a final metadata: myloader --stream "
             "reads it)"},
    {.name = "result-file",
     .type = SL_OPT_STRING,
     .offset = CFG(result_file),
     .arg = "FILE",
     .help = "write the stream into this file or object (s3://BUCKET/KEY) instead of "
             "standard output, replacing it (mysqldump's --result-file)"},
    SL_DATA_FORMAT_OPTION(CFG(format)),
    {.name = "container",
     .type = SL_OPT_ENUM,
     .flags = SL_OPTF_HIDDEN,
     .def = "auto",
     .choices = containers,
     .offset = CFG(container),
     .arg = "KIND",
     .help = "where the files go (auto: -a an archive, -o a directory, else the stream); "
             "job scripts say it with type = \"stdout\", \"tar\", \"zip\" or \"dir\""},
    {.name = "fd",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "0",
     .offset = CFG(fd),
     .arg = "N",
     .help = "write the stream or archive to this file descriptor (the caller's to close; "
             "sluice serve); -a then only names the archive's format",
     .min = 0,
     .max = INT_MAX},
    {.name = "trailer-wait",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "1000",
     .offset = CFG(trailer_wait),
     .arg = "MS",
     .help = "after an error, how long the rest of a frame and the trailer may wait for the "
             "reader",
     .min = 0,
     .max = 3600000},
    SL_S3_OPTIONS(CFG(s3)),
    SL_OPTION_END};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Which container the options ask for.  0 or SL_EUSAGE through the
 * pipeline. */
static int choose_container(struct files_sink *s)
{
	const struct files_sink_config *cfg = s->cfg;
	struct sl_pipeline *p = s->inst->pipe;
	enum files_container c = (enum files_container)cfg->container;
	if (!!cfg->archive + !!cfg->outputdir + !!cfg->result_file > 1)
		return sl_pipeline_fail(p, SL_EUSAGE,
		                        "-a, -o and --result-file exclude each other: one archive, "
		                        "one directory or one stream");
	if (c == FILES_AUTO)
		c = cfg->outputdir ? FILES_DIR : cfg->archive ? FILES_TAR : FILES_STREAM;
	if (c == FILES_STREAM && cfg->stream_format == 1)
		c = FILES_MYDUMPER;
	if (c == FILES_TAR &&
	    (cfg->archive_format == 2 ||
	     (cfg->archive_format == 0 && cfg->archive && ends_with(cfg->archive, ".zip"))))
		c = FILES_ZIP;
	/* Options of one container given to another are mistakes. */
	const char *stray = NULL;
	if (c != FILES_TAR && c != FILES_ZIP) {
		/* A directory compresses each file on its own (write_dir.c). */
		bool dir = c == FILES_DIR;
		stray = cfg->archive                            ? "-a"
		        : cfg->archive_format != 0              ? "--archive-format"
		        : cfg->compress != FILES_Z_AUTO && !dir ? "--compress"
		        : cfg->compress_level != 0 && !dir      ? "--compress-level"
		        : cfg->compress_threads != -1           ? "--compress-threads"
		                                                : NULL;
	}
	bool stream = c == FILES_STREAM || c == FILES_MYDUMPER;
	if (!stray && c != FILES_DIR && cfg->outputdir)
		stray = "-o";
	if (!stray && !stream && cfg->result_file)
		stray = "--result-file";
	if (!stray && stream && cfg->overwrite)
		stray = "--overwrite";
	if (!stray && !stream && cfg->stream_format != 0)
		stray = "--stream-format";
	if (stray)
		return sl_pipeline_fail(p, SL_EUSAGE, "%s does not apply to %s", stray,
		                        stream           ? "the stream (give -a FILE or -o DIR)"
		                        : c == FILES_DIR ? "a directory (-o)"
		                                         : "an archive (-a)");
	s->container = c;
	static const char *const names[] = {"files", "stdout", "tar", "zip", "dir", "stdout"};
	s->name = names[c];
	s->w = c == FILES_STREAM     ? &files_stream_writer
	       : c == FILES_MYDUMPER ? &files_mydumper_writer
	       : c == FILES_DIR      ? &files_dir_writer
	                             : &files_archive_writer;
	return 0;
}

static int files_init(struct sl_instance *inst)
{
	struct files_sink *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->inst = inst;
	s->cfg = inst->config;
	s->name = "files";
	sl_manifest_init(&s->man);
	inst->data = s;
	inst->format = &sl_data_formats[s->cfg->format];
	int rc = choose_container(s);
	if (rc)
		return rc;
	/* Named after its plugin, the sink takes its container's name:
	 * `dump --script` routes say "stdout", "tar" or "dir". */
	if (!strcmp(inst->name, inst->plugin->name))
		inst->name = s->name;
	if (sl_s3_is_url(files_output_path(s)) && (rc = files_s3_open(s)) != 0)
		return rc;
	return s->w->init ? s->w->init(s) : 0;
}

static void files_destroy(struct sl_instance *inst)
{
	struct files_sink *s = inst->data;
	if (!s)
		return;
	if (s->w && s->w->destroy)
		s->w->destroy(s);
	sl_s3_free(s->s3);
	sl_manifest_free(&s->man);
	sl_free(s);
	inst->data = NULL;
}

/* Make blocked writes return (a cancel): waits for object storage; a
 * descriptor's write() is interrupted by the pipeline's signal. */
static void files_interrupt(struct sl_instance *inst)
{
	struct files_sink *s = inst->data;
	if (s && s->s3)
		sl_s3_cancel(s->s3);
}

static int files_open(struct sl_instance *inst)
{
	struct files_sink *s = inst->data;
	sl_manifest_stamp(s->man.started);
	return s->w->open(s);
}

/* Account batch b in the manifest: a file's size, checksum and rows; an
 * end-of-table record makes its table complete with the source's count of
 * its rows (a reader of rendered files knows no rows per file).  0 or
 * SL_ENOMEM. */
static int account(struct sl_manifest *m, const struct sl_batch *b, uint64_t hash)
{
	const char *schema = b->schema ? b->schema : (b->table ? b->table->schema : "");
	const char *name = b->table ? sl_batch_table_name(b) : "";
	if (b->kind == SL_BATCH_TABLE_END) {
		struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
		if (!t)
			return SL_ENOMEM;
		t->complete = true;
		if (b->rows > t->rows) {
			m->rows += b->rows - t->rows;
			t->rows = b->rows;
		}
		return 0;
	}
	int rc = sl_manifest_add_hashed(m, schema, name, hash, b->body.len,
	                                b->file_kind == SL_FILE_DATA ? b->rows : 0);
	if (!rc && b->table && name[0]) {
		struct sl_manifest_table *t = sl_manifest_table(m, schema, name);
		enum sl_table_kind k = b->table->kind;
		t->kind = k == SL_TABLE_VIEW       ? SL_MANIFEST_VIEW
		          : k == SL_TABLE_SEQUENCE ? SL_MANIFEST_SEQUENCE
		                                   : SL_MANIFEST_TABLE;
		t->kind_known = true;
	}
	return rc;
}

/* A new file batch of b's table under b's names: 'kind', 'name'. */
static struct sl_batch *derived(const struct sl_batch *b, enum sl_file_kind kind, const char *name)
{
	struct sl_batch *c = sl_batch_new(SL_BATCH_FILE, kind, b->table, b->schema, name);
	if (c && b->table_name && !(c->table_name = sl_strdup(b->table_name))) {
		sl_batch_release(c);
		c = NULL;
	}
	return c;
}

/* Put object file b (triggers, routines and events, or a view) in
 * myloader's form; a view whose columns are known goes after its
 * placeholder table, db.v-schema.sql (format/myloader.h).  Both are
 * accounted as files of the view.  0 or the pipeline's error. */
static int put_myloader_objects(struct files_sink *s, const struct sl_batch *b)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct sl_error err = {0};
	struct sl_buf name = SL_BUF_INIT;
	struct sl_batch *out[2] = {NULL, NULL}; /* the placeholder (or none), the file */
	const char *view = NULL;
	int rc = 0;
	if (b->file_kind == SL_FILE_VIEW && b->table && b->table->ncols) {
		view = sl_batch_table_name(b);
		if (sl_fname_table_schema(&name, b->schema, view) ||
		    !(out[0] = derived(b, SL_FILE_TABLE_SCHEMA, name.data)) ||
		    sl_myloader_placeholder(&out[0]->body, b->table, view))
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	}
	if (!rc && !(out[1] = derived(b, b->file_kind, b->name)))
		rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	if (!rc && (rc = sl_myloader_objects(&out[1]->body, b->name, b->body.data, b->body.len,
	                                     view, &err)) != 0)
		rc = sl_pipeline_fail(p, rc, "%s: %s", s->name, err.msg);
	for (size_t i = 0; i < 2 && !rc; i++) {
		if (!out[i])
			continue;
		uint64_t hash =
		    sl_manifest_file_hash(out[i]->name, out[i]->body.data, out[i]->body.len);
		if ((rc = s->w->put(s, out[i], hash)) == 0 && account(&s->man, out[i], hash))
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	}
	sl_batch_release(out[0]);
	sl_batch_release(out[1]);
	sl_buf_free(&name);
	return rc;
}

static int files_consume(struct sl_instance *inst, struct sl_batch *b)
{
	struct files_sink *s = inst->data;
	if (b->kind == SL_BATCH_FILE && s->w->myloader_objects &&
	    sl_fname_is_object(b->file_kind, b->table != NULL))
		return put_myloader_objects(s, b);
	/* One checksum for the frame header and the manifest. */
	uint64_t hash = b->kind == SL_BATCH_FILE
	                    ? sl_manifest_file_hash(b->name, b->body.data, b->body.len)
	                    : 0;
	int rc = b->kind == SL_BATCH_FILE ? s->w->put(s, b, hash) : 0;
	if (rc)
		return rc;
	if (account(&s->man, b, hash))
		return sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
	if (b->kind == SL_BATCH_TABLE_END && b->table && s->w->end_table) {
		const char *schema = b->schema ? b->schema : b->table->schema;
		const struct sl_manifest_table *t =
		    sl_manifest_table(&s->man, schema, sl_batch_table_name(b));
		return t ? s->w->end_table(s, t)
		         : sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
	}
	return 0;
}

/* Replace *dst by a copy of src (NULL clears).  0 or SL_ENOMEM. */
static int set_str(char **dst, const char *src)
{
	char *v = NULL;
	if (src && !(v = sl_strdup(src)))
		return SL_ENOMEM;
	sl_free(*dst);
	*dst = v;
	return 0;
}

static int files_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct files_sink *s = inst->data;
	struct sl_manifest *m = &s->man;
	const struct sl_run_info *info = sum->info;
	m->status = sum->status ? SL_MANIFEST_ERROR : SL_MANIFEST_OK;
	sl_manifest_stamp(m->finished);
	if (set_str(&m->sluice, PACKAGE_VERSION) ||
	    set_str(&m->error,
	            sum->status ? (sum->error ? sum->error : sl_strerror(sum->status)) : NULL) ||
	    set_str(&m->server, info->server_version) || set_str(&m->source, info->source) ||
	    set_str(&m->binlog_file, info->binlog_file) || set_str(&m->gtid, info->gtid))
		return sum->status ? 0 : SL_ENOMEM;
	m->binlog_pos = info->binlog_pos;
	/* What the run left out of this sink goes into its trailer or manifest. */
	struct sl_left_out *lo = sl_calloc(info->nleft_out + 1, sizeof(*lo));
	if (!lo)
		return sum->status ? 0 : SL_ENOMEM;
	size_t nlo = 0;
	for (size_t i = 0; i < info->nleft_out; i++)
		if (info->left_out[i].sink < 0 || (unsigned)info->left_out[i].sink == inst->index)
			lo[nlo++] = info->left_out[i].lo;
	m->left_out = lo;
	m->nleft_out = nlo;
	int rc = s->w->close(s, sum);
	m->left_out = NULL;
	m->nleft_out = 0;
	sl_free(lo);
	return rc;
}

const struct sl_plugin sl_sink_files = {
    .name = "files",
    .kind = SL_PLUGIN_SINK,
    .summary = "the dump's files: the sluice stream on stdout, a tar or zip archive (-a), or "
               "a directory (-o), on disk or in object storage (s3://)",
    .options = files_options,
    .config_size = sizeof(struct files_sink_config),
    .init = files_init,
    .destroy = files_destroy,
    .open = files_open,
    .consume = files_consume,
    .close = files_close,
    .interrupt = files_interrupt,
};

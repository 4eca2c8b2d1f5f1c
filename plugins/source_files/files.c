/* files.c - source plugin "files": a dump read back from a stream, an
 * archive or a directory (files.h).
 *
 * `sluice load` and `sluice verify` take one input: a file or standard
 * input (a bare argument or -i), an archive (-a) or a directory (-d).  What
 * a file or stdin holds is recognised here, in one place, from its first
 * bytes: the stream's version line, mydumper's stream (a newline and "-- ",
 * its first header), a mysqldump file (its header comment or SQL's first
 * words), else an archive (libarchive then tells tar from zip and the
 * compressions, and hands a compressed single file to the mysqldump
 * reader); a path that is a directory is read as one.  The reader of that
 * container then finds the files, and dumpread.c turns each into a batch
 * for the pipeline.
 *
 * An s3://bucket/key input is an object when one is there (its first bytes
 * then tell a stream from an archive, as for a file), and a directory (the
 * objects under key/) when the key ends with '/', is given with -d, or
 * names no object. */
#include "files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/input.h"

static const char *const containers[] = {"auto",     "stream",    "archive", "dir",
                                         "mydumper", "mysqldump", NULL};

static const char *const into_formats[] = {"auto", "csv", "tsv", "jsonl", NULL};

#define CFG(field) offsetof(struct files_source_config, field)

static const struct sl_option files_options[] = {
    {.name = "input",
     .short_name = 'i',
     .type = SL_OPT_STRING,
     .offset = CFG(input),
     .arg = "FILE",
     .help = "read the dump from this file or object (s3://BUCKET/KEY), a stream or an "
             "archive ('-': standard input, the default)"},
    {.name = "archive",
     .short_name = 'a',
     .type = SL_OPT_STRING,
     .offset = CFG(archive),
     .arg = "FILE",
     .help = "read the dump from this tar or zip archive, a file or s3://BUCKET/KEY ('-': "
             "standard input)"},
    {.name = "directory",
     .short_name = 'd',
     .type = SL_OPT_STRING,
     .offset = CFG(directory),
     .arg = "DIR",
     .help = "read the dump from this directory, or the objects under s3://BUCKET/PREFIX/ "
             "(sluice's or mydumper's layout)"},
    {.name = "continuous",
     .type = SL_OPT_BOOL,
     .offset = CFG(continuous),
     .help = "a stream (sluice's or mydumper's): accept several streams back to back (nc -k "
             "-l PORT | sluice ...), each handled as it arrives, until the end of the input"},
    {.name = "into",
     .type = SL_OPT_STRING,
     .offset = CFG(into),
     .arg = "DB.TABLE",
     .help = "load: the input is one csv, tsv or jsonl file written by another tool (header "
             "row or JSON keys naming the columns), loaded into this existing table"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = into_formats,
     .offset = CFG(format),
     .arg = "FORMAT",
     .help = "with --into: what the input holds, csv, tsv or jsonl (auto: by its name's "
             "extension)"},
    {.name = "container",
     .type = SL_OPT_ENUM,
     .flags = SL_OPTF_HIDDEN,
     .def = "auto",
     .choices = containers,
     .offset = CFG(container),
     .arg = "KIND",
     .help = "what the input is (auto: recognised); job scripts say it with type = "
             "\"stream\", \"mydumper\", \"archive\" or \"dir\""},
    SL_S3_OPTIONS(CFG(s3)),
    SL_OPTION_END};

/* What every sluice stream starts with (format/stream.h). */
static const char stream_magic[] = "-- sluice stream";
/* What mydumper's stream starts with: its first file's header line. */
static const char mydumper_magic[] = "\n-- ";

/* An s3:// input: the client; an object to read (s->dl) unless it is a
 * directory (*c becomes FILES_DIR).  0 or the pipeline's error. */
static int open_s3(struct files_source *s, enum files_container *c)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct sl_error err = {0};
	int rc = sl_s3_open(&s->cfg->s3, s->path, &s->s3, &err);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	const char *key = sl_s3_key(s->s3);
	bool prefix = !key[0] || key[strlen(key) - 1] == '/';
	if (*c == FILES_DIR || (*c == FILES_AUTO && prefix)) {
		*c = FILES_DIR;
		return 0;
	}
	if (prefix)
		return sl_pipeline_fail(p, SL_EUSAGE,
		                        "%s names no object (s3://BUCKET/KEY; -d for "
		                        "the objects under a prefix)",
		                        s->path);
	struct sl_s3_object obj = {.key = (char *)key};
	bool found = false;
	if ((rc = sl_s3_head(s->s3, key, &found, &obj, &err)) != 0)
		return files_input_fail(s, rc, &err);
	if (!found && *c == FILES_AUTO) {
		*c = FILES_DIR; /* perhaps the objects under key/ */
		return 0;
	}
	if (!found)
		return sl_pipeline_fail(p, SL_EUSAGE, "%s: no such object", s->path);
	sl_pipeline_set_input_size(p, obj.size);
	rc = sl_s3_download_open(s->s3, &obj, 1, &s->dl, &err);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	files_download_reserve(s);
	return 0;
}

/* Which container the options and the input say: -a, -d, a directory, or
 * the first bytes of a file or standard input (kept to be read again). */
static int recognise(struct files_source *s)
{
	const struct files_source_config *cfg = s->cfg;
	struct sl_pipeline *p = s->inst->pipe;
	enum files_container c = (enum files_container)cfg->container;
	int given = !!cfg->input + !!cfg->archive + !!cfg->directory;
	if (given > 1)
		return sl_pipeline_fail(p, SL_EUSAGE,
		                        "one input at a time: a file or standard input, -a FILE "
		                        "or -d DIR");
	s->path = cfg->archive     ? cfg->archive
	          : cfg->directory ? cfg->directory
	          : cfg->input     ? cfg->input
	                           : "-";
	if (!s->path[0])
		return sl_pipeline_fail(p, SL_EUSAGE, "an empty file name");
	if (c == FILES_AUTO)
		c = cfg->archive ? FILES_ARCHIVE : cfg->directory ? FILES_DIR : FILES_AUTO;
	struct stat st;
	bool s3 = sl_s3_is_url(s->path);
	if (!s3 && c == FILES_AUTO && strcmp(s->path, "-") != 0 && stat(s->path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		c = FILES_DIR;
	s->source = strcmp(s->path, "-") ? s->path : "stdin";
	if (s3) {
		int rc = open_s3(s, &c);
		if (rc)
			return rc;
	} else if (c != FILES_DIR) {
		struct sl_error err = {0};
		int rc = sl_input_open(s->path,
		                       c == FILES_ARCHIVE ? "pipe an archive in or name a file"
		                                          : "pipe a stream in or use --input FILE",
		                       c == FILES_ARCHIVE ? " (use -d DIR)" : "", &s->fd,
		                       &s->owned_fd, &err);
		if (rc)
			return sl_pipeline_fail(p, rc, "%s", err.msg);
		struct stat in;
		if (fstat(s->fd, &in) == 0 && S_ISREG(in.st_mode))
			sl_pipeline_set_input_size(p, (uint64_t)in.st_size);
	}
	if (cfg->into) {
		if (cfg->archive || cfg->directory || cfg->continuous)
			return sl_pipeline_fail(
			    p, SL_EUSAGE,
			    "--into reads one csv, tsv or jsonl file or standard "
			    "input: not with -a, -d or --continuous");
		if (s3 && !s->dl) /* a prefix: not one file */
			return sl_pipeline_fail(p, SL_EUSAGE, "%s: no such object", s->path);
		c = FILES_INTO;
	} else if (cfg->format) {
		return sl_pipeline_fail(p, SL_EUSAGE,
		                        "--format applies with --into (a dump's files say their "
		                        "own format)");
	}
	if (c == FILES_AUTO) {
		/* A stream starts with its version line (an empty or cut input
		 * goes to the stream reader too, which says what is missing). */
		size_t want = 24, n = 1;
		while (s->npeek < want && n > 0) {
			int rc = files_input_read(s, s->peek + s->npeek, want - s->npeek, &n);
			if (rc)
				return rc;
			s->npeek += n;
			s->peek_pos = s->npeek; /* read on, not the peeked bytes again */
		}
		s->peek_pos = 0; /* the reader gets them first */
		size_t mm = sizeof(mydumper_magic) - 1, sm = sizeof(stream_magic) - 1;
		c = s->npeek >= mm && !memcmp(s->peek, mydumper_magic, mm)          ? FILES_MYDUMPER
		    : !memcmp(s->peek, stream_magic, s->npeek < sm ? s->npeek : sm) ? FILES_STREAM
		    : files_looks_sqldump(s->peek, s->npeek)                        ? FILES_SQLDUMP
		                                                                    : FILES_ARCHIVE;
	}
	if (cfg->continuous && c != FILES_STREAM && c != FILES_MYDUMPER)
		return sl_pipeline_fail(p, SL_EUSAGE, "--continuous applies to streams");
	s->r = c == FILES_INTO       ? &files_into_reader
	       : c == FILES_STREAM   ? &files_stream_reader
	       : c == FILES_MYDUMPER ? &files_mydumper_reader
	       : c == FILES_SQLDUMP  ? &files_sqldump_reader
	       : c == FILES_ARCHIVE  ? &files_archive_reader
	                             : &files_dir_reader;
	s->inst->name = s->r->name;
	return 0;
}

/* --- the plugin ---------------------------------------------------------------- */

static int files_init(struct sl_instance *inst)
{
	struct files_source *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->inst = inst;
	s->cfg = inst->config;
	s->fd = -1;
	s->wake.fd[0] = s->wake.fd[1] = -1;
	sl_manifest_init(&s->seen);
	sl_manifest_init(&s->expect);
	inst->data = s;
	if (sl_wakeup_open(&s->wake) != 0)
		return sl_pipeline_fail(inst->pipe, SL_EIO, "cannot create a pipe: %s",
		                        strerror(errno));
	return 0;
}

static void files_destroy(struct sl_instance *inst)
{
	struct files_source *s = inst->data;
	if (!s)
		return;
	if (s->r && s->r->destroy)
		s->r->destroy(s);
	sl_s3_download_free(s->dl);
	sl_s3_free(s->s3);
	sl_tableset_free(&s->tables);
	sl_manifest_free(&s->seen);
	sl_manifest_free(&s->expect);
	sl_buf_free(&s->db);
	sl_buf_free(&s->tbl);
	if (s->owned_fd && s->fd >= 0)
		close(s->fd);
	sl_wakeup_close(&s->wake);
	sl_free(s);
	inst->data = NULL;
}

/* Make a blocked read return: poll() there sees the self-pipe readable;
 * a wait for object storage is woken and its transfers stop.  Never
 * blocks for long (the client's mutex). */
static void files_interrupt(struct sl_instance *inst)
{
	struct files_source *s = inst->data;
	if (s) {
		sl_wakeup_signal(&s->wake);
		if (s->s3)
			sl_s3_cancel(s->s3);
	}
}

static int files_prepare(struct sl_instance *inst)
{
	struct files_source *s = inst->data;
	/* The file being read is held here until it is emitted: a file's
	 * worth of --buffer. */
	sl_pipeline_input_reserve(inst->pipe, (size_t)sl_pipeline_config(inst->pipe)->batch_size);
	int rc = recognise(s);
	return rc ? rc : s->r->open(s);
}

static int files_work(struct sl_instance *inst, unsigned worker)
{
	struct files_source *s = inst->data;
	(void)worker;
	return s->r->run(s);
}

const struct sl_plugin sl_source_files = {
    .name = "files",
    .kind = SL_PLUGIN_SOURCE,
    .summary = "a dump's files: a sluice stream, mydumper's stream, a mysqldump file, a tar or "
               "zip archive (any compression) or a directory, from a file, standard input or "
               "object storage (s3://)",
    .options = files_options,
    .config_size = sizeof(struct files_source_config),
    .init = files_init,
    .destroy = files_destroy,
    .prepare = files_prepare,
    .work = files_work,
    .interrupt = files_interrupt,
    .max_workers = 1,
};

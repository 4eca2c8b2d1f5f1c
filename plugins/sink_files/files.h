/* files.h - internals of the "files" sink: a dump's files in a container.
 *
 *   files.c          the plugin: options, the choice of container, the
 *                    manifest every file is accounted in
 *   write_stream.c   the sluice stream, or mydumper's, on a file descriptor
 *                    (stdout)
 *   write_archive.c  one tar or zip archive (libarchive)
 *   write_dir.c      a directory in mydumper's layout
 *   output_s3.c      the object storage under them: s3:// in --result-file,
 *                    -a and -o (plugins/objstore/)
 *
 * A container is a small writer behind one interface (struct
 * files_writer), as curl keeps its TLS backends: files.c hands it every
 * file batch in order and, at the end, the run's outcome; the writer only
 * knows how to put bytes in its container.  files.c accounts every file
 * (size, checksum, rows) and every end-of-table record in the manifest,
 * which the archive and directory writers store last and the stream writer
 * turns into its trailer.  Threads: init() and open() on the main thread,
 * put() on the sink's thread, close() on the main thread after it ended. */
#ifndef SL_SINK_FILES_H
#define SL_SINK_FILES_H

#include <stdbool.h>
#include <time.h>

#include "engine/batch.h"
#include "engine/pipeline.h"
#include "format/manifest.h"
#include "objstore/s3.h"

enum files_container { FILES_AUTO, FILES_STREAM, FILES_TAR, FILES_ZIP, FILES_DIR, FILES_MYDUMPER };
enum files_compress { FILES_Z_AUTO, FILES_Z_NONE, FILES_Z_GZIP, FILES_Z_ZSTD, FILES_Z_XZ };

struct files_sink_config {
	int container;      /* enum files_container; auto: -a an archive, -o a directory */
	char *archive;      /* -a FILE ('-': stdout) */
	char *outputdir;    /* -o DIR */
	int archive_format; /* auto, tar, zip */
	int compress;       /* enum files_compress; -o: each file on its own (mydumper's -c) */
	long long compress_level;
	long long compress_threads;
	bool overwrite;
	int format;             /* index in sl_data_formats */
	int stream_format;      /* 0: sluice's stream, 1: mydumper's */
	char *result_file;      /* the stream into this file (or s3:// object) instead of stdout */
	long long fd;           /* > 0: write the stream or archive there (sluice serve) */
	long long trailer_wait; /* ms the error trailer may wait for a slow reader */
	struct sl_s3_options s3;
};

struct files_sink;

struct files_writer {
	/* The container holds triggers, routines, events and views in the
	 * form myloader replays, views after their placeholder tables
	 * (format/myloader.h): files.c converts them before put(), and the
	 * manifest accounts what was written. */
	bool myloader_objects;
	/* Check the options that concern this container.  Main thread. */
	int (*init)(struct files_sink *s);
	/* Create the container and write its start.  Main thread. */
	int (*open)(struct files_sink *s);
	/* Write one file; 'hash' is its checksum (sl_manifest_file_hash(),
	 * computed once for the manifest and the stream's frame header).  The
	 * sink's thread.  The pipeline's error on failure. */
	int (*put)(struct files_sink *s, const struct sl_batch *b, uint64_t hash);
	/* Optional: table t's data is complete (its manifest entry, already
	 * marked so).  The sink's thread.  0 or the pipeline's error. */
	int (*end_table)(struct files_sink *s, const struct sl_manifest_table *t);
	/* Write the end: the trailer, or metadata and manifest (s->man is
	 * complete, its run fields set from 'sum').  Called once after open()
	 * succeeded, also after errors. */
	int (*close)(struct files_sink *s, const struct sl_run_summary *sum);
	/* Free the writer's state (also after a failed init). */
	void (*destroy)(struct files_sink *s);
};

struct files_sink {
	struct sl_instance *inst;
	struct files_sink_config *cfg;
	enum files_container container; /* resolved */
	const char *name;               /* "stdout", "tar", "zip" or "dir": in messages */
	const struct files_writer *w;
	void *state;            /* the writer's */
	struct sl_manifest man; /* every file written: the manifest or the trailer */
	struct sl_s3 *s3;       /* the store, when the output is s3://...; NULL otherwise */
};

extern const struct files_writer files_stream_writer;
extern const struct files_writer files_mydumper_writer;
extern const struct files_writer files_archive_writer;
extern const struct files_writer files_dir_writer;

/* The output path of the container: --result-file, -a or -o (NULL: stdout). */
static inline const char *files_output_path(const struct files_sink *s)
{
	return s->cfg->outputdir ? s->cfg->outputdir
	       : s->cfg->archive ? s->cfg->archive
	                         : s->cfg->result_file;
}

/* For an s3:// output: open the client (s->s3).  0 or SL_EUSAGE through
 * the pipeline (a bad URL, no credentials). */
int files_s3_open(struct files_sink *s);

/* Start the object of an s3:// stream or archive at the URL's key: refused
 * when it exists, unless 'replace' (checked now; the object appears only
 * when the upload completes).  0 or the pipeline's error. */
int files_upload_open(struct files_sink *s, bool replace, struct sl_s3_upload **out);

/* Append to the object: 0, or the pipeline's error (SL_ECANCEL quietly). */
int files_upload_write(struct files_sink *s, struct sl_s3_upload *up, const void *p, size_t n);

/* Complete the object (it appears under its key now).  0 or the
 * pipeline's error. */
int files_upload_finish(struct files_sink *s, struct sl_s3_upload *up);

/* Free the upload; an unfinished one is aborted, and an abort that fails
 * is logged as a warning naming the upload. */
void files_upload_free(struct files_sink *s, struct sl_s3_upload *up);

/* Turn an objstore error into the pipeline's (a cancel stays quiet). */
int files_s3_fail(struct files_sink *s, int rc, const struct sl_error *err);

/* Milliseconds of CLOCK_MONOTONIC: deadlines of writes after an error. */
static inline long files_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

#endif

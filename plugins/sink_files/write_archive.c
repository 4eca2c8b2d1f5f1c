/* write_archive.c - the files sink's archive writer: the dump as one tar or
 * zip archive, written through libarchive in one streaming pass
 * (`sluice dump -a FILE`).
 *
 * Every file batch becomes one archive entry of known size (a batch is a
 * complete file), so nothing is staged on disk and memory stays what the
 * ring holds plus the compressor's window.  Entries sit at the top level,
 * named as in the stream (mydumper's layout); close() appends mydumper's
 * metadata file and, last, sluice-manifest.json with the run's status and
 * every table's rows and checksum (format/manifest.h).  An archive whose
 * last entry is not a manifest with status ok is incomplete, and the files
 * source and `sluice verify` refuse it.
 *
 * Format and compression come from the file name (.tar, .tar.gz/.tgz,
 * .tar.zst/.tzst, .tar.xz/.txz, .zip) or from --archive-format and
 * --compress; a tar whose name says nothing (and stdout, `-a -`) is
 * zstd-compressed.  Output goes through our own write callback: a write
 * interrupted by the pipeline's cancel signal stops the archive, and a
 * failed write (a full disk, a closed pipe) fails the run naming the file.
 * After a failed run close() still writes the manifest (status error), but
 * gives a stalled reader at most two seconds.  An existing file is replaced
 * only with --overwrite.
 *
 * `-a s3://bucket/key.tar.zst` writes the same bytes into one multipart
 * upload (output_s3.c) instead of a descriptor: parts go up while the dump
 * runs, and the object appears only when a successful run completes it.
 * A failed run writes no manifest there but aborts the upload: no object
 * at all. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
/* ZSTD_getCParams(): the window a level uses (stable since zstd 1.0). */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "base/alloc.h"
#include "files.h"

struct archive_writer {
	bool zip;
	int compress; /* enum files_compress, resolved */
	int fd;
	bool owned_fd;
	const char *out_name;    /* for messages */
	struct sl_s3_upload *up; /* -a s3://...: the object, or NULL */
	struct archive *a;
	struct archive_entry *entry;
	ZSTD_CCtx *zc; /* a zstd tar: our compressor (see archive_open), or NULL */
	char *zbuf;    /* its output, ZSTD_CStreamOutSize() bytes */
	bool failed;   /* the output is broken: write nothing more */
	time_t now;
	long deadline; /* closing after an error: writes give up then (ms), or 0 */
};

/* After an error, how long close() may spend writing the manifest. */
#define CLOSE_DEADLINE_MS 2000

static const char *const compress_names[] = {"auto", "none", "gzip", "zstd", "xz"};

/* Does s end with suffix? */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Compression from --compress and the file name. */
static int resolve_compress(const char *p, bool zip, int z)
{
	int zname = FILES_Z_AUTO;
	if (ends_with(p, ".tar"))
		zname = FILES_Z_NONE;
	else if (ends_with(p, ".tar.gz") || ends_with(p, ".tgz"))
		zname = FILES_Z_GZIP;
	else if (ends_with(p, ".tar.zst") || ends_with(p, ".tzst"))
		zname = FILES_Z_ZSTD;
	else if (ends_with(p, ".tar.xz") || ends_with(p, ".txz"))
		zname = FILES_Z_XZ;
	if (z != FILES_Z_AUTO)
		return z;
	return zip ? FILES_Z_GZIP : zname != FILES_Z_AUTO ? zname : FILES_Z_ZSTD;
}

static int archive_init(struct files_sink *s)
{
	const struct files_sink_config *cfg = s->cfg;
	struct archive_writer *w = sl_calloc(1, sizeof(*w));
	if (!w)
		return SL_ENOMEM;
	s->state = w;
	w->fd = -1;
	w->zip = s->container == FILES_ZIP;
	if (cfg->fd > 0) { /* lent by the caller, who closes it */
		w->fd = (int)cfg->fd;
		w->out_name = "the response";
	}
	if (!cfg->archive || !cfg->archive[0])
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE, "-a: an archive file is needed");
	w->compress = resolve_compress(cfg->archive, w->zip, cfg->compress);
	if (w->zip && (w->compress == FILES_Z_ZSTD || w->compress == FILES_Z_XZ))
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE,
		                        "--compress %s: zip archives are deflated (gzip) or stored "
		                        "(none)",
		                        compress_names[w->compress]);
	return 0;
}

static void archive_destroy(struct files_sink *s)
{
	struct archive_writer *w = s->state;
	if (!w)
		return;
	if (w->a) {
		/* Close before freeing, also after a failure (libarchive 3.6
		 * frees its output buffer only in close); with 'failed' set the
		 * write callback refuses, so nothing more reaches the output. */
		w->failed = true;
		archive_write_close(w->a);
		archive_write_free(w->a);
	}
	if (w->entry)
		archive_entry_free(w->entry);
	ZSTD_freeCCtx(w->zc);
	sl_free(w->zbuf);
	files_upload_free(s, w->up);
	if (w->owned_fd && w->fd >= 0)
		close(w->fd);
	sl_free(w);
	s->state = NULL;
}

/* The archive's bytes to the output: write them all, or fail naming the
 * output.  A cancel (SIGUSR1 -> EINTR) stops the archive. */
static la_ssize_t output_write(struct archive *a, struct files_sink *s, const void *buf, size_t n)
{
	struct archive_writer *w = s->state;
	const char *p = buf;
	size_t left = n;
	if (w->failed) {
		archive_set_error(a, EIO, "the output failed before");
		return -1;
	}
	if (w->up) {
		if (files_upload_write(s, w->up, buf, n) != 0) {
			archive_set_error(a, EIO, "the upload failed");
			w->failed = true;
			return -1;
		}
		return (la_ssize_t)n;
	}
	while (left > 0) {
		size_t chunk = left;
		if (w->deadline) {
			/* After an error the manifest should still go out, but a
			 * stalled reader may not hold the process: wait in poll(),
			 * and write at most PIPE_BUF bytes, which then cannot block. */
			long wait = w->deadline - files_now_ms();
			struct pollfd pfd = {.fd = w->fd, .events = POLLOUT};
			if (wait <= 0 || poll(&pfd, 1, (int)wait) <= 0) {
				archive_set_error(a, ETIMEDOUT, "the reader stalled");
				w->failed = true;
				return -1;
			}
			if (chunk > PIPE_BUF)
				chunk = PIPE_BUF;
		}
		ssize_t k = write(w->fd, p, chunk);
		if (k < 0) {
			if (errno == EINTR &&
			    (w->deadline || !sl_pipeline_cancelled(s->inst->pipe)))
				continue;
			if (errno == EINTR) {
				archive_set_error(a, ECANCELED, "cancelled");
			} else {
				int e = errno;
				archive_set_error(a, e, "%s", strerror(e));
				sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: cannot write %s: %s",
				                 s->name, w->out_name,
				                 e == EPIPE ? "the reader closed the pipe"
				                            : strerror(e));
			}
			w->failed = true;
			return -1;
		}
		p += k;
		left -= (size_t)k;
	}
	return (la_ssize_t)n;
}

/* Compress 'in' (all of it; with ZSTD_e_end also the end of the frame) and
 * write what comes out.  0 or -1 (the archive's error set). */
static int zstd_pump(struct archive *a, struct files_sink *s, ZSTD_inBuffer *in,
                     ZSTD_EndDirective mode)
{
	struct archive_writer *w = s->state;
	for (;;) {
		ZSTD_outBuffer out = {w->zbuf, ZSTD_CStreamOutSize(), 0};
		size_t left = ZSTD_compressStream2(w->zc, &out, in, mode);
		if (ZSTD_isError(left)) {
			archive_set_error(a, EIO, "zstd: %s", ZSTD_getErrorName(left));
			w->failed = true;
			return -1;
		}
		if (out.pos > 0 && output_write(a, s, w->zbuf, out.pos) < 0)
			return -1;
		if (mode == ZSTD_e_end ? left == 0 : in->pos == in->size)
			return 0;
	}
}

/* libarchive's output: through our zstd compressor when there is one. */
static la_ssize_t archive_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct files_sink *s = ud;
	struct archive_writer *w = s->state;
	if (!w->zc || w->failed)
		return output_write(a, s, buf, n);
	ZSTD_inBuffer in = {buf, n, 0};
	return zstd_pump(a, s, &in, ZSTD_e_continue) ? -1 : (la_ssize_t)n;
}

/* libarchive's close, after the last block: the end of the zstd frame. */
static int archive_close_cb(struct archive *a, void *ud)
{
	struct files_sink *s = ud;
	struct archive_writer *w = s->state;
	if (!w->zc || w->failed)
		return ARCHIVE_OK;
	ZSTD_inBuffer in = {NULL, 0, 0};
	return zstd_pump(a, s, &in, ZSTD_e_end) ? ARCHIVE_FATAL : ARCHIVE_OK;
}

/* Set up our zstd compressor: libarchive 3.6's zstd filter cannot size
 * the jobs of zstd's threads.  0, or the run's error. */
static int zstd_setup(struct files_sink *s, long long level, long long threads)
{
	struct archive_writer *w = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	size_t r;
	w->zc = ZSTD_createCCtx();
	w->zbuf = sl_malloc(ZSTD_CStreamOutSize());
	if (!w->zc || !w->zbuf)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	r = ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel,
	                           level > 0 ? (int)level : ZSTD_CLEVEL_DEFAULT);
	if (ZSTD_isError(r))
		return sl_pipeline_fail(p, SL_EUSAGE, "--compress-level %lld: %s", level,
		                        ZSTD_getErrorName(r));
	/* A checksum of the content, as the zstd tool writes: readers check it. */
	ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
	if (threads > 0) {
		/* zstd's threads take jobs of 4 windows by default (8 MiB at
		 * level 3), about 30 MiB per thread in input, output and slack
		 * buffers; jobs of one window keep them as busy for a third of
		 * that (smaller ones are slower: README, Archives). */
		ZSTD_compressionParameters cp =
		    ZSTD_getCParams(level > 0 ? (int)level : ZSTD_CLEVEL_DEFAULT, 0, 0);
		r = ZSTD_CCtx_setParameter(w->zc, ZSTD_c_nbWorkers, (int)threads);
		if (!ZSTD_isError(r))
			r = ZSTD_CCtx_setParameter(w->zc, ZSTD_c_jobSize, 1 << cp.windowLog);
		if (ZSTD_isError(r))
			return sl_pipeline_fail(p, SL_EUSAGE, "--compress-threads %lld: %s",
			                        threads, ZSTD_getErrorName(r));
	}
	return 0;
}

/* Fail the run with libarchive's message. */
static int archive_fail(struct files_sink *s, const char *doing)
{
	struct archive_writer *w = s->state;
	w->failed = true;
	if (sl_pipeline_cancelled(s->inst->pipe))
		return SL_ECANCEL;
	return sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: %s %s: %s", s->name, doing, w->out_name,
	                        archive_error_string(w->a));
}

static int archive_open(struct files_sink *s)
{
	struct archive_writer *w = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	const struct files_sink_config *cfg = s->cfg;
	const char *path = cfg->archive;
	char level[24];
	int r;

	signal(SIGXFSZ, SIG_IGN); /* `ulimit -f`: EFBIG from write() */
	w->now = time(NULL);
	if (cfg->fd > 0) {
		/* set up by init() */
	} else if (s->s3) {
		w->out_name = sl_s3_url(s->s3);
		int rc = files_upload_open(s, s->cfg->overwrite, &w->up);
		if (rc)
			return rc;
	} else if (!strcmp(path, "-")) {
		if (isatty(STDOUT_FILENO))
			return sl_pipeline_fail(
			    p, SL_EUSAGE,
			    "-a -: standard output is a terminal; redirect it or "
			    "name a file");
		w->fd = STDOUT_FILENO;
		w->out_name = "stdout";
	} else {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->overwrite ? O_TRUNC : O_EXCL);
		w->fd = open(path, flags, 0644);
		if (w->fd < 0)
			return sl_pipeline_fail(
			    p, errno == EEXIST ? SL_EREFUSED : SL_EIO, "%s: cannot create %s: %s%s",
			    s->name, path, strerror(errno),
			    errno == EEXIST ? " (use --overwrite to replace it)" : "");
		w->owned_fd = true;
		w->out_name = path;
	}
	w->a = archive_write_new();
	w->entry = archive_entry_new();
	if (!w->a || !w->entry)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	if (w->zip) {
		r = archive_write_set_format_zip(w->a);
		if (r == ARCHIVE_OK)
			r = archive_write_set_format_option(
			    w->a, "zip", "compression",
			    w->compress == FILES_Z_NONE ? "store" : "deflate");
	} else {
		r = archive_write_set_format_pax_restricted(w->a);
		if (r == ARCHIVE_OK && w->compress == FILES_Z_GZIP)
			r = archive_write_add_filter_gzip(w->a);
		else if (r == ARCHIVE_OK && w->compress == FILES_Z_XZ)
			r = archive_write_add_filter_xz(w->a);
	}
	if (r != ARCHIVE_OK)
		return archive_fail(s, "cannot set up");
	long long zthreads = cfg->compress_threads;
	if (zthreads < 0)
		zthreads = sl_pipeline_config(p)->threads;
	if (!w->zip && w->compress == FILES_Z_ZSTD) {
		/* zthreads > 0: the sink is one thread, compression would be the
		 * bottleneck. */
		int rc = zstd_setup(s, cfg->compress_level, zthreads);
		if (rc)
			return rc;
	} else if (cfg->compress_level > 0 && w->compress != FILES_Z_NONE) {
		snprintf(level, sizeof(level), "%lld", cfg->compress_level);
		r = w->zip
		        ? archive_write_set_format_option(w->a, "zip", "compression-level", level)
		        : archive_write_set_filter_option(w->a, NULL, "compression-level", level);
		if (r != ARCHIVE_OK)
			return sl_pipeline_fail(p, SL_EUSAGE, "--compress-level %s: %s", level,
			                        archive_error_string(w->a));
	}
	/* Full blocks of 64 KiB; the last one is not padded beyond the data. */
	archive_write_set_bytes_per_block(w->a, 65536);
	archive_write_set_bytes_in_last_block(w->a, 1);
	if (archive_write_open2(w->a, s, NULL, archive_write_cb, archive_close_cb, NULL) !=
	    ARCHIVE_OK)
		return archive_fail(s, "cannot open");
	return 0;
}

/* One entry named 'name' holding p[0..len). */
static int archive_entry(struct files_sink *s, const char *name, const char *p, size_t len)
{
	struct archive_writer *w = s->state;
	archive_entry_clear(w->entry);
	archive_entry_set_pathname(w->entry, name);
	archive_entry_set_size(w->entry, (la_int64_t)len);
	archive_entry_set_filetype(w->entry, AE_IFREG);
	archive_entry_set_perm(w->entry, 0644);
	archive_entry_set_mtime(w->entry, w->now, 0);
	if (archive_write_header(w->a, w->entry) != ARCHIVE_OK)
		return archive_fail(s, "cannot write an entry header to");
	while (len > 0) {
		la_ssize_t k = archive_write_data(w->a, p, len);
		if (k <= 0)
			return archive_fail(s, "cannot write to");
		p += k;
		len -= (size_t)k;
	}
	if (archive_write_finish_entry(w->a) != ARCHIVE_OK)
		return archive_fail(s, "cannot write to");
	return 0;
}

static int archive_put(struct files_sink *s, const struct sl_batch *b, uint64_t hash)
{
	(void)hash; /* the manifest's: files.c */
	struct archive_writer *w = s->state;
	if (w->failed)
		return SL_EIO;
	return archive_entry(s, b->name, b->body.data, b->body.len);
}

static int archive_close(struct files_sink *s, const struct sl_run_summary *sum)
{
	struct archive_writer *w = s->state;
	struct sl_buf json = SL_BUF_INIT, meta = SL_BUF_INIT;
	int rc = 0;
	if (w->failed)
		return sum->status ? 0 : SL_EIO; /* no manifest: incomplete */
	if (w->up && sum->status)
		return 0; /* not completed: destroy() aborts the upload, no object appears */
	if (sum->status)
		w->deadline = files_now_ms() + CLOSE_DEADLINE_MS;
	if (sl_manifest_metadata(&s->man, &meta) || sl_manifest_write(&s->man, &json)) {
		rc = SL_ENOMEM;
		goto out;
	}
	if ((rc = archive_entry(s, SL_METADATA_NAME, meta.data, meta.len)) != 0 ||
	    (rc = archive_entry(s, SL_MANIFEST_NAME, json.data, json.len)) != 0)
		goto out;
	if (archive_write_close(w->a) != ARCHIVE_OK) {
		rc = archive_fail(s, "cannot finish");
		goto out;
	}
	if (w->up)
		rc = files_upload_finish(s, w->up);
	if (w->owned_fd) {
		int fd = w->fd;
		w->fd = -1;
		if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
			rc = sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: cannot write %s: %s",
			                      s->name, w->out_name, strerror(errno));
			close(fd);
		} else if (close(fd) != 0) {
			rc = sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: cannot write %s: %s",
			                      s->name, w->out_name, strerror(errno));
		}
	}
out:
	sl_buf_free(&json);
	sl_buf_free(&meta);
	return sum->status ? 0 : rc;
}

const struct files_writer files_archive_writer = {
    .init = archive_init,
    .open = archive_open,
    .put = archive_put,
    .close = archive_close,
    .destroy = archive_destroy,
};

/* archive_write.c - sink plugins "tar" and "zip": the dump as one archive file,
 * written through libarchive in one streaming pass (`sluice dump -a FILE`).
 *
 * Every file batch becomes one archive entry of known size (a batch is a
 * complete file), so nothing is staged on disk and memory stays what the
 * ring holds plus the compressor's window.  Entries sit at the top level,
 * named as in the stream (mydumper's layout); close() appends mydumper's
 * metadata file and, last, sluice-manifest.json with the run's status and
 * every table's rows and checksum (core/manifest.h).  An archive whose last
 * entry is not a manifest with status ok is incomplete, and the archive
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
 * only with --overwrite. */
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

#include "alloc.h"
#include "batch.h"
#include "dumpfiles/dumpfiles.h"
#include "manifest.h"
#include "pipeline.h"

static const char *const formats[] = {"auto", "tar", "zip", NULL};
static const char *const compressions[] = {"auto", "none", "gzip", "zstd", "xz", NULL};
enum { FMT_AUTO, FMT_TAR, FMT_ZIP };
enum { Z_AUTO, Z_NONE, Z_GZIP, Z_ZSTD, Z_XZ };

struct archive_config {
	char *path;
	int format;
	int compress;
	long long level;
	long long compress_threads;
	bool overwrite;
	int data_format; /* index in sl_data_formats */
	long long fd;    /* > 0: write there (sluice serve); 'archive' then only names it */
};

#define CFG(field) offsetof(struct archive_config, field)

static const struct sl_option archive_options[] = {
    {.name = "archive",
     .short_name = 'a',
     .type = SL_OPT_STRING,
     .offset = CFG(path),
     .arg = "FILE",
     .help = "write the dump as one archive file ('-': standard output)"},
    {.name = "archive-format",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = formats,
     .offset = CFG(format),
     .arg = "FORMAT",
     .help = "tar or zip (auto: from the file name, tar when it says nothing)"},
    {.name = "compress",
     .type = SL_OPT_ENUM,
     .def = "auto",
     .choices = compressions,
     .offset = CFG(compress),
     .arg = "METHOD",
     .help = "none, gzip, zstd or xz (auto: from the file name; zstd for tar, deflate "
             "(gzip) for zip)"},
    {.name = "compress-level",
     .type = SL_OPT_INT,
     .def = "0",
     .offset = CFG(level),
     .arg = "N",
     .help = "compression level (0: the method's default; zstd 1-19, gzip/xz 1-9)",
     .min = 0,
     .max = 22},
    {.name = "compress-threads",
     .type = SL_OPT_INT,
     .def = "-1",
     .offset = CFG(compress_threads),
     .arg = "N",
     .help = "zstd: compress on N threads of its own, about 20 MiB each (-1: as many as "
             "--threads; 0: on the sink's thread, least memory)",
     .min = -1,
     .max = 64},
    {.name = "overwrite",
     .type = SL_OPT_BOOL,
     .offset = CFG(overwrite),
     .help = "replace an existing archive file"},
    {.name = "fd",
     .type = SL_OPT_INT,
     .flags = SL_OPTF_HIDDEN,
     .def = "0",
     .offset = CFG(fd),
     .arg = "N",
     .help = "write to this file descriptor (the caller's to close); --archive only names "
             "the format (sluice serve)",
     .min = 0,
     .max = INT_MAX},
    SL_DATA_FORMAT_OPTION(CFG(data_format)),
    SL_OPTION_END};

struct archive_sink {
	struct sl_instance *inst;
	struct archive_config *cfg;
	int format, compress; /* resolved */
	int fd;
	bool owned_fd;
	const char *out_name; /* for messages */
	struct archive *a;
	struct archive_entry *entry;
	struct sl_manifest man;
	bool failed; /* the output is broken: write nothing more */
	time_t now;
	long deadline; /* closing after an error: writes give up then (ms), or 0 */
};

/* After an error, how long close() may spend writing the manifest. */
#define CLOSE_DEADLINE_MS 2000

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Does s end with suffix? */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Format and compression from --archive-format, --compress and the name. */
static void resolve(struct archive_sink *s, bool zip_plugin)
{
	const char *p = s->cfg->path;
	int fmt = s->cfg->format, z = s->cfg->compress, zname = Z_AUTO;
	if (ends_with(p, ".zip")) {
		if (fmt == FMT_AUTO)
			fmt = FMT_ZIP;
	} else if (ends_with(p, ".tar")) {
		zname = Z_NONE;
	} else if (ends_with(p, ".tar.gz") || ends_with(p, ".tgz")) {
		zname = Z_GZIP;
	} else if (ends_with(p, ".tar.zst") || ends_with(p, ".tzst")) {
		zname = Z_ZSTD;
	} else if (ends_with(p, ".tar.xz") || ends_with(p, ".txz")) {
		zname = Z_XZ;
	}
	if (fmt == FMT_AUTO)
		fmt = zip_plugin ? FMT_ZIP : FMT_TAR;
	if (z == Z_AUTO)
		z = fmt == FMT_ZIP ? Z_GZIP : zname != Z_AUTO ? zname : Z_ZSTD;
	s->format = fmt;
	s->compress = z;
}

static int archive_sink_init(struct sl_instance *inst)
{
	struct archive_config *cfg = inst->config;
	struct archive_sink *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->inst = inst;
	inst->format = sl_data_formats[cfg->data_format];
	s->cfg = cfg;
	s->fd = -1;
	sl_manifest_init(&s->man);
	inst->data = s;
	if (cfg->fd > 0) { /* lent by the caller, who closes it */
		s->fd = (int)cfg->fd;
		s->out_name = "the response";
	}
	if (!cfg->path || !cfg->path[0])
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE, "-a: an archive file is needed");
	resolve(s, !strcmp(inst->plugin->name, "zip"));
	if (s->format == FMT_ZIP && (s->compress == Z_ZSTD || s->compress == Z_XZ))
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE,
		                        "--compress %s: zip archives are deflated (gzip) or stored "
		                        "(none)",
		                        compressions[s->compress]);
	return 0;
}

static void archive_sink_destroy(struct sl_instance *inst)
{
	struct archive_sink *s = inst->data;
	if (!s)
		return;
	if (s->a) {
		/* Close before freeing, also after a failure (libarchive 3.6
		 * frees its output buffer only in close); with 'failed' set the
		 * write callback refuses, so nothing more reaches the output. */
		s->failed = true;
		archive_write_close(s->a);
		archive_write_free(s->a);
	}
	if (s->entry)
		archive_entry_free(s->entry);
	if (s->owned_fd && s->fd >= 0)
		close(s->fd);
	sl_manifest_free(&s->man);
	sl_free(s);
	inst->data = NULL;
}

/* libarchive's output: write it all, or fail naming the output.  A cancel
 * (SIGUSR1 -> EINTR) stops the archive. */
static la_ssize_t archive_sink_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct archive_sink *s = ud;
	const char *p = buf;
	size_t left = n;
	if (s->failed) {
		archive_set_error(a, EIO, "the output failed before");
		return -1;
	}
	while (left > 0) {
		size_t chunk = left;
		if (s->deadline) {
			/* After an error the manifest should still go out, but a
			 * stalled reader may not hold the process: wait in poll(),
			 * and write at most PIPE_BUF bytes, which then cannot block. */
			long wait = s->deadline - now_ms();
			struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
			if (wait <= 0 || poll(&pfd, 1, (int)wait) <= 0) {
				archive_set_error(a, ETIMEDOUT, "the reader stalled");
				s->failed = true;
				return -1;
			}
			if (chunk > PIPE_BUF)
				chunk = PIPE_BUF;
		}
		ssize_t w = write(s->fd, p, chunk);
		if (w < 0) {
			if (errno == EINTR &&
			    (s->deadline || !sl_pipeline_cancelled(s->inst->pipe)))
				continue;
			if (errno == EINTR) {
				archive_set_error(a, ECANCELED, "cancelled");
			} else {
				int e = errno;
				archive_set_error(a, e, "%s", strerror(e));
				sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: cannot write %s: %s",
				                 s->inst->name, s->out_name,
				                 e == EPIPE ? "the reader closed the pipe"
				                            : strerror(e));
			}
			s->failed = true;
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	return (la_ssize_t)n;
}

/* Fail the run with libarchive's message. */
static int archive_sink_fail(struct archive_sink *s, const char *doing)
{
	s->failed = true;
	if (sl_pipeline_cancelled(s->inst->pipe))
		return SL_ECANCEL;
	return sl_pipeline_fail(s->inst->pipe, SL_EIO, "%s: %s %s: %s", s->inst->name, doing,
	                        s->out_name, archive_error_string(s->a));
}

static int archive_sink_open(struct sl_instance *inst)
{
	struct archive_sink *s = inst->data;
	struct sl_pipeline *p = inst->pipe;
	const char *path = s->cfg->path;
	char level[24];
	int r;

	signal(SIGXFSZ, SIG_IGN); /* `ulimit -f`: EFBIG from write() */
	s->now = time(NULL);
	sl_manifest_stamp(s->man.started);
	if (s->cfg->fd > 0) {
		/* set up by init() */
	} else if (!strcmp(path, "-")) {
		if (isatty(STDOUT_FILENO))
			return sl_pipeline_fail(
			    p, SL_EUSAGE,
			    "-a -: standard output is a terminal; redirect it or "
			    "name a file");
		s->fd = STDOUT_FILENO;
		s->out_name = "stdout";
	} else {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (s->cfg->overwrite ? O_TRUNC : O_EXCL);
		s->fd = open(path, flags, 0644);
		if (s->fd < 0)
			return sl_pipeline_fail(
			    p, errno == EEXIST ? SL_EUSAGE : SL_EIO, "%s: cannot create %s: %s%s",
			    inst->name, path, strerror(errno),
			    errno == EEXIST ? " (use --overwrite to replace it)" : "");
		s->owned_fd = true;
		s->out_name = path;
	}
	s->a = archive_write_new();
	s->entry = archive_entry_new();
	if (!s->a || !s->entry)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	if (s->format == FMT_ZIP) {
		r = archive_write_set_format_zip(s->a);
		if (r == ARCHIVE_OK)
			r = archive_write_set_format_option(s->a, "zip", "compression",
			                                    s->compress == Z_NONE ? "store"
			                                                          : "deflate");
	} else {
		r = archive_write_set_format_pax_restricted(s->a);
		if (r == ARCHIVE_OK && s->compress == Z_GZIP)
			r = archive_write_add_filter_gzip(s->a);
		else if (r == ARCHIVE_OK && s->compress == Z_ZSTD)
			r = archive_write_add_filter_zstd(s->a);
		else if (r == ARCHIVE_OK && s->compress == Z_XZ)
			r = archive_write_add_filter_xz(s->a);
	}
	if (r != ARCHIVE_OK)
		return archive_sink_fail(s, "cannot set up");
	if (s->cfg->level > 0 && s->compress != Z_NONE) {
		snprintf(level, sizeof(level), "%lld", s->cfg->level);
		r = s->format == FMT_ZIP
		        ? archive_write_set_format_option(s->a, "zip", "compression-level", level)
		        : archive_write_set_filter_option(s->a, NULL, "compression-level", level);
		if (r != ARCHIVE_OK)
			return sl_pipeline_fail(p, SL_EUSAGE, "--compress-level %s: %s", level,
			                        archive_error_string(s->a));
	}
	long long zthreads = s->cfg->compress_threads;
	if (zthreads < 0)
		zthreads = sl_pipeline_config(p)->threads;
	if (s->format == FMT_TAR && s->compress == Z_ZSTD && zthreads > 0) {
		/* The sink is one thread: compression would be the bottleneck. */
		snprintf(level, sizeof(level), "%lld", zthreads);
		if (archive_write_set_filter_option(s->a, "zstd", "threads", level) != ARCHIVE_OK)
			return sl_pipeline_fail(p, SL_EUSAGE, "--compress-threads %s: %s", level,
			                        archive_error_string(s->a));
	}
	/* Full blocks of 64 KiB; the last one is not padded beyond the data. */
	archive_write_set_bytes_per_block(s->a, 65536);
	archive_write_set_bytes_in_last_block(s->a, 1);
	if (archive_write_open2(s->a, s, NULL, archive_sink_write, NULL, NULL) != ARCHIVE_OK)
		return archive_sink_fail(s, "cannot open");
	return 0;
}

/* One entry named 'name' holding p[0..len). */
static int archive_sink_entry(struct archive_sink *s, const char *name, const char *p, size_t len)
{
	archive_entry_clear(s->entry);
	archive_entry_set_pathname(s->entry, name);
	archive_entry_set_size(s->entry, (la_int64_t)len);
	archive_entry_set_filetype(s->entry, AE_IFREG);
	archive_entry_set_perm(s->entry, 0644);
	archive_entry_set_mtime(s->entry, s->now, 0);
	if (archive_write_header(s->a, s->entry) != ARCHIVE_OK)
		return archive_sink_fail(s, "cannot write an entry header to");
	while (len > 0) {
		la_ssize_t w = archive_write_data(s->a, p, len);
		if (w <= 0)
			return archive_sink_fail(s, "cannot write to");
		p += w;
		len -= (size_t)w;
	}
	if (archive_write_finish_entry(s->a) != ARCHIVE_OK)
		return archive_sink_fail(s, "cannot write to");
	return 0;
}

static int archive_sink_consume(struct sl_instance *inst, struct sl_batch *b)
{
	struct archive_sink *s = inst->data;
	int rc;
	if (s->failed)
		return SL_EIO;
	if (b->kind == SL_BATCH_FILE &&
	    (rc = archive_sink_entry(s, b->name, b->body.data, b->body.len)) != 0)
		return rc;
	if (sl_dumpfiles_account(&s->man, b))
		return sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
	return 0;
}

static int archive_sink_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct archive_sink *s = inst->data;
	struct sl_buf json = SL_BUF_INIT, meta = SL_BUF_INIT;
	int rc = 0;
	if (s->failed)
		return sum->status ? 0 : SL_EIO; /* no manifest: incomplete */
	if (sum->status)
		s->deadline = now_ms() + CLOSE_DEADLINE_MS;
	if (sl_dumpfiles_close(&s->man, sum, &json, &meta)) {
		rc = SL_ENOMEM;
		goto out;
	}
	if ((rc = archive_sink_entry(s, SL_METADATA_NAME, meta.data, meta.len)) != 0 ||
	    (rc = archive_sink_entry(s, SL_MANIFEST_NAME, json.data, json.len)) != 0)
		goto out;
	if (archive_write_close(s->a) != ARCHIVE_OK) {
		rc = archive_sink_fail(s, "cannot finish");
		goto out;
	}
	if (s->owned_fd) {
		int fd = s->fd;
		s->fd = -1;
		if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
			rc = sl_pipeline_fail(inst->pipe, SL_EIO, "%s: cannot write %s: %s",
			                      inst->name, s->out_name, strerror(errno));
			close(fd);
		} else if (close(fd) != 0) {
			rc = sl_pipeline_fail(inst->pipe, SL_EIO, "%s: cannot write %s: %s",
			                      inst->name, s->out_name, strerror(errno));
		}
	}
out:
	sl_buf_free(&json);
	sl_buf_free(&meta);
	return sum->status ? 0 : rc;
}

#define ARCHIVE_SINK(ident, pname, psummary)              \
	const struct sl_plugin ident = {                  \
	    .abi = SL_PLUGIN_ABI,                         \
	    .struct_size = sizeof(struct sl_plugin),      \
	    .name = pname,                                \
	    .kind = SL_PLUGIN_SINK,                       \
	    .summary = psummary,                          \
	    .options = archive_options,                   \
	    .config_size = sizeof(struct archive_config), \
	    .init = archive_sink_init,                    \
	    .destroy = archive_sink_destroy,              \
	    .format = "sql",                              \
	    .open = archive_sink_open,                    \
	    .consume = archive_sink_consume,              \
	    .close = archive_sink_close,                  \
	}

ARCHIVE_SINK(sl_sink_tar, "tar", "a tar archive (zstd, gzip, xz or none) with a manifest");
ARCHIVE_SINK(sl_sink_zip, "zip", "a zip archive with a manifest");

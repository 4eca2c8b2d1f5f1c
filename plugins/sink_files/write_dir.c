/* write_dir.c - the files sink's directory writer: the dump's files in a
 * directory, in mydumper's layout (`sluice dump -o DIR`), so that myloader
 * restores it too: files.c hands it trigger, routine, event and view files
 * in myloader's form, views after their placeholder tables
 * (format/myloader.h).
 *
 * open() creates DIR (its parent must exist) or takes an empty one (with
 * --overwrite, a non-empty one after removing the files of an earlier
 * dump), and writes sluice-manifest.json with status "running" first: from
 * then on an interrupted dump is recognisable as one.  Each file is written
 * to its own file (created exclusively, so two files never share a name).
 * close() writes mydumper's metadata file, flushes the directory to disk
 * and replaces the manifest (written to a temporary name, then renamed)
 * with the final one, status ok or error.  A write error (a full disk,
 * `ulimit -f`) fails the run naming the file; the manifest then stays
 * "running" or says "error".
 *
 * With --compress gzip or zstd each data and schema file is compressed on
 * its own, as mydumper -c does, and named NAME.sql.gz or NAME.sql.zst;
 * metadata and the manifest stay plain, and the manifest's sizes and
 * checksums are those of the uncompressed files (format/manifest.h).  The
 * compressor is libarchive's raw format with its gzip or zstd filter,
 * streaming into the file: memory is the batch and the compressor's
 * state. */
#define _GNU_SOURCE 1 /* syncfs */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "files.h"
#include "format/fname.h"

struct dir_writer {
	const char *path;
	int dirfd;
	bool failed;         /* a write failed: the directory is not a good dump */
	enum sl_fname_z z;   /* how each file is compressed */
	char level[24];      /* --compress-level for libarchive, or "" */
	struct sl_buf zname; /* scratch: a file's name with the compression's suffix */
};

static int dir_init(struct files_sink *s)
{
	struct dir_writer *d = sl_calloc(1, sizeof(*d));
	if (!d)
		return SL_ENOMEM;
	s->state = d;
	d->dirfd = -1;
	d->path = s->cfg->outputdir;
	if (!d->path || !d->path[0])
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE, "-o: a directory is needed");
	int z = s->cfg->compress;
	if (z == FILES_Z_XZ)
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE,
		                        "--compress xz: a directory's files are compressed with "
		                        "gzip or zstd (mydumper's .gz and .zst)");
	d->z = z == FILES_Z_GZIP   ? SL_FNAME_GZIP
	       : z == FILES_Z_ZSTD ? SL_FNAME_ZSTD
	                           : SL_FNAME_PLAIN;
	long long level = s->cfg->compress_level;
	if (d->z == SL_FNAME_GZIP && level > 9)
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE,
		                        "--compress-level %lld: gzip takes 1-9", level);
	if (d->z != SL_FNAME_PLAIN && level > 0)
		snprintf(d->level, sizeof(d->level), "%lld", level);
	if (d->z != SL_FNAME_PLAIN &&
	    !(s->man.compression = sl_strdup(d->z == SL_FNAME_GZIP ? "gzip" : "zstd")))
		return SL_ENOMEM;
	return 0;
}

static void dir_destroy(struct files_sink *s)
{
	struct dir_writer *d = s->state;
	if (!d)
		return;
	if (d->dirfd >= 0)
		close(d->dirfd);
	sl_buf_free(&d->zname);
	sl_free(d);
	s->state = NULL;
}

/* Write all of p[0..len) to a new file 'name' in the directory (replacing
 * one when 'replace').  0, or SL_EIO through the pipeline naming the file
 * (the partial file is removed). */
static int dir_write_file(struct files_sink *s, struct dir_writer *d, const char *name,
                          const char *p, size_t len, bool replace)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL);
	int fd = openat(d->dirfd, name, flags, 0644);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			unlinkat(d->dirfd, name, 0);
			errno = e;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0) {
		unlinkat(d->dirfd, name, 0);
		goto fail;
	}
	return 0;
fail:
	d->failed = true;
	return sl_pipeline_fail(s->inst->pipe, SL_EIO, "dir: cannot write %s/%s: %s", d->path, name,
	                        strerror(errno));
}

/* libarchive's output: all of it to the file, or the error. */
static la_ssize_t dir_z_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	int fd = *(const int *)ud;
	const char *p = buf;
	size_t left = n;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			archive_set_error(a, errno, "%s", strerror(errno));
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	return (la_ssize_t)n;
}

/* Write p[0..len) compressed into a new file 'name' (which carries the
 * compression's suffix).  0, or SL_EIO through the pipeline naming the
 * file (the partial file is removed). */
static int dir_write_compressed(struct files_sink *s, struct dir_writer *d, const char *name,
                                const char *p, size_t len)
{
	char why[256] = "";
	int fd = openat(d->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		d->failed = true;
		return sl_pipeline_fail(s->inst->pipe, SL_EIO, "dir: cannot write %s/%s: %s",
		                        d->path, name, strerror(errno));
	}
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = a && e ? ARCHIVE_OK : ARCHIVE_FATAL;
	if (!a || !e)
		snprintf(why, sizeof(why), "out of memory");
	r = r ? r : archive_write_set_format_raw(a);
	if (!r)
		r = d->z == SL_FNAME_GZIP ? archive_write_add_filter_gzip(a)
		                          : archive_write_add_filter_zstd(a);
	if (!r && d->level[0])
		r = archive_write_set_filter_option(a, NULL, "compression-level", d->level);
	if (!r) {
		archive_write_set_bytes_per_block(a, 0); /* no padding after the stream */
		r = archive_write_open2(a, &fd, NULL, dir_z_write, NULL, NULL);
	}
	if (!r) {
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		r = archive_write_header(a, e);
	}
	while (!r && len > 0) {
		la_ssize_t k = archive_write_data(a, p, len);
		if (k <= 0) {
			r = ARCHIVE_FATAL;
			break;
		}
		p += k;
		len -= (size_t)k;
	}
	r = r ? r : archive_write_close(a);
	if (r && !why[0])
		snprintf(why, sizeof(why), "%s",
		         archive_error_string(a) ? archive_error_string(a) : "compression failed");
	if (a)
		archive_write_free(a);
	if (e)
		archive_entry_free(e);
	if (close(fd) != 0 && !r) {
		r = ARCHIVE_FATAL;
		snprintf(why, sizeof(why), "%s", strerror(errno));
	}
	if (!r)
		return 0;
	unlinkat(d->dirfd, name, 0);
	d->failed = true;
	return sl_pipeline_fail(s->inst->pipe, SL_EIO, "dir: cannot write %s/%s: %s", d->path, name,
	                        why);
}

/* Write the manifest text: to a temporary name, flushed, then renamed over
 * the old one, so a reader sees either the old or the new manifest. */
static int dir_put_manifest(struct files_sink *s, struct dir_writer *d, const struct sl_buf *json)
{
	static const char tmp[] = "." SL_MANIFEST_NAME ".tmp";
	int rc = dir_write_file(s, d, tmp, json->data, json->len, true);
	if (rc)
		return rc;
	int fd = openat(d->dirfd, tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	if (renameat(d->dirfd, tmp, d->dirfd, SL_MANIFEST_NAME) != 0) {
		d->failed = true;
		return sl_pipeline_fail(s->inst->pipe, SL_EIO, "dir: cannot rename %s/%s: %s",
		                        d->path, tmp, strerror(errno));
	}
	fsync(d->dirfd);
	return 0;
}

/* True for the files a dump writes (which --overwrite may remove), also
 * compressed ones. */
static bool dir_is_dump_file(const char *name)
{
	struct sl_buf db = SL_BUF_INIT, tbl = SL_BUF_INIT, plain = SL_BUF_INIT;
	enum sl_file_kind kind;
	size_t base;
	sl_fname_compression(name, &base);
	bool yes = !strcmp(name, SL_MANIFEST_NAME) || !strcmp(name, SL_METADATA_NAME) ||
	           !strcmp(name, "." SL_MANIFEST_NAME ".tmp") ||
	           (base > 0 && sl_buf_append(&plain, name, base) == 0 &&
	            sl_fname_classify(plain.data, &kind, &db, &tbl) == 0);
	sl_buf_free(&db);
	sl_buf_free(&tbl);
	sl_buf_free(&plain);
	return yes;
}

/* Check that the directory is empty; with --overwrite remove the files of
 * an earlier dump (the manifest first) and refuse anything else. */
static int dir_check_empty(struct files_sink *s, struct dir_writer *d)
{
	struct sl_pipeline *p = s->inst->pipe;
	const char *path = d->path;
	bool overwrite = s->cfg->overwrite;
	int fd = dup(d->dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int rc = 0;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return sl_pipeline_fail(p, SL_EIO, "dir: cannot read %s: %s", path,
		                        strerror(errno));
	}
	if (overwrite && unlinkat(d->dirfd, SL_MANIFEST_NAME, 0) != 0 && errno != ENOENT)
		rc = sl_pipeline_fail(p, SL_EIO, "dir: cannot remove %s/%s: %s", path,
		                      SL_MANIFEST_NAME, strerror(errno));
	while (!rc && (e = readdir(dir)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!overwrite)
			rc =
			    sl_pipeline_fail(p, SL_EREFUSED,
			                     "dir: %s is not empty (it holds '%s'); use an empty "
			                     "directory, or --overwrite to replace an earlier dump",
			                     path, e->d_name);
		else if (!dir_is_dump_file(e->d_name))
			rc = sl_pipeline_fail(p, SL_EREFUSED,
			                      "dir: %s holds '%s', which is not a file of a dump; "
			                      "--overwrite only replaces dumps",
			                      path, e->d_name);
		else if (unlinkat(d->dirfd, e->d_name, 0) != 0)
			rc = sl_pipeline_fail(p, SL_EIO, "dir: cannot remove %s/%s: %s", path,
			                      e->d_name, strerror(errno));
	}
	closedir(dir);
	return rc;
}

static int dir_open(struct files_sink *s)
{
	struct dir_writer *d = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	struct sl_buf json = SL_BUF_INIT;
	int rc;

	/* `ulimit -f` must surface as EFBIG from write(), not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	if (mkdir(d->path, 0755) != 0 && errno != EEXIST)
		return sl_pipeline_fail(p, SL_EIO, "dir: cannot create %s: %s", d->path,
		                        strerror(errno));
	d->dirfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		return sl_pipeline_fail(p, SL_EIO, "dir: cannot open %s: %s", d->path,
		                        strerror(errno));
	if ((rc = dir_check_empty(s, d)) != 0)
		return rc;
	rc = sl_manifest_write(&s->man, &json);
	if (!rc)
		rc = dir_put_manifest(s, d, &json);
	else
		rc = sl_pipeline_fail(p, rc, "out of memory");
	sl_buf_free(&json);
	return rc;
}

static int dir_put(struct files_sink *s, const struct sl_batch *b)
{
	struct dir_writer *d = s->state;
	if (d->failed)
		return SL_EIO;
	if (d->z == SL_FNAME_PLAIN)
		return dir_write_file(s, d, b->name, b->body.data, b->body.len, false);
	sl_buf_reset(&d->zname);
	if (sl_buf_puts(&d->zname, b->name) || sl_buf_puts(&d->zname, sl_fname_z_suffix(d->z)))
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	return dir_write_compressed(s, d, d->zname.data, b->body.data, b->body.len);
}

static int dir_close(struct files_sink *s, const struct sl_run_summary *sum)
{
	struct dir_writer *d = s->state;
	struct sl_buf json = SL_BUF_INIT, meta = SL_BUF_INIT;
	int rc = 0;
	if (d->failed)
		return sum->status ? 0 : SL_EIO; /* the manifest says "running": incomplete */
	if (sl_manifest_metadata(&s->man, &meta) || sl_manifest_write(&s->man, &json)) {
		rc = SL_ENOMEM;
		goto out;
	}
	/* Data and metadata reach the disk before the manifest says so. */
	if ((rc = dir_write_file(s, d, SL_METADATA_NAME, meta.data, meta.len, false)) != 0)
		goto out;
	syncfs(d->dirfd);
	rc = dir_put_manifest(s, d, &json);
out:
	sl_buf_free(&json);
	sl_buf_free(&meta);
	return sum->status ? 0 : rc;
}

const struct files_writer files_dir_writer = {
    .myloader_objects = true,
    .init = dir_init,
    .open = dir_open,
    .put = dir_put,
    .close = dir_close,
    .destroy = dir_destroy,
};

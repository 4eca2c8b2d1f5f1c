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
 * state.
 *
 * `-o s3://bucket/prefix/` is the same layout as one object per file under
 * the prefix: open() lists it (empty, or with --overwrite an earlier
 * dump's objects only, deleted manifest first) and writes the "running"
 * manifest; files are PUT by the client's workers, --s3-parallel at once,
 * each from the batch itself (held by a reference until its PUT ends, no
 * copy; compressed, from its compressed copy); close() waits for every PUT
 * to be confirmed, then writes metadata and, last, the final manifest.  A
 * PUT replaces an object whole, so a reader sees the "running" manifest or
 * the final one, never a mix. */
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
	bool failed;          /* a write failed: the directory is not a good dump */
	enum sl_fname_z z;    /* how each file is compressed */
	char level[24];       /* --compress-level for libarchive, or "" */
	struct sl_buf zname;  /* scratch: a file's name with the compression's suffix */
	struct sl_buf prefix; /* s3://: the keys' prefix ("" or ending with '/') */
	struct sl_buf key;    /* s3://: scratch */
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
	if (s->s3) /* PUTs still running hold batches: let them end */
		sl_s3_put_wait(s->s3, &(struct sl_error){0});
	sl_buf_free(&d->zname);
	sl_buf_free(&d->prefix);
	sl_buf_free(&d->key);
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

/* libarchive's output into memory (an object's body for object storage). */
static la_ssize_t dir_z_append(struct archive *a, void *ud, const void *buf, size_t n)
{
	if (sl_buf_append(ud, buf, n)) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	return (la_ssize_t)n;
}

/* Compress p[0..len) as file 'name' into libarchive's output 'out' (ud).
 * 0, or -1 with the reason in why. */
static int dir_compress(struct dir_writer *d, const char *name, const char *p, size_t len,
                        archive_write_callback *out, void *ud, char why[256])
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = a && e ? ARCHIVE_OK : ARCHIVE_FATAL;
	if (!a || !e)
		snprintf(why, 256, "out of memory");
	r = r ? r : archive_write_set_format_raw(a);
	if (!r)
		r = d->z == SL_FNAME_GZIP ? archive_write_add_filter_gzip(a)
		                          : archive_write_add_filter_zstd(a);
	if (!r && d->level[0])
		r = archive_write_set_filter_option(a, NULL, "compression-level", d->level);
	if (!r) {
		archive_write_set_bytes_per_block(a, 0); /* no padding after the stream */
		r = archive_write_open2(a, ud, NULL, out, NULL, NULL);
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
		snprintf(why, 256, "%s",
		         archive_error_string(a) ? archive_error_string(a) : "compression failed");
	if (a)
		archive_write_free(a);
	if (e)
		archive_entry_free(e);
	return r ? -1 : 0;
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
	int r = dir_compress(d, name, p, len, dir_z_write, &fd, why);
	if (close(fd) != 0 && !r) {
		r = -1;
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

/* --- in object storage ------------------------------------------------------------ */

/* The key of file 'name' (in d->key).  0 or SL_ENOMEM. */
static int s3_key(struct dir_writer *d, const char *name)
{
	sl_buf_reset(&d->key);
	return sl_buf_append(&d->key, d->prefix.data, d->prefix.len) || sl_buf_puts(&d->key, name)
	           ? SL_ENOMEM
	           : 0;
}

static bool dir_is_dump_file(const char *name);

/* What the listing of the prefix found, for s3_check_empty(). */
struct s3_listing {
	struct files_sink *s;
	struct sl_strlist names; /* an earlier dump's, to remove */
	bool manifest;
	int rc;
};

static int s3_list_entry(void *ud, const char *name, uint64_t size, const char *etag, bool is_dir)
{
	struct s3_listing *l = ud;
	struct files_sink *s = l->s;
	struct dir_writer *d = s->state;
	(void)size, (void)etag;
	if (!s->cfg->overwrite)
		return l->rc = sl_pipeline_fail(
		           s->inst->pipe, SL_EUSAGE,
		           "dir: %s is not empty (it holds '%s'); use an empty prefix, or "
		           "--overwrite to replace an earlier dump",
		           d->path, name);
	if (is_dir || !dir_is_dump_file(name))
		return l->rc =
		           sl_pipeline_fail(s->inst->pipe, SL_EUSAGE,
		                            "dir: %s holds '%s%s', which is not a file of a dump; "
		                            "--overwrite only replaces dumps",
		                            d->path, name, is_dir ? "/" : "");
	if (!strcmp(name, SL_MANIFEST_NAME)) {
		l->manifest = true;
		return 0;
	}
	if (sl_strlist_add(&l->names, name))
		return l->rc = sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	return 0;
}

/* The prefix must be empty; with --overwrite an earlier dump's objects are
 * removed, its manifest first (so it stops looking complete). */
static int s3_check_empty(struct files_sink *s, struct dir_writer *d)
{
	struct s3_listing l = {.s = s};
	struct sl_error err = {0};
	int rc = sl_s3_list(s->s3, d->prefix.data, s3_list_entry, &l, &err);
	if (rc && !l.rc)
		rc = files_s3_fail(s, rc, &err);
	if (!rc && l.manifest) {
		rc = s3_key(d, SL_MANIFEST_NAME) ? SL_ENOMEM
		                                 : sl_s3_delete(s->s3, d->key.data, &err);
		if (rc)
			rc = files_s3_fail(s, rc, &err);
	}
	for (size_t i = 0; !rc && i < l.names.n; i++) {
		rc = s3_key(d, l.names.v[i]) ? SL_ENOMEM : sl_s3_delete(s->s3, d->key.data, &err);
		if (rc)
			rc = files_s3_fail(s, rc, &err);
	}
	sl_strlist_free(&l.names);
	return rc;
}

/* PUT the manifest text (one request: the object is replaced whole). */
static int s3_put_manifest(struct files_sink *s, struct dir_writer *d, const struct sl_buf *json,
                           bool cleanup)
{
	struct sl_error err = {0};
	if (s3_key(d, SL_MANIFEST_NAME))
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	int rc = sl_s3_put(s->s3, d->key.data, json->data, json->len, cleanup, &err);
	if (rc) {
		d->failed = true;
		return cleanup ? rc : files_s3_fail(s, rc, &err);
	}
	return 0;
}

static int s3_open(struct files_sink *s, struct dir_writer *d)
{
	const char *key = sl_s3_key(s->s3);
	if (sl_buf_puts(&d->prefix, key) ||
	    (key[0] && key[strlen(key) - 1] != '/' && sl_buf_putc(&d->prefix, '/')))
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	return s3_check_empty(s, d);
}

static void s3_release_batch(void *ud)
{
	sl_batch_release(ud);
}

static int s3_put_file(struct files_sink *s, struct dir_writer *d, const struct sl_batch *b)
{
	struct sl_error err = {0};
	if (s3_key(d, b->name))
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	struct sl_batch *ref = sl_batch_ref((struct sl_batch *)b);
	int rc = sl_s3_put_async(s->s3, d->key.data, b->body.data, b->body.len, s3_release_batch,
	                         ref, &err);
	if (rc) {
		d->failed = true;
		return files_s3_fail(s, rc, &err);
	}
	return 0;
}

static void s3_release_buf(void *ud)
{
	sl_buf_free(ud);
	sl_free(ud);
}

/* A compressed file: its compressed copy is PUT, and freed when the PUT
 * ends (memory: one copy per PUT in flight, each smaller than its batch
 * as a rule). */
static int s3_put_compressed(struct files_sink *s, struct dir_writer *d, const char *name,
                             const char *p, size_t len)
{
	struct sl_error err = {0};
	char why[256] = "";
	struct sl_buf *body = sl_calloc(1, sizeof(*body));
	if (!body || s3_key(d, name)) {
		sl_free(body);
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	}
	if (dir_compress(d, name, p, len, dir_z_append, body, why)) {
		s3_release_buf(body);
		d->failed = true;
		return sl_pipeline_fail(s->inst->pipe, SL_EIO, "dir: cannot compress %s: %s", name,
		                        why);
	}
	int rc =
	    sl_s3_put_async(s->s3, d->key.data, body->data, body->len, s3_release_buf, body, &err);
	if (rc) {
		d->failed = true;
		return files_s3_fail(s, rc, &err);
	}
	return 0;
}

/* The end: every PUT confirmed, then metadata, then the manifest.  After a
 * failed run only the manifest (status error), on a short deadline. */
static int s3_close(struct files_sink *s, struct dir_writer *d, const struct sl_run_summary *sum,
                    const struct sl_buf *meta, const struct sl_buf *json)
{
	struct sl_error err = {0};
	int rc = sl_s3_put_wait(s->s3, &err);
	if (sum->status) {
		/* "running" stays if even this cannot be written. */
		s3_put_manifest(s, d, json, true);
		return 0;
	}
	if (rc) {
		d->failed = true;
		return files_s3_fail(s, rc, &err);
	}
	if (s3_key(d, SL_METADATA_NAME))
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	if ((rc = sl_s3_put(s->s3, d->key.data, meta->data, meta->len, false, &err)) != 0) {
		d->failed = true;
		return files_s3_fail(s, rc, &err);
	}
	return s3_put_manifest(s, d, json, false);
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

	if (s->s3) {
		rc = s3_open(s, d);
		if (!rc && !(rc = sl_manifest_write(&s->man, &json)))
			rc = s3_put_manifest(s, d, &json, false);
		else if (rc == SL_ENOMEM)
			rc = sl_pipeline_fail(p, rc, "out of memory");
		sl_buf_free(&json);
		return rc;
	}
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

static int dir_put(struct files_sink *s, const struct sl_batch *b, uint64_t hash)
{
	(void)hash; /* the manifest's: files.c */
	struct dir_writer *d = s->state;
	if (d->failed)
		return SL_EIO;
	if (d->z == SL_FNAME_PLAIN)
		return s->s3 ? s3_put_file(s, d, b)
		             : dir_write_file(s, d, b->name, b->body.data, b->body.len, false);
	sl_buf_reset(&d->zname);
	if (sl_buf_puts(&d->zname, b->name) || sl_buf_puts(&d->zname, sl_fname_z_suffix(d->z)))
		return sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
	if (s->s3)
		return s3_put_compressed(s, d, d->zname.data, b->body.data, b->body.len);
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
	if (s->s3) {
		rc = s3_close(s, d, sum, &meta, &json);
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

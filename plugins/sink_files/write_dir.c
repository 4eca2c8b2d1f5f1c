/* write_dir.c - the files sink's directory writer: the dump's files in a
 * directory, in mydumper's layout (`sluice dump -o DIR`), so that myloader
 * restores it too.
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
 * "running" or says "error". */
#define _GNU_SOURCE 1 /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "files.h"
#include "format/fname.h"

struct dir_writer {
	const char *path;
	int dirfd;
	bool failed; /* a write failed: the directory is not a good dump */
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
	return 0;
}

static void dir_destroy(struct files_sink *s)
{
	struct dir_writer *d = s->state;
	if (!d)
		return;
	if (d->dirfd >= 0)
		close(d->dirfd);
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

/* True for the files a dump writes (which --overwrite may remove). */
static bool dir_is_dump_file(const char *name)
{
	struct sl_buf db = SL_BUF_INIT, tbl = SL_BUF_INIT;
	enum sl_file_kind kind;
	bool yes = !strcmp(name, SL_MANIFEST_NAME) || !strcmp(name, SL_METADATA_NAME) ||
	           !strcmp(name, "." SL_MANIFEST_NAME ".tmp") ||
	           sl_fname_classify(name, &kind, &db, &tbl) == 0;
	sl_buf_free(&db);
	sl_buf_free(&tbl);
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
	return dir_write_file(s, d, b->name, b->body.data, b->body.len, false);
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
    .init = dir_init,
    .open = dir_open,
    .put = dir_put,
    .close = dir_close,
    .destroy = dir_destroy,
};

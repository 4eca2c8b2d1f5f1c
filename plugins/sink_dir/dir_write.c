/* dir_write.c - sink plugin "dir": the dump's files in a directory, in mydumper's
 * layout (`sluice dump -o DIR`), so that myloader restores it too.
 *
 * open() creates DIR (its parent must exist) or takes an empty one (with
 * --overwrite, a non-empty one after removing the files of an earlier
 * dump), and writes sluice-manifest.json with status "running" first: from
 * then on an interrupted dump is recognisable as one.  Each file batch is
 * written to its own file (created exclusively, so two files never share a
 * name) and accounted in the manifest.  close() writes mydumper's metadata
 * file, flushes the directory to disk and replaces the manifest (written
 * to a temporary name, then renamed) with the final one, status ok or
 * error.  A write error (a full disk, `ulimit -f`) fails the run naming
 * the file; the manifest then stays "running" or says "error". */
#define _GNU_SOURCE 1 /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "batch.h"
#include "dumpfiles/dumpfiles.h"
#include "manifest.h"
#include "pipeline.h"

struct dir_config {
	char *path;
	bool overwrite;
	int format; /* index in sl_data_formats */
};

#define CFG(field) offsetof(struct dir_config, field)

static const struct sl_option dir_options[] = {
    {.name = "outputdir",
     .short_name = 'o',
     .type = SL_OPT_STRING,
     .offset = CFG(path),
     .arg = "DIR",
     .help = "write the dump's files into this directory (mydumper's layout)"},
    {.name = "overwrite",
     .type = SL_OPT_BOOL,
     .offset = CFG(overwrite),
     .help = "use a non-empty directory, removing the files of an earlier dump first"},
    SL_DATA_FORMAT_OPTION(CFG(format)),
    SL_OPTION_END};

struct dir_sink {
	struct sl_instance *inst;
	struct dir_config *cfg;
	int dirfd;
	struct sl_manifest man;
	bool failed; /* a write failed: the directory is not a good dump */
};

static int dir_init(struct sl_instance *inst)
{
	struct dir_config *cfg = inst->config;
	struct dir_sink *d = sl_calloc(1, sizeof(*d));
	if (!d)
		return SL_ENOMEM;
	d->inst = inst;
	inst->format = sl_data_formats[cfg->format];
	d->cfg = cfg;
	d->dirfd = -1;
	sl_manifest_init(&d->man);
	inst->data = d;
	if (!cfg->path || !cfg->path[0])
		return sl_pipeline_fail(inst->pipe, SL_EUSAGE, "-o: a directory is needed");
	return 0;
}

static void dir_destroy(struct sl_instance *inst)
{
	struct dir_sink *d = inst->data;
	if (!d)
		return;
	if (d->dirfd >= 0)
		close(d->dirfd);
	sl_manifest_free(&d->man);
	sl_free(d);
	inst->data = NULL;
}

/* Write all of p[0..len) to a new file 'name' in the directory (replacing
 * one when 'replace').  0, or SL_EIO through the pipeline naming the file
 * (the partial file is removed). */
static int dir_write_file(struct dir_sink *d, const char *name, const char *p, size_t len,
                          bool replace)
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
	return sl_pipeline_fail(d->inst->pipe, SL_EIO, "dir: cannot write %s/%s: %s", d->cfg->path,
	                        name, strerror(errno));
}

/* Write the manifest text: to a temporary name, flushed, then renamed over
 * the old one, so a reader sees either the old or the new manifest. */
static int dir_put_manifest(struct dir_sink *d, const struct sl_buf *json)
{
	static const char tmp[] = "." SL_MANIFEST_NAME ".tmp";
	int rc = dir_write_file(d, tmp, json->data, json->len, true);
	if (rc)
		return rc;
	int fd = openat(d->dirfd, tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	if (renameat(d->dirfd, tmp, d->dirfd, SL_MANIFEST_NAME) != 0) {
		d->failed = true;
		return sl_pipeline_fail(d->inst->pipe, SL_EIO, "dir: cannot rename %s/%s: %s",
		                        d->cfg->path, tmp, strerror(errno));
	}
	fsync(d->dirfd);
	return 0;
}

/* True for the files a dump writes (which --overwrite may remove). */
static bool dir_is_dump_file(const char *name)
{
	enum sl_dumpfiles_name what;
	enum sl_file_kind kind;
	return sl_dumpfiles_name(name, false, &what, &kind) == 0 ||
	       !strcmp(name, "." SL_MANIFEST_NAME ".tmp");
}

/* Check that the directory is empty; with --overwrite remove the files of
 * an earlier dump (the manifest first) and refuse anything else. */
static int dir_check_empty(struct dir_sink *d)
{
	struct sl_pipeline *p = d->inst->pipe;
	int fd = dup(d->dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int rc = 0;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return sl_pipeline_fail(p, SL_EIO, "dir: cannot read %s: %s", d->cfg->path,
		                        strerror(errno));
	}
	if (d->cfg->overwrite && unlinkat(d->dirfd, SL_MANIFEST_NAME, 0) != 0 && errno != ENOENT)
		rc = sl_pipeline_fail(p, SL_EIO, "dir: cannot remove %s/%s: %s", d->cfg->path,
		                      SL_MANIFEST_NAME, strerror(errno));
	while (!rc && (e = readdir(dir)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!d->cfg->overwrite)
			rc =
			    sl_pipeline_fail(p, SL_EUSAGE,
			                     "dir: %s is not empty (it holds '%s'); use an empty "
			                     "directory, or --overwrite to replace an earlier dump",
			                     d->cfg->path, e->d_name);
		else if (!dir_is_dump_file(e->d_name))
			rc = sl_pipeline_fail(p, SL_EUSAGE,
			                      "dir: %s holds '%s', which is not a file of a dump; "
			                      "--overwrite only replaces dumps",
			                      d->cfg->path, e->d_name);
		else if (unlinkat(d->dirfd, e->d_name, 0) != 0)
			rc = sl_pipeline_fail(p, SL_EIO, "dir: cannot remove %s/%s: %s",
			                      d->cfg->path, e->d_name, strerror(errno));
	}
	closedir(dir);
	return rc;
}

static int dir_open(struct sl_instance *inst)
{
	struct dir_sink *d = inst->data;
	struct sl_pipeline *p = inst->pipe;
	struct sl_buf json = SL_BUF_INIT;
	int rc;

	/* `ulimit -f` must surface as EFBIG from write(), not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	if (mkdir(d->cfg->path, 0755) != 0 && errno != EEXIST)
		return sl_pipeline_fail(p, errno == ENOENT ? SL_EUSAGE : SL_EIO,
		                        "dir: cannot create %s: %s", d->cfg->path, strerror(errno));
	d->dirfd = open(d->cfg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		return sl_pipeline_fail(p, SL_EUSAGE, "dir: cannot open %s: %s", d->cfg->path,
		                        strerror(errno));
	if ((rc = dir_check_empty(d)) != 0)
		return rc;
	sl_manifest_stamp(d->man.started);
	rc = sl_manifest_write(&d->man, &json);
	if (!rc)
		rc = dir_put_manifest(d, &json);
	else
		rc = sl_pipeline_fail(p, rc, "out of memory");
	sl_buf_free(&json);
	return rc;
}

static int dir_consume(struct sl_instance *inst, struct sl_batch *b)
{
	struct dir_sink *d = inst->data;
	int rc;
	if (d->failed)
		return SL_EIO;
	if (b->kind == SL_BATCH_FILE &&
	    (rc = dir_write_file(d, b->name, b->body.data, b->body.len, false)) != 0)
		return rc;
	if (sl_dumpfiles_account(&d->man, b))
		return sl_pipeline_fail(inst->pipe, SL_ENOMEM, "out of memory");
	return 0;
}

static int dir_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct dir_sink *d = inst->data;
	struct sl_buf json = SL_BUF_INIT, meta = SL_BUF_INIT;
	int rc = 0;
	if (d->failed)
		return sum->status ? 0 : SL_EIO; /* the manifest says "running": incomplete */
	if (sl_dumpfiles_close(&d->man, sum, &json, &meta)) {
		rc = SL_ENOMEM;
		goto out;
	}
	/* Data and metadata reach the disk before the manifest says so. */
	if ((rc = dir_write_file(d, SL_METADATA_NAME, meta.data, meta.len, false)) != 0)
		goto out;
	syncfs(d->dirfd);
	rc = dir_put_manifest(d, &json);
out:
	sl_buf_free(&json);
	sl_buf_free(&meta);
	return sum->status ? 0 : rc;
}

const struct sl_plugin sl_sink_dir = {
    .abi = SL_PLUGIN_ABI,
    .struct_size = sizeof(struct sl_plugin),
    .name = "dir",
    .kind = SL_PLUGIN_SINK,
    .summary = "the dump's files in a directory, mydumper's layout, with a manifest",
    .options = dir_options,
    .config_size = sizeof(struct dir_config),
    .init = dir_init,
    .destroy = dir_destroy,
    .format = "sql",
    .open = dir_open,
    .consume = dir_consume,
    .close = dir_close,
};

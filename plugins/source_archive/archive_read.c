/* archive_read.c - source plugin "archive": read a dump from a tar or zip
 * archive (any compression libarchive reads), from a file or standard
 * input, without unpacking it (`sluice load -a FILE`, `sluice verify`).
 *
 * One reader thread walks the entries in archive order, which for a
 * sluice archive is the dump's order (DDL before data, the manifest last);
 * an archive in another order (a tar of a directory) is refused at the
 * first schema that comes after files needing it.  Each entry must be a
 * regular file at the top level ("./name" is taken as "name") whose name is
 * in the dump's layout; absolute paths, '..', directories, links and device
 * files are refused naming the entry.  A file's bytes go into one batch of
 * exactly its size (dumpfiles.h) and to the sinks; mydumper's metadata is
 * skipped; the manifest is parsed, and at the end everything read is
 * checked against it before any table is reported complete.  A truncated
 * or corrupt archive fails with libarchive's message and the entry.
 *
 * Input goes through our read callback, which waits in poll() on the input
 * and a self-pipe that interrupt() writes to, so a stalled pipe cannot hold
 * a cancelled run. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "input.h"
#include "wakeup.h"
#include "dumpfiles/dumpfiles.h"
#include "pipeline.h"

#define ARCHIVE_READ_CHUNK (1u << 20)

struct archive_src_config {
	char *path;
};

static const struct sl_option archive_src_options[] = {
    {.name = "archive",
     .short_name = 'a',
     .type = SL_OPT_STRING,
     .def = "-",
     .offset = offsetof(struct archive_src_config, path),
     .arg = "FILE",
     .help = "read the dump from this tar or zip archive ('-': standard input)"},
    SL_OPTION_END};

struct archive_src {
	struct sl_instance *inst;
	struct archive_src_config *cfg;
	int fd;
	bool owned_fd;
	struct sl_wakeup wake; /* interrupt() wakes the read callback */
	const char *source;
	char *buf;
	struct archive *a;
	struct sl_dumpfiles files;
	struct sl_buf manifest;
};

static int archive_src_init(struct sl_instance *inst)
{
	struct archive_src *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->inst = inst;
	s->cfg = inst->config;
	s->fd = -1;
	inst->data = s;
	sl_dumpfiles_init(&s->files, inst, "archive");
	if (sl_wakeup_open(&s->wake) != 0)
		return sl_pipeline_fail(inst->pipe, SL_EIO, "archive: cannot create a pipe: %s",
		                        strerror(errno));
	return 0;
}

static void archive_src_destroy(struct sl_instance *inst)
{
	struct archive_src *s = inst->data;
	if (!s)
		return;
	if (s->a)
		archive_read_free(s->a);
	sl_dumpfiles_free(&s->files);
	sl_buf_free(&s->manifest);
	sl_free(s->buf);
	if (s->owned_fd && s->fd >= 0)
		close(s->fd);
	sl_wakeup_close(&s->wake);
	sl_free(s);
	inst->data = NULL;
}

/* Async-signal-safe; never blocks (see source_stream). */
static void archive_src_interrupt(struct sl_instance *inst)
{
	struct archive_src *s = inst->data;
	if (s)
		sl_wakeup_signal(&s->wake);
}

/* libarchive's input: the next chunk, after waiting for it with poll(). */
static la_ssize_t archive_src_read(struct archive *a, void *ud, const void **out)
{
	struct archive_src *s = ud;
	for (;;) {
		int w = sl_pipeline_cancelled(s->inst->pipe) ? 1 : sl_wakeup_wait(&s->wake, s->fd);
		if (w) {
			archive_set_error(a, w > 0 ? ECANCELED : errno, "%s",
			                  w > 0 ? "cancelled" : strerror(errno));
			return -1;
		}
		ssize_t n = read(s->fd, s->buf, ARCHIVE_READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return -1;
		}
		*out = s->buf;
		return n;
	}
}

static int archive_src_prepare(struct sl_instance *inst)
{
	struct archive_src *s = inst->data;
	struct sl_pipeline *p = inst->pipe;
	const char *path = s->cfg->path;
	if (!path || !path[0])
		return sl_pipeline_fail(p, SL_EUSAGE, "-a: empty file name");
	struct sl_error err = {0};
	int rc = sl_input_open(path, "pipe an archive in or name a file", " (use -d DIR)", &s->fd,
	                       &s->owned_fd, &err);
	if (rc)
		return sl_pipeline_fail(p, rc, "%s", err.msg);
	s->source = strcmp(path, "-") ? path : "stdin";
	s->files.source = s->source;
	s->buf = sl_malloc(ARCHIVE_READ_CHUNK);
	s->a = archive_read_new();
	if (!s->buf || !s->a)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	archive_read_support_filter_all(s->a);
	archive_read_support_format_tar(s->a);
	archive_read_support_format_zip_streamable(s->a);
	if (archive_read_open(s->a, s, NULL, archive_src_read, NULL) != ARCHIVE_OK)
		return sl_pipeline_fail(p, SL_EFORMAT, "%s: not a tar or zip archive: %s",
		                        s->source, archive_error_string(s->a));
	return 0;
}

/* Why an entry is refused, or NULL when it is a plain top-level file. */
static const char *entry_refusal(struct archive_entry *e, const char *name)
{
	mode_t type = archive_entry_filetype(e);
	if (name[0] == '/')
		return "an absolute path";
	if (!strcmp(name, "..") || !strncmp(name, "../", 3) || strstr(name, "/../") ||
	    (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
		return "a path with '..'";
	if (archive_entry_hardlink(e))
		return "a hard link";
	if (type == AE_IFLNK)
		return "a symbolic link";
	if (type == AE_IFDIR)
		return "a directory";
	if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK)
		return "a device or special file";
	if (type != AE_IFREG)
		return "not a regular file";
	if (strchr(name, '/'))
		return "a file in a subdirectory (a dump's files are at the top level)";
	return NULL;
}

/* The rest of the current entry into 'b', straight into its memory (which
 * must have room for 'size' bytes; b->len starts at 0).  Exactly 'size'
 * bytes, or the pipeline's error naming the entry. */
static int archive_src_data(struct archive_src *s, const char *name, struct sl_buf *b,
                            uint64_t size)
{
	char probe;
	for (;;) {
		bool full = b->len == size;
		/* At the size: one more read must say end of entry. */
		la_ssize_t n =
		    full ? archive_read_data(s->a, &probe, 1)
		         : archive_read_data(s->a, b->data + b->len, (size_t)size - b->len);
		if (n == 0)
			break;
		if (n < 0) {
			if (sl_pipeline_cancelled(s->inst->pipe))
				return SL_ECANCEL;
			return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
			                        "%s: entry '%s': truncated or corrupt: %s",
			                        s->source, name, archive_error_string(s->a));
		}
		if (full)
			return sl_pipeline_fail(
			    s->inst->pipe, SL_EFORMAT,
			    "%s: entry '%s': more data than its size (%llu bytes)", s->source, name,
			    (unsigned long long)size);
		b->len += (size_t)n;
	}
	if (b->len != size)
		return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
		                        "%s: entry '%s': truncated: %zu of %llu bytes", s->source,
		                        name, b->len, (unsigned long long)size);
	b->data[b->len] = '\0';
	return 0;
}

static int archive_src_work(struct sl_instance *inst, unsigned worker)
{
	struct archive_src *s = inst->data;
	struct sl_pipeline *p = inst->pipe;
	struct archive_entry *e;
	int rc;
	(void)worker;
	for (;;) {
		int r = archive_read_next_header(s->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (sl_pipeline_cancelled(p))
				return SL_ECANCEL;
			return sl_pipeline_fail(p, SL_EFORMAT,
			                        "%s: corrupt or truncated archive: %s", s->source,
			                        archive_error_string(s->a));
		}
		const char *name = archive_entry_pathname(e);
		if (!name)
			name = "";
		/* `tar -cf x.tar -C dir .` names files ./x and adds ./ itself. */
		if (!strcmp(name, ".") || !strcmp(name, "./")) {
			if (archive_entry_filetype(e) == AE_IFDIR) {
				archive_read_data_skip(s->a);
				continue;
			}
		} else if (!strncmp(name, "./", 2) && name[2] && name[2] != '/') {
			name += 2;
		}
		const char *why = entry_refusal(e, name);
		if (why)
			return sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' refused: %s",
			                        s->source, name, why);
		if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
			return sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s': no size", s->source,
			                        name);
		uint64_t size = (uint64_t)archive_entry_size(e);
		enum sl_dumpfiles_name what;
		enum sl_file_kind kind;
		if (sl_dumpfiles_name(name, false, &what, &kind) == SL_EFORMAT)
			return sl_pipeline_fail(
			    p, SL_EFORMAT, "%s: entry '%s' refused: not a file of a dump's layout",
			    s->source, name);
		if (s->files.have_manifest)
			return sl_pipeline_fail(
			    p, SL_EFORMAT, "%s: entry '%s' after the manifest (which comes last)",
			    s->source, name);
		if (what == SL_DF_METADATA) {
			archive_read_data_skip(s->a);
			continue;
		}
		if (what == SL_DF_MANIFEST) {
			if (size > (1u << 30))
				return sl_pipeline_fail(p, SL_EFORMAT, "%s: %s too big", s->source,
				                        name);
			sl_buf_reset(&s->manifest);
			if (sl_buf_reserve(&s->manifest, (size_t)size + 1))
				return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
			if ((rc = archive_src_data(s, name, &s->manifest, size)) != 0)
				return rc;
			if ((rc = sl_dumpfiles_manifest(&s->files, s->manifest.data,
			                                s->manifest.len)))
				return rc;
			continue;
		}
		struct sl_batch *b = NULL;
		if ((rc = sl_dumpfiles_begin(&s->files, name, size, &b)) != 0)
			return rc;
		if ((rc = archive_src_data(s, name, &b->body, size)) != 0) {
			sl_batch_release(b);
			return rc;
		}
		if ((rc = sl_dumpfiles_emit(&s->files, b)) != 0)
			return rc;
	}
	return sl_dumpfiles_finish(&s->files, false);
}

const struct sl_plugin sl_source_archive = {
    .abi = SL_PLUGIN_ABI,
    .struct_size = sizeof(struct sl_plugin),
    .name = "archive",
    .kind = SL_PLUGIN_SOURCE,
    .summary = "a dump in a tar or zip archive (any compression), a file or stdin",
    .options = archive_src_options,
    .config_size = sizeof(struct archive_src_config),
    .init = archive_src_init,
    .destroy = archive_src_destroy,
    .prepare = archive_src_prepare,
    .work = archive_src_work,
    .interrupt = archive_src_interrupt,
    .max_workers = 1,
};

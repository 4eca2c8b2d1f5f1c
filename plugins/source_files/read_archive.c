/* read_archive.c - the files source's archive reader: a dump in a tar or
 * zip archive (any compression libarchive reads), from a file or standard
 * input, without unpacking it.  A compressed file that is no archive
 * (gzip, zstd, xz: libarchive's raw format behind a filter) is handed,
 * decompressed, to the mysqldump reader (read_sqldump.c).
 *
 * Entries come in archive order, which for a sluice archive is the dump's
 * order (DDL before data, the manifest last); an archive in another order
 * (a tar of a directory) is refused at the first schema that comes after
 * files needing it.  Each entry must be a regular file at the top level
 * ("./name" is taken as "name") whose name is in the dump's layout;
 * absolute paths, '..', directories, links and device files are refused
 * naming the entry.  mydumper's metadata is skipped; the manifest is
 * parsed, and at the end everything read is checked against it.  A
 * truncated or corrupt archive fails with libarchive's message and the
 * entry.  Input comes through files_input_read(), so a cancel interrupts a
 * stalled pipe; a regular file is also seekable, so a zip is read through
 * its central directory (where links are told apart from files).  A zip
 * on a pipe can only be read entry by entry, and there a link entry looks
 * like a small file: its text then fails as SQL, and nothing follows it.
 * An object in object storage (s3://) is seekable too: a seek drops the
 * ranges read ahead that it skips and fetches from the new offset. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "files.h"

#define ARCHIVE_READ_CHUNK (1u << 20)

struct archive_reader {
	char *buf; /* entry data, in pieces */
	char *in;  /* the input chunk libarchive holds */
	struct archive *a;
	size_t raw_len, raw_pos; /* a compressed single file: its first bytes, in buf */
	struct sl_buf manifest;
	struct files_file file; /* the entry being read */
};

/* libarchive's seeking, for a regular file: zip archives are then read by
 * their central directory, which is what says an entry is a link. */
static la_int64_t seek_cb(struct archive *a, void *ud, la_int64_t offset, int whence)
{
	struct files_source *s = ud;
	(void)a;
	s->peek_pos = s->npeek; /* the peeked bytes are the file's; read them again */
	return lseek(s->fd, offset, whence);
}

/* The same for an object: the download moves to the offset. */
static la_int64_t seek_s3_cb(struct archive *a, void *ud, la_int64_t offset, int whence)
{
	struct files_source *s = ud;
	struct sl_error err = {0};
	s->peek_pos = s->npeek;
	int64_t at = sl_s3_download_seek(s->dl, offset, whence, &err);
	if (at < 0)
		archive_set_error(a, EIO, "%s", err.msg);
	return at;
}

/* libarchive's input: the next chunk of the input. */
static la_ssize_t read_cb(struct archive *a, void *ud, const void **out)
{
	struct files_source *s = ud;
	struct archive_reader *r = s->state;
	size_t n = 0;
	int rc = files_input_read(s, r->in, ARCHIVE_READ_CHUNK, &n);
	if (rc) {
		archive_set_error(a, rc == SL_ECANCEL ? ECANCELED : EIO, "%s",
		                  rc == SL_ECANCEL ? "cancelled" : "read failed");
		return -1;
	}
	*out = r->in;
	return (la_ssize_t)n;
}

static int archive_open(struct files_source *s)
{
	struct sl_pipeline *p = s->inst->pipe;
	struct archive_reader *r = sl_calloc(1, sizeof(*r));
	if (!r)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	s->state = r;
	r->buf = sl_malloc(ARCHIVE_READ_CHUNK);
	r->in = sl_malloc(ARCHIVE_READ_CHUNK);
	r->a = archive_read_new();
	if (!r->buf || !r->in || !r->a)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	archive_read_support_filter_all(r->a);
	archive_read_support_format_tar(r->a);
	/* A compressed single file (dump.sql.gz): the mysqldump reader's. */
	archive_read_support_format_raw(r->a);
	struct stat st;
	struct sl_error err = {0};
	if (s->dl && sl_s3_download_seek(s->dl, 0, SEEK_SET, &err) == 0) {
		s->peek_pos = s->npeek;
		archive_read_support_format_zip(r->a);
		archive_read_set_seek_callback(r->a, seek_s3_cb);
	} else if (s->dl) {
		return sl_pipeline_fail(p, SL_EIO, "%s", err.msg);
	} else if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	           lseek(s->fd, 0, SEEK_SET) == 0) {
		/* From the start, without the recognised bytes, seekable. */
		s->peek_pos = s->npeek;
		archive_read_support_format_zip(r->a);
		archive_read_set_seek_callback(r->a, seek_cb);
	} else {
		archive_read_support_format_zip_streamable(r->a);
	}
	archive_read_set_read_callback(r->a, read_cb);
	archive_read_set_callback_data(r->a, s);
	if (archive_read_open1(r->a) != ARCHIVE_OK) {
		if (sl_pipeline_cancelled(p))
			return SL_ECANCEL;
		return sl_pipeline_fail(
		    p, SL_EFORMAT,
		    "%s: not a sluice or mydumper stream, a mysqldump file, nor a tar or zip "
		    "archive: %s",
		    s->source, archive_error_string(r->a));
	}
	return 0;
}

static void archive_destroy(struct files_source *s)
{
	struct archive_reader *r = s->state;
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	sl_buf_free(&r->manifest);
	files_file_free(&r->file);
	sl_free(r->buf);
	sl_free(r->in);
	sl_free(r);
	s->state = NULL;
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

/* The bytes of the current entry, in pieces, to files_add() (f) or into
 * 'into' (the manifest).  The pipeline's error naming the entry when it is
 * corrupt or shorter or longer than its size. */
static int entry_data(struct files_source *s, const char *name, struct files_file *f,
                      struct sl_buf *into, uint64_t size)
{
	struct archive_reader *r = s->state;
	uint64_t got = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(r->a, r->buf, ARCHIVE_READ_CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			if (sl_pipeline_cancelled(s->inst->pipe))
				return SL_ECANCEL;
			return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
			                        "%s: entry '%s': truncated or corrupt: %s",
			                        s->source, name, archive_error_string(r->a));
		}
		if ((uint64_t)n > size - got)
			return sl_pipeline_fail(
			    s->inst->pipe, SL_EFORMAT,
			    "%s: entry '%s': more data than its size (%llu bytes)", s->source, name,
			    (unsigned long long)size);
		got += (uint64_t)n;
		int rc = 0;
		if (f)
			rc = files_add(s, f, r->buf, (size_t)n);
		else if (sl_buf_append(into, r->buf, (size_t)n))
			rc = sl_pipeline_fail(s->inst->pipe, SL_ENOMEM, "out of memory");
		if (rc)
			return rc;
	}
	if (got != size)
		return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
		                        "%s: entry '%s': truncated: %llu of %llu bytes", s->source,
		                        name, (unsigned long long)got, (unsigned long long)size);
	return 0;
}

/* The manifest entry: read whole and handed to files_manifest(). */
static int read_manifest(struct files_source *s, const char *name, uint64_t size)
{
	struct archive_reader *r = s->state;
	if (size > (64u << 20))
		return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT, "%s: %s too big", s->source,
		                        name);
	sl_buf_reset(&r->manifest);
	int rc = entry_data(s, name, NULL, &r->manifest, size);
	return rc ? rc
	          : files_manifest(s, r->manifest.data ? r->manifest.data : "", r->manifest.len);
}

/* The decompressed bytes of a compressed single file: first the ones read
 * to recognise it, then the rest. */
static int raw_read(void *ctx, char *buf, size_t cap, size_t *n)
{
	struct files_source *s = ctx;
	struct archive_reader *r = s->state;
	*n = 0;
	if (r->raw_pos < r->raw_len) {
		size_t k = r->raw_len - r->raw_pos < cap ? r->raw_len - r->raw_pos : cap;
		memcpy(buf, r->buf + r->raw_pos, k);
		r->raw_pos += k;
		*n = k;
		return 0;
	}
	la_ssize_t k = archive_read_data(r->a, buf, cap);
	if (k < 0) {
		if (sl_pipeline_cancelled(s->inst->pipe))
			return SL_ECANCEL;
		return sl_pipeline_fail(s->inst->pipe, SL_EFORMAT,
		                        "%s: truncated or corrupt compressed file: %s", s->source,
		                        archive_error_string(r->a));
	}
	*n = (size_t)k;
	return 0;
}

/* Not an archive: libarchive's raw format took it.  A compressed file
 * holding a mysqldump file is read as one; anything else is refused. */
static int raw_file(struct files_source *s)
{
	struct archive_reader *r = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	const char *filter = archive_filter_count(r->a) > 1 ? archive_filter_name(r->a, 0) : NULL;
	if (!filter)
		return sl_pipeline_fail(
		    p, SL_EFORMAT,
		    "%s: not a sluice or mydumper stream, a mysqldump file, nor a "
		    "tar or zip archive",
		    s->source);
	/* Enough of the start to recognise it. */
	while (r->raw_len < 64) {
		la_ssize_t k = archive_read_data(r->a, r->buf + r->raw_len, 64 - r->raw_len);
		if (k < 0)
			return sl_pipeline_cancelled(p)
			           ? SL_ECANCEL
			           : sl_pipeline_fail(
			                 p, SL_EFORMAT, "%s: truncated or corrupt %s file: %s",
			                 s->source, filter, archive_error_string(r->a));
		if (k == 0)
			break;
		r->raw_len += (size_t)k;
	}
	if (r->raw_len >= 16 && !memcmp(r->buf, "-- sluice stream", 16))
		return sl_pipeline_fail(
		    p, SL_EFORMAT,
		    "%s: a %s-compressed sluice stream: decompress it into sluice "
		    "(e.g. zstd -dc FILE | sluice load)",
		    s->source, filter);
	if (!files_looks_sqldump(r->buf, r->raw_len))
		return sl_pipeline_fail(p, SL_EFORMAT,
		                        "%s: a %s-compressed file that is not a mysqldump file, a "
		                        "sluice or mydumper stream, nor a tar or zip archive",
		                        s->source, filter);
	return files_sqldump_run(s, raw_read, s);
}

static int archive_run(struct files_source *s)
{
	struct archive_reader *r = s->state;
	struct sl_pipeline *p = s->inst->pipe;
	struct archive_entry *e;
	int rc;
	for (bool first = true;; first = false) {
		int ar = archive_read_next_header(r->a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (first && (ar == ARCHIVE_OK || ar == ARCHIVE_WARN) &&
		    archive_format(r->a) == ARCHIVE_FORMAT_RAW)
			return raw_file(s);
		if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
			if (sl_pipeline_cancelled(p))
				return SL_ECANCEL;
			return sl_pipeline_fail(p, SL_EFORMAT,
			                        "%s: corrupt or truncated archive: %s", s->source,
			                        archive_error_string(r->a));
		}
		const char *name = archive_entry_pathname(e);
		if (!name)
			name = "";
		/* `tar -cf x.tar -C dir .` names files ./x and adds ./ itself. */
		if (!strcmp(name, ".") || !strcmp(name, "./")) {
			if (archive_entry_filetype(e) == AE_IFDIR) {
				archive_read_data_skip(r->a);
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
		enum files_name what = files_name_of(name);
		enum sl_file_kind kind = SL_FILE_DATA;
		rc = what == FILES_NAME_FILE ? files_classify(s, name, &kind) : 0;
		if (rc == SL_EFORMAT)
			return sl_pipeline_fail(
			    p, SL_EFORMAT, "%s: entry '%s' refused: not a file of a dump's layout",
			    s->source, name);
		if (rc)
			return sl_pipeline_fail(p, rc, "%s: out of memory", s->source);
		if (s->have_manifest)
			return sl_pipeline_fail(
			    p, SL_EFORMAT, "%s: entry '%s' after the manifest (which comes last)",
			    s->source, name);
		if (what == FILES_NAME_METADATA) {
			archive_read_data_skip(r->a);
			continue;
		}
		if (what == FILES_NAME_MANIFEST) {
			if ((rc = read_manifest(s, name, size)) != 0)
				return rc;
			continue;
		}
		char where[1200];
		snprintf(where, sizeof(where), "%s: entry '%s'", s->source, name);
		if ((rc = files_open(s, where, name, kind, size, false, &r->file)) != 0)
			return rc;
		rc = entry_data(s, name, &r->file, NULL, size);
		if (!rc)
			rc = files_close(s, &r->file, NULL);
		files_file_free(&r->file);
		if (rc)
			return rc;
	}
	return files_finish(s, false);
}

const struct files_reader files_archive_reader = {
    .name = "archive",
    .open = archive_open,
    .run = archive_run,
    .destroy = archive_destroy,
};

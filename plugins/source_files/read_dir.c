/* read_dir.c - the files source's directory reader: a dump in a directory
 * in mydumper's layout (`sluice load -d DIR`): one written by
 * `sluice dump -o DIR`, or by Debian's mydumper 0.10.
 *
 * open() lists the directory, refuses what a dump does not hold
 * (subdirectories, links, devices, names outside the layout, two files of
 * one name, compressed or not) naming the entry, and sorts the files into
 * the order a loader needs: databases, tables, data, triggers, views,
 * routines and events (by name within each group).  A sluice directory has
 * sluice-manifest.json, read first: its status must be ok, and at the end
 * every file read must match it (sizes and checksums) before any table is
 * reported complete.  A directory without a manifest is taken as
 * mydumper's only when its metadata file says the dump finished
 * ("Finished dump at"); every table in it is then complete once its files
 * were read.
 *
 * Files may be compressed, each on its own (NAME.sql.gz, NAME.sql.zst:
 * mydumper -c, `sluice dump -o DIR --compress`); they are decompressed as
 * they are read, through libarchive's raw format, and stand for NAME.sql
 * (the manifest's sizes and checksums are of the uncompressed bytes).  A
 * file that does not decompress to its end (truncated, corrupt) fails the
 * run naming it.  A view's placeholder table (db.v-schema.sql next to
 * db.v-schema-view.sql: mydumper's, and sluice's for myloader) is never
 * loaded; in a sluice directory it is read and checked against the
 * manifest like every file.  Memory: the list of names, and one file at a
 * time (with a decompressor's window). */
#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "files.h"

struct dir_entry {
	char *name;        /* owned: as in the directory */
	char *plain;       /* owned: the layout's name, without a compression's suffix */
	enum sl_fname_z z; /* the compression its name says */
	int phase;         /* kind of file: the loader's order */
	long order;        /* views (and their placeholders): position in the manifest */
};

#define DIR_READ_CHUNK (1u << 20)

struct dir_reader {
	const char *path;
	char *buf;              /* read chunks */
	struct files_file file; /* the file being read */
	int dirfd;
	struct dir_entry *v;
	size_t n, cap;
	bool foreign;   /* no manifest: mydumper's */
	uint64_t total; /* bytes of the files listed, for the progress line */
};

/* Hand n bytes of a file to files_add() (f) or to 'out' (a file read
 * whole: at most 64 MiB). */
static int dir_src_take(struct files_source *fs, struct dir_reader *s, const char *name,
                        struct files_file *f, struct sl_buf *out, size_t n, uint64_t got)
{
	if (f)
		return files_add(fs, f, s->buf, n);
	if (got > (64u << 20) || sl_buf_append(out, s->buf, n))
		return sl_pipeline_fail(fs->inst->pipe, SL_EFORMAT, "%s: entry '%s' is too big",
		                        s->path, name);
	return 0;
}

/* The bytes of a compressed file, decompressed as they are read.  'fd' is
 * the caller's.  0, or the pipeline's error naming the entry. */
static int dir_src_inflate(struct files_source *fs, struct dir_reader *s, const char *name,
                           enum sl_fname_z z, int fd, struct files_file *f, struct sl_buf *out)
{
	struct sl_pipeline *p = fs->inst->pipe;
	const char *method = z == SL_FNAME_GZIP ? "gzip" : "zstd";
	struct archive_entry *ae;
	struct archive *a = archive_read_new();
	int rc = 0;
	if (!a)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	int r = z == SL_FNAME_GZIP ? archive_read_support_filter_gzip(a)
	                           : archive_read_support_filter_zstd(a);
	r = r ? r : archive_read_support_format_raw(a);
	r = r ? r : archive_read_open_fd(a, fd, DIR_READ_CHUNK);
	r = r ? r : archive_read_next_header(a, &ae);
	if (r == ARCHIVE_OK && archive_filter_code(a, 0) !=
	                           (z == SL_FNAME_GZIP ? ARCHIVE_FILTER_GZIP : ARCHIVE_FILTER_ZSTD))
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s': not %s data", s->path, name,
		                      method);
	else if (r != ARCHIVE_OK)
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s': cannot read it as %s: %s",
		                      s->path, name, method,
		                      archive_error_string(a) ? archive_error_string(a) : "empty");
	uint64_t got = 0, raw = 0;
	while (!rc) {
		if (sl_pipeline_cancelled(p)) {
			rc = SL_ECANCEL;
			break;
		}
		la_ssize_t n = archive_read_data(a, s->buf, DIR_READ_CHUNK);
		/* The progress line counts the file's own (compressed) bytes. */
		uint64_t now = (uint64_t)archive_filter_bytes(a, -1);
		sl_pipeline_add_input(p, now - raw);
		raw = now;
		if (n < 0)
			rc = sl_pipeline_fail(
			    p, SL_EFORMAT, "%s: entry '%s': cannot read it as %s: %s", s->path,
			    name, method,
			    archive_error_string(a) ? archive_error_string(a) : "corrupt data");
		if (n <= 0)
			break;
		got += (uint64_t)n;
		rc = dir_src_take(fs, s, name, f, out, (size_t)n, got);
	}
	archive_read_free(a);
	return rc;
}

/* Read a regular file of the directory: its bytes (decompressed when 'z'
 * says so) go to files_add() (f), or into 'out' (a small file read whole:
 * the manifest, the metadata, a view; at most 64 MiB).  'size' is the
 * file's size in the listing (NULL: no expectation).  Refuses links and
 * special files.  0, or the pipeline's error naming the file. */
static int dir_src_read(struct files_source *fs, struct dir_reader *s, const char *name,
                        enum sl_fname_z z, struct files_file *f, struct sl_buf *out,
                        const uint64_t *size)
{
	struct sl_pipeline *p = fs->inst->pipe;
	struct stat st;
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return sl_pipeline_fail(p, errno == ELOOP ? SL_EFORMAT : SL_EIO,
		                        "%s: entry '%s' %s: %s", s->path, name,
		                        errno == ELOOP ? "refused" : "unreadable",
		                        errno == ELOOP ? "a symbolic link" : strerror(errno));
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' refused: not a regular file",
		                      s->path, name);
	else if (size && (uint64_t)st.st_size != *size)
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' changed while reading",
		                      s->path, name);
	else if (!f && st.st_size > (64 << 20))
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' is too big", s->path, name);
	uint64_t got = 0;
	if (!rc && z != SL_FNAME_PLAIN) {
		rc = dir_src_inflate(fs, s, name, z, fd, f, out);
		size = NULL; /* what was read is not what the listing measured */
	}
	while (!rc && z == SL_FNAME_PLAIN) {
		if (sl_pipeline_cancelled(p)) {
			rc = SL_ECANCEL;
			break;
		}
		ssize_t n = read(fd, s->buf, DIR_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = sl_pipeline_fail(p, SL_EIO, "%s: entry '%s': %s", s->path, name,
			                      strerror(errno));
		if (n <= 0)
			break;
		got += (uint64_t)n;
		sl_pipeline_add_input(p, (uint64_t)n);
		rc = dir_src_take(fs, s, name, f, out, (size_t)n, got);
	}
	if (!rc && out && sl_buf_putc(out, '\0') == 0)
		out->len--;
	if (!rc && size && got != *size)
		rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' changed while reading",
		                      s->path, name);
	close(fd);
	return rc;
}

#define PHASE_SKIP 9 /* not loaded (sorted last, then dropped) */

static int phase_of(enum sl_file_kind kind)
{
	switch (kind) {
	case SL_FILE_SCHEMA_CREATE:
		return 0;
	case SL_FILE_TABLE_SCHEMA:
		return 1;
	case SL_FILE_DATA:
		return 2;
	case SL_FILE_TRIGGERS:
		return 3;
	case SL_FILE_VIEW:
		return 4;
	case SL_FILE_POST:
		return 5;
	case SL_FILE_USERS: /* grants name tables and routines: after them */
		return 6;
	}
	return 7;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	if (x->phase != y->phase)
		return x->phase - y->phase;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->plain, y->plain);
}

/* Add a name to the list.  0 or SL_ENOMEM. */
static int dir_src_add(struct dir_reader *s, const char *name)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *v = sl_realloc(s->v, cap * sizeof(*s->v));
		if (!v)
			return SL_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	struct dir_entry *e = &s->v[s->n];
	size_t base;
	memset(e, 0, sizeof(*e));
	e->z = sl_fname_compression(name, &base);
	e->name = sl_strdup(name);
	e->plain = e->name ? sl_malloc(base + 1) : NULL;
	if (!e->plain) {
		sl_free(e->name);
		return SL_ENOMEM;
	}
	memcpy(e->plain, name, base);
	e->plain[base] = '\0';
	s->n++;
	return 0;
}

static int plain_cmp(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	return strcmp(x->plain, y->plain);
}

/* Two files that stand for one (db.t.00000.sql and db.t.00000.sql.zst)
 * are refused: which one would be the dump's?  Sorts s->v by name. */
static int dir_src_unique(struct files_source *fs, struct dir_reader *s)
{
	qsort(s->v, s->n, sizeof(*s->v), plain_cmp);
	for (size_t i = 1; i < s->n; i++)
		if (!strcmp(s->v[i - 1].plain, s->v[i].plain))
			return sl_pipeline_fail(
			    fs->inst->pipe, SL_EFORMAT,
			    "%s: entries '%s' and '%s' are the same file: keep one", s->path,
			    s->v[i - 1].name, s->v[i].name);
	return 0;
}

/* List the directory into s->v: regular files only, anything else is
 * refused naming the entry.  *manifest and *metadata (OUT) say whether
 * those files are there (they are not listed). */
static int dir_src_list(struct files_source *fs, struct dir_reader *s, bool *manifest,
                        bool *metadata)
{
	struct sl_pipeline *p = fs->inst->pipe;
	int fd = dup(s->dirfd), rc = 0;
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return sl_pipeline_fail(p, SL_EIO, "cannot read directory '%s': %s", s->path,
		                        strerror(errno));
	}
	while (!rc && (de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		struct stat st;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			rc = sl_pipeline_fail(p, SL_EIO, "%s: entry '%s': %s", s->path, name,
			                      strerror(errno));
		else if (!S_ISREG(st.st_mode))
			rc = sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' refused: %s", s->path,
			                      name,
			                      S_ISLNK(st.st_mode)   ? "a symbolic link"
			                      : S_ISDIR(st.st_mode) ? "a directory"
			                                            : "a device or special file");
		else if (!strcmp(name, SL_MANIFEST_NAME))
			*manifest = true;
		else if (!strcmp(name, SL_METADATA_NAME))
			*metadata = true;
		else if (dir_src_add(s, name))
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		else
			s->total += (uint64_t)st.st_size;
	}
	closedir(dir);
	return rc;
}

/* mydumper 0.10 writes, for a view v, db.v-schema.sql: a placeholder table
 * with the view's columns (for myloader, which runs views in the
 * directory's order), then db.v-schema-view.sql, which drops it; a sluice
 * directory does the same for myloader.  The loader refuses a view whose
 * name exists as a table, so placeholders are not loaded: a foreign
 * directory's are skipped, a sluice directory's are read right after their
 * view (files_open() knows them then) and checked against the manifest.
 * s->v is sorted by name. */
static int dir_src_mark_placeholders(struct dir_reader *s)
{
	static const char view_sfx[] = "-schema-view.sql", table_sfx[] = "-schema.sql";
	const size_t vs = sizeof(view_sfx) - 1, ts = sizeof(table_sfx) - 1;
	struct sl_buf want = SL_BUF_INIT;
	for (size_t i = 0; i < s->n; i++) {
		const struct dir_entry *v = &s->v[i];
		size_t n = strlen(v->plain);
		if (v->phase != 4 || n <= vs)
			continue;
		sl_buf_reset(&want);
		if (sl_buf_append(&want, v->plain, n - vs) || sl_buf_puts(&want, table_sfx)) {
			sl_buf_free(&want);
			return SL_ENOMEM;
		}
		struct dir_entry key = {.plain = want.data};
		struct dir_entry *t = bsearch(&key, s->v, s->n, sizeof(*s->v), plain_cmp);
		if (!t || t->phase != 1 || strlen(t->plain) != n - vs + ts)
			continue;
		t->phase = s->foreign ? PHASE_SKIP : 4;
		t->order = v->order;
	}
	sl_buf_free(&want);
	return 0;
}

/* mydumper 0.10 leaves the order of views to myloader's placeholder
 * tables, which are not loaded here: order the views so that each comes
 * after the views its definition names (`name`), by name otherwise; views
 * in a cycle keep name order.  Reads the view files (small) once more.
 * 0 or the pipeline's error. */
static int dir_src_order_views(struct files_source *fs, struct dir_reader *s)
{
	struct sl_pipeline *p = fs->inst->pipe;
	size_t nv = 0, *idx = NULL;
	struct sl_buf *body = NULL, *quoted = NULL;
	bool *placed = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->n; i++)
		nv += s->v[i].phase == 4;
	if (nv < 2)
		return 0;
	idx = sl_calloc(nv, sizeof(*idx));
	body = sl_calloc(nv, sizeof(*body));
	quoted = sl_calloc(nv, sizeof(*quoted));
	placed = sl_calloc(nv, sizeof(*placed));
	if (!idx || !body || !quoted || !placed) {
		rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		goto out;
	}
	nv = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].phase == 4)
			idx[nv++] = i;
	for (size_t a = 0; a < nv && !rc; a++) {
		enum sl_file_kind kind;
		const struct dir_entry *e = &s->v[idx[a]];
		if (files_classify(fs, e->plain, &kind) ||
		    sl_buf_put_ident(&quoted[a], fs->tbl.data)) {
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
			break;
		}
		rc = dir_src_read(fs, s, e->name, e->z, NULL, &body[a], NULL);
	}
	/* Take, in name order, the first view whose dependencies are placed. */
	for (long pos = 0; !rc && pos < (long)nv; pos++) {
		size_t pick = nv;
		for (size_t a = 0; a < nv; a++) {
			if (placed[a])
				continue;
			bool ready = true;
			for (size_t b = 0; b < nv && ready; b++)
				if (b != a && !placed[b] && strstr(body[a].data, quoted[b].data))
					ready = false;
			if (ready &&
			    (pick == nv || strcmp(s->v[idx[a]].plain, s->v[idx[pick]].plain) < 0))
				pick = a;
		}
		if (pick == nv) /* a cycle: the first by name */
			for (size_t a = 0; a < nv; a++)
				if (!placed[a] && (pick == nv || strcmp(s->v[idx[a]].plain,
				                                        s->v[idx[pick]].plain) < 0))
					pick = a;
		placed[pick] = true;
		s->v[idx[pick]].order = pos;
	}
out:
	for (size_t a = 0; body && quoted && a < nv; a++) {
		sl_buf_free(&body[a]);
		sl_buf_free(&quoted[a]);
	}
	sl_free(idx);
	sl_free(body);
	sl_free(quoted);
	sl_free(placed);
	return rc;
}

static int dir_open(struct files_source *fs)
{
	struct sl_pipeline *p = fs->inst->pipe;
	struct sl_buf text = SL_BUF_INIT;
	bool have_manifest = false, have_metadata = false;
	int rc;

	struct dir_reader *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	fs->state = s;
	s->dirfd = -1;
	s->path = fs->path;
	s->buf = sl_malloc(DIR_READ_CHUNK);
	if (!s->buf)
		return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return sl_pipeline_fail(p, SL_EIO, "cannot open directory '%s': %s", s->path,
		                        strerror(errno));
	if ((rc = dir_src_list(fs, s, &have_manifest, &have_metadata)) != 0)
		goto out;
	sl_pipeline_set_input_size(p, s->total);
	if (have_manifest) {
		if ((rc = dir_src_read(fs, s, SL_MANIFEST_NAME, SL_FNAME_PLAIN, NULL, &text,
		                       NULL)) == 0)
			rc = files_manifest(fs, text.data, text.len);
	} else if (!have_metadata) {
		rc = sl_pipeline_fail(p, SL_EFORMAT,
		                      "%s: neither %s nor mydumper's %s: not a dump directory",
		                      s->path, SL_MANIFEST_NAME, SL_METADATA_NAME);
	} else {
		/* mydumper writes "Finished dump at" into metadata when it is done. */
		if ((rc = dir_src_read(fs, s, SL_METADATA_NAME, SL_FNAME_PLAIN, NULL, &text,
		                       NULL)) == 0 &&
		    !strstr(text.data, "Finished dump at"))
			rc = sl_pipeline_fail(p, SL_EFORMAT,
			                      "%s: no %s, and mydumper's %s does not say the dump "
			                      "finished: the dump is incomplete",
			                      s->path, SL_MANIFEST_NAME, SL_METADATA_NAME);
		s->foreign = true;
		fs->raw_names = true;
		if (!rc)
			sl_instance_log(fs->inst, SL_LOG_INFO,
			                "%s: no %s: a mydumper directory; files cannot be checked",
			                s->path, SL_MANIFEST_NAME);
	}
	if (!rc)
		rc = dir_src_unique(fs, s);
	/* Order: by kind; views in the order the manifest lists them (the
	 * dumper wrote them in dependency order); by name. */
	for (size_t i = 0; !rc && i < s->n; i++) {
		enum sl_file_kind kind = SL_FILE_DATA;
		rc = files_classify(fs, s->v[i].plain, &kind);
		if (rc == SL_EFORMAT)
			rc = sl_pipeline_fail(
			    p, rc, "%s: entry '%s' refused: not a file of a dump's layout", s->path,
			    s->v[i].name);
		else if (rc)
			rc = sl_pipeline_fail(p, rc, "out of memory");
		s->v[i].phase = phase_of(kind);
		if (kind == SL_FILE_VIEW && have_manifest)
			s->v[i].order = sl_manifest_index(&fs->expect, fs->db.data, fs->tbl.data);
	}
	if (!rc && dir_src_mark_placeholders(s))
		rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	if (!rc && s->foreign)
		rc = dir_src_order_views(fs, s);
	if (!rc)
		qsort(s->v, s->n, sizeof(*s->v), entry_cmp);
	while (s->n > 0 && s->v[s->n - 1].phase == PHASE_SKIP) {
		s->n--;
		sl_free(s->v[s->n].name);
		sl_free(s->v[s->n].plain);
	}
out:
	sl_buf_free(&text);
	return rc;
}

static void dir_destroy(struct files_source *fs)
{
	struct dir_reader *s = fs->state;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		sl_free(s->v[i].name);
		sl_free(s->v[i].plain);
	}
	sl_free(s->v);
	sl_free(s->buf);
	files_file_free(&s->file);
	if (s->dirfd >= 0)
		close(s->dirfd);
	sl_free(s);
	fs->state = NULL;
}

static int dir_run(struct files_source *fs)
{
	struct dir_reader *s = fs->state;
	int rc;
	for (size_t i = 0; i < s->n; i++) {
		const struct dir_entry *e = &s->v[i];
		const char *name = e->name;
		struct stat st;
		enum sl_file_kind kind = SL_FILE_DATA;
		if (sl_pipeline_cancelled(fs->inst->pipe))
			return SL_ECANCEL;
		if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			return sl_pipeline_fail(fs->inst->pipe, SL_EIO, "%s: entry '%s': %s",
			                        s->path, name, strerror(errno));
		uint64_t size = (uint64_t)st.st_size;
		char where[1200];
		snprintf(where, sizeof(where), "%s: entry '%s'", s->path, name);
		if ((rc = files_classify(fs, e->plain, &kind)) != 0)
			return sl_pipeline_fail(fs->inst->pipe, rc, "%s: cannot classify", where);
		/* A compressed file's size is known once it is read. */
		if ((rc = files_open(fs, where, e->plain, kind,
		                     e->z == SL_FNAME_PLAIN ? size : FILES_SIZE_UNKNOWN, false,
		                     &s->file)) != 0)
			return rc;
		rc = dir_src_read(fs, s, name, e->z, &s->file, NULL, &size);
		if (!rc)
			rc = files_close(fs, &s->file, NULL);
		files_file_free(&s->file);
		if (rc)
			return rc;
	}
	return files_finish(fs, s->foreign);
}

const struct files_reader files_dir_reader = {
    .name = "dir",
    .open = dir_open,
    .run = dir_run,
    .destroy = dir_destroy,
};

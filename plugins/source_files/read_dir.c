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
 * time (with a decompressor's window).
 *
 * The objects under s3://bucket/prefix/ are the same directory: listed
 * (a "subdirectory" is refused like a directory), sorted alike, the small
 * files (manifest, metadata, views) read with one GET each, and the files
 * read in order through one download that fetches the next files (and
 * ranges of big ones) ahead, --s3-parallel at once, each GET conditional
 * on the ETag the listing gave, so a file replaced meanwhile fails.
 * Compressed objects are decompressed as they arrive. */
#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
	uint64_t size;     /* s3: from the listing */
	char *etag;        /* s3: from the listing (owned), else NULL */
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
	/* s3: */
	struct sl_buf prefix, key; /* the keys' prefix ("" or ending '/'), scratch */
	struct sl_s3_download *dl; /* the files, in order */
	uint64_t manifest_size, metadata_size;
	char *zbuf; /* compressed bytes from the download */
	int dl_rc;  /* the download's error under libarchive, or 0 */
	struct sl_error dl_err;
};

/* The key of file 'name' in s->key.  0 or SL_ENOMEM. */
static int dir_key(struct dir_reader *s, const char *name)
{
	sl_buf_reset(&s->key);
	return sl_buf_append(&s->key, s->prefix.data, s->prefix.len) || sl_buf_puts(&s->key, name)
	           ? SL_ENOMEM
	           : 0;
}

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

/* libarchive's input from the current object of the download. */
static la_ssize_t dir_dl_read(struct archive *a, void *ud, const void **buf)
{
	struct dir_reader *s = ud;
	size_t n = 0;
	int rc = sl_s3_download_read(s->dl, s->zbuf, DIR_READ_CHUNK, &n, &s->dl_err);
	if (rc) {
		s->dl_rc = rc;
		archive_set_error(a, EIO, "%s", s->dl_err.msg);
		return -1;
	}
	*buf = s->zbuf;
	return (la_ssize_t)n;
}

/* Open 'a' on the compressed bytes: the file 'fd' (the caller's), else
 * the object in 'mem', else the download's current object. */
static int dir_z_open(struct dir_reader *s, struct archive *a, int fd, const struct sl_buf *mem)
{
	if (fd >= 0)
		return archive_read_open_fd(a, fd, DIR_READ_CHUNK);
	if (mem)
		return archive_read_open_memory(a, mem->data, mem->len);
	if (!s->zbuf && !(s->zbuf = sl_malloc(DIR_READ_CHUNK))) {
		archive_set_error(a, ENOMEM, "out of memory");
		return ARCHIVE_FATAL;
	}
	s->dl_rc = 0;
	return archive_read_open(a, s, NULL, dir_dl_read, NULL);
}

/* The bytes of a compressed file, decompressed as they are read (from
 * dir_z_open()'s input).  0, or the pipeline's error naming the entry. */
static int dir_src_inflate(struct files_source *fs, struct dir_reader *s, const char *name,
                           enum sl_fname_z z, int fd, const struct sl_buf *mem,
                           struct files_file *f, struct sl_buf *out)
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
	r = r ? r : dir_z_open(s, a, fd, mem);
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
	if (fd < 0 && !mem && s->dl_rc && rc != SL_ECANCEL) /* the store's error, not the data's */
		return files_input_fail(fs, s->dl_rc, &s->dl_err);
	return rc;
}

/* dir_src_read() in object storage: a small file with one GET (its size
 * from the listing, at most 64 MiB), or the current file of the download
 * into f. */
static int dir_s3_read(struct files_source *fs, struct dir_reader *s, const char *name,
                       enum sl_fname_z z, struct files_file *f, struct sl_buf *out,
                       const uint64_t *size)
{
	struct sl_pipeline *p = fs->inst->pipe;
	struct sl_error err = {0};
	int rc;
	if (!f) {
		uint64_t known = !strcmp(name, SL_MANIFEST_NAME)   ? s->manifest_size
		                 : !strcmp(name, SL_METADATA_NAME) ? s->metadata_size
		                                                   : 0;
		for (size_t i = 0; i < s->n && !known; i++)
			if (!strcmp(s->v[i].name, name))
				known = s->v[i].size;
		if (known > (64u << 20))
			return sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' is too big", s->path,
			                        name);
		if (dir_key(s, name))
			return sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		struct sl_buf raw = SL_BUF_INIT;
		rc = sl_s3_get(fs->s3, s->key.data, 64u << 20, z == SL_FNAME_PLAIN ? out : &raw,
		               NULL, &err);
		if (rc)
			rc = files_input_fail(fs, rc, &err);
		else if (z != SL_FNAME_PLAIN)
			rc = dir_src_inflate(fs, s, name, z, -1, &raw, NULL, out);
		sl_buf_free(&raw);
		if (!rc && sl_buf_putc(out, '\0'))
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		if (!rc)
			out->len--;
		return rc;
	}
	if (z != SL_FNAME_PLAIN) /* the download checks the object's size itself */
		return dir_src_inflate(fs, s, name, z, -1, NULL, f, NULL);
	uint64_t got = 0;
	for (;;) {
		size_t n = 0;
		if (sl_pipeline_cancelled(p))
			return SL_ECANCEL;
		if ((rc = sl_s3_download_read(s->dl, s->buf, DIR_READ_CHUNK, &n, &err)) != 0)
			return files_input_fail(fs, rc, &err);
		if (n == 0)
			break;
		got += n;
		sl_pipeline_add_input(p, (uint64_t)n);
		if ((rc = files_add(fs, f, s->buf, n)) != 0)
			return rc;
	}
	if (size && got != *size)
		return sl_pipeline_fail(p, SL_EFORMAT, "%s: entry '%s' changed while reading",
		                        s->path, name);
	return 0;
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
	if (fs->s3)
		return dir_s3_read(fs, s, name, z, f, out, size);
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
		rc = dir_src_inflate(fs, s, name, z, fd, NULL, f, out);
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

/* Add a name to the list (its size and ETag when in object storage).  0
 * or SL_ENOMEM. */
static int dir_src_add(struct dir_reader *s, const char *name, uint64_t size, const char *etag)
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
	e->size = size;
	e->name = sl_strdup(name);
	e->plain = e->name ? sl_malloc(base + 1) : NULL;
	e->etag = e->plain && etag ? sl_strdup(etag) : NULL;
	if (!e->plain || (etag && !e->etag)) {
		sl_free(e->name);
		sl_free(e->plain);
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
		else if (dir_src_add(s, name, (uint64_t)st.st_size, NULL))
			rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
		else
			s->total += (uint64_t)st.st_size;
	}
	closedir(dir);
	return rc;
}

/* What listing the objects under the prefix needs. */
struct s3_listing {
	struct files_source *fs;
	struct dir_reader *s;
	bool *manifest, *metadata;
	int rc;
};

static int dir_s3_entry(void *ud, const char *name, uint64_t size, const char *etag, bool is_dir)
{
	struct s3_listing *l = ud;
	struct dir_reader *s = l->s;
	struct sl_pipeline *p = l->fs->inst->pipe;
	if (is_dir)
		return l->rc = sl_pipeline_fail(
		           p, SL_EFORMAT, "%s: entry '%s' refused: a directory", s->path, name);
	if (!strcmp(name, SL_MANIFEST_NAME)) {
		*l->manifest = true;
		s->manifest_size = size;
	} else if (!strcmp(name, SL_METADATA_NAME)) {
		*l->metadata = true;
		s->metadata_size = size;
	} else if (dir_src_add(s, name, size, etag)) {
		return l->rc = sl_pipeline_fail(p, SL_ENOMEM, "out of memory");
	} else {
		s->total += size;
	}
	return 0;
}

/* dir_src_list() in object storage. */
static int dir_s3_list(struct files_source *fs, struct dir_reader *s, bool *manifest,
                       bool *metadata)
{
	struct s3_listing l = {.fs = fs, .s = s, .manifest = manifest, .metadata = metadata};
	struct sl_error err = {0};
	const char *key = sl_s3_key(fs->s3);
	if (sl_buf_puts(&s->prefix, key) ||
	    (key[0] && key[strlen(key) - 1] != '/' && sl_buf_putc(&s->prefix, '/')))
		return sl_pipeline_fail(fs->inst->pipe, SL_ENOMEM, "out of memory");
	int rc = sl_s3_list(fs->s3, s->prefix.data, dir_s3_entry, &l, &err);
	if (rc && !l.rc)
		return files_input_fail(fs, rc, &err);
	if (!rc && !s->n && !*manifest && !*metadata)
		return sl_pipeline_fail(fs->inst->pipe, SL_EUSAGE,
		                        "%s: no such object, nor objects under %s/", s->path,
		                        s->path);
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
	if (fs->s3) {
		rc = dir_s3_list(fs, s, &have_manifest, &have_metadata);
	} else {
		s->dirfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dirfd < 0)
			return sl_pipeline_fail(p, SL_EIO, "cannot open directory '%s': %s",
			                        s->path, strerror(errno));
		rc = dir_src_list(fs, s, &have_manifest, &have_metadata);
	}
	if (rc)
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
		sl_free(s->v[s->n].etag);
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
		sl_free(s->v[i].etag);
	}
	sl_s3_download_free(s->dl);
	sl_buf_free(&s->prefix);
	sl_buf_free(&s->key);
	sl_free(s->zbuf);
	sl_free(s->v);
	sl_free(s->buf);
	files_file_free(&s->file);
	if (s->dirfd >= 0)
		close(s->dirfd);
	sl_free(s);
	fs->state = NULL;
}

/* The download of every file, in load order (object storage). */
static int dir_s3_start(struct files_source *fs, struct dir_reader *s)
{
	struct sl_s3_object *objs = sl_calloc(s->n ? s->n : 1, sizeof(*objs));
	struct sl_error err = {0};
	int rc = objs ? 0 : SL_ENOMEM;
	for (size_t i = 0; !rc && i < s->n; i++) {
		if (dir_key(s, s->v[i].name) || !(objs[i].key = sl_strdup(s->key.data))) {
			rc = SL_ENOMEM;
			break;
		}
		objs[i].size = s->v[i].size;
		snprintf(objs[i].etag, sizeof(objs[i].etag), "%s",
		         s->v[i].etag ? s->v[i].etag : "");
	}
	if (!rc)
		rc = sl_s3_download_open(fs->s3, objs, s->n, &s->dl, &err);
	for (size_t i = 0; objs && i < s->n; i++)
		sl_free(objs[i].key);
	sl_free(objs);
	if (rc == SL_ENOMEM)
		return sl_pipeline_fail(fs->inst->pipe, rc, "out of memory");
	if (rc)
		return files_input_fail(fs, rc, &err);
	files_download_reserve(fs);
	return 0;
}

static int dir_run(struct files_source *fs)
{
	struct dir_reader *s = fs->state;
	int rc;
	if (fs->s3 && (rc = dir_s3_start(fs, s)) != 0)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		const struct dir_entry *e = &s->v[i];
		const char *name = e->name;
		struct stat st;
		enum sl_file_kind kind = SL_FILE_DATA;
		if (sl_pipeline_cancelled(fs->inst->pipe))
			return SL_ECANCEL;
		if (fs->s3 && i > 0)
			sl_s3_download_next(s->dl);
		if (!fs->s3 && fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			return sl_pipeline_fail(fs->inst->pipe, SL_EIO, "%s: entry '%s': %s",
			                        s->path, name, strerror(errno));
		uint64_t size = fs->s3 ? e->size : (uint64_t)st.st_size;
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

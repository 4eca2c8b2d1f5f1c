/* progress.c - the loader's resume file: what is done, one JSON line each.
 *
 *   {"event":"start","time":"2026-11-21T03:20:00Z"}
 *   {"event":"started","file":"shop.orders.00003.sql"}
 *   {"event":"done","file":"shop.orders.00003.sql"}
 *   {"event":"end","status":"ok"}
 *
 * Lines are written and read with json-c.  Each is appended with one
 * write() on an O_APPEND descriptor, so executor threads share it without
 * a lock and a crash leaves at most one torn last line (ignored when
 * reading); the "started" lines of a transaction reach the disk before it
 * runs, so no commit can be without its record.  --resume reads the file
 * back: "done" files are skipped; a file "started" but not "done" may or
 * may not have committed when the load died.  In a table with a primary
 * or unique key it runs again with INSERT IGNORE, which keeps what did
 * commit; a table without one cannot tell its rows apart, so it is emptied
 * and loaded again whole (loader.c) rather than given duplicates. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/map.h"
#include "engine/pipeline.h"
#include "format/fname.h"
#include "loader.h"

/* Raise the state of file 'name' to 'state'.  0 or SL_ENOMEM. */
static int set_put(struct sl_map *files, const char *name, int state)
{
	uintptr_t old = (uintptr_t)sl_map_get(files, name, strlen(name));
	if (old >= (uintptr_t)state)
		return 0;
	return sl_map_put(files, name, strlen(name), (void *)(uintptr_t)state);
}

int loader_file_state(const struct loader *l, const char *name)
{
	return (int)(uintptr_t)sl_map_get(&l->files, name, strlen(name));
}

bool loader_table_unconfirmed(const struct loader *l, const char *db, const char *table)
{
	return sl_map_get2(&l->unconfirmed, db, table) != NULL;
}

/* Remember the tables of files started but not confirmed. */
static int note_unconfirmed(struct loader *l)
{
	struct sl_buf db = SL_BUF_INIT, tbl = SL_BUF_INIT;
	struct sl_map_entry *e;
	size_t pos = 0, n = 0;
	int rc = 0;
	while (!rc && (e = sl_map_next(&l->files, &pos)) != NULL) {
		enum sl_file_kind kind;
		if ((uintptr_t)e->value != LOADER_FILE_STARTED)
			continue;
		n++;
		if (sl_fname_classify(e->key, &kind, &db, &tbl) == 0 && tbl.len)
			rc = sl_map_put2(&l->unconfirmed, db.data, tbl.data, (void *)1);
	}
	sl_buf_free(&db);
	sl_buf_free(&tbl);
	return rc ? rc : (int)(n > INT32_MAX ? INT32_MAX : n);
}

static int read_previous(struct loader *l, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return sl_pipeline_fail(l->inst->pipe, SL_EIO, "--resume: cannot read %s: %s", path,
		                        strerror(errno));
	char line[4096];
	size_t done = 0;
	int rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n'))
			break; /* a torn last line: the load died while writing it */
		struct json_object *o = json_tokener_parse(line), *ev, *file;
		if (o && json_object_object_get_ex(o, "event", &ev) &&
		    json_object_object_get_ex(o, "file", &file) &&
		    json_object_is_type(file, json_type_string)) {
			const char *event = json_object_get_string(ev);
			const char *name = json_object_get_string(file);
			if (!strcmp(event, "done")) {
				rc = set_put(&l->files, name, LOADER_FILE_DONE);
				done++;
			} else if (!strcmp(event, "started")) {
				rc = set_put(&l->files, name, LOADER_FILE_STARTED);
			}
		}
		json_object_put(o);
	}
	fclose(f);
	int redo = rc ? rc : note_unconfirmed(l);
	if (rc || redo < 0)
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	sl_instance_log(l->inst, SL_LOG_INFO,
	                "resuming: %zu files done, %d started but unconfirmed (run again with "
	                "INSERT IGNORE, or their table loaded again when it has no key)",
	                done, redo);
	return 0;
}

/* Append the JSON line of object 'o' (taken).  0 or SL_EIO through the
 * pipeline. */
static int put_line(struct loader *l, struct json_object *o)
{
	if (!o)
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	struct sl_buf b = SL_BUF_INIT;
	int rc = sl_buf_printf(&b, "%s\n",
	                       json_object_to_json_string_ext(
	                           o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (rc) {
		sl_buf_free(&b);
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	}
	ssize_t w;
	do
		w = write(l->progress_fd, b.data, b.len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)b.len)
		rc = sl_pipeline_fail(l->inst->pipe, SL_EIO, "--progress-file %s: write failed: %s",
		                      l->cfg->progress_file,
		                      w < 0 ? strerror(errno) : "short write");
	sl_buf_free(&b);
	return rc;
}

/* {"event": EVENT, KEY: VALUE} */
static struct json_object *event(const char *name, const char *key, const char *value)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "event", json_object_new_string(name));
		json_object_object_add(o, key, json_object_new_string(value));
	}
	return o;
}

int loader_progress_open(struct loader *l)
{
	const char *path = l->cfg->progress_file;
	l->progress_fd = -1;
	if (!path) {
		if (l->cfg->resume)
			return sl_pipeline_fail(
			    l->inst->pipe, SL_EUSAGE,
			    "--resume needs --progress-file, the file of the load "
			    "to continue");
		return 0;
	}
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (l->cfg->resume) {
		int rc = exists ? read_previous(l, path) : 0;
		if (rc)
			return rc;
	} else if (exists && st.st_size > 0) {
		return sl_pipeline_fail(l->inst->pipe, SL_EREFUSED,
		                        "--progress-file %s holds an earlier load: add --resume to "
		                        "continue it, or remove the file",
		                        path);
	}
	l->progress_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (l->progress_fd < 0)
		return sl_pipeline_fail(l->inst->pipe, SL_EIO, "--progress-file %s: %s", path,
		                        strerror(errno));
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return put_line(l, event(l->cfg->resume ? "resume" : "start", "time", ts));
}

int loader_progress_file(struct loader *l, const char *what, const char *name)
{
	if (l->progress_fd < 0)
		return 0;
	return put_line(l, event(what, "file", name));
}

int loader_progress_sync(struct loader *l)
{
	if (l->progress_fd < 0 || fdatasync(l->progress_fd) == 0 || errno == EINVAL)
		return 0;
	return sl_pipeline_fail(l->inst->pipe, SL_EIO, "--progress-file %s: %s",
	                        l->cfg->progress_file, strerror(errno));
}

void loader_progress_close(struct loader *l, bool ok)
{
	if (l->progress_fd < 0)
		return;
	if (ok)
		put_line(l, event("end", "status", "ok"));
	fsync(l->progress_fd);
	close(l->progress_fd);
	l->progress_fd = -1;
}

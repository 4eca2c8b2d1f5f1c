/* progress.c - the loader's resume file: what is done, one JSON line each.
 *
 *   {"event":"start","time":"2026-11-21T03:20:00Z"}
 *   {"event":"started","file":"shop.orders.00003.sql"}
 *   {"event":"done","file":"shop.orders.00003.sql"}
 *   {"event":"end","status":"ok"}
 *
 * Lines are appended with one write() each on an O_APPEND descriptor, so
 * executor threads share it without a lock and a crash leaves at most one
 * torn last line (ignored when reading).  File names come from the stream
 * (filename-encoded: [A-Za-z0-9_@.-]), so they need no JSON escaping.
 * --resume reads the file back: "done" files are skipped; files "started"
 * but not "done" may or may not have committed when the load died, so they
 * run again with INSERT IGNORE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/map.h"
#include "engine/pipeline.h"
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

/* The value of "key":"..." in a line we wrote, into out (size outsize). */
static bool field(const char *line, const char *key, char *out, size_t outsize)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	const char *end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= outsize)
		return false;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return true;
}

static int read_previous(struct loader *l, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return sl_pipeline_fail(l->inst->pipe, SL_EUSAGE, "--resume: cannot read %s: %s",
		                        path, strerror(errno));
	char line[2048];
	size_t done = 0;
	int rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		char event[16], file[1200];
		if (!strchr(line, '\n'))
			break; /* a torn last line: the load died while writing it */
		if (!field(line, "event", event, sizeof(event)) ||
		    !field(line, "file", file, sizeof(file)))
			continue;
		if (!strcmp(event, "done")) {
			rc = set_put(&l->files, file, LOADER_FILE_DONE);
			done++;
		} else if (!strcmp(event, "started")) {
			rc = set_put(&l->files, file, LOADER_FILE_STARTED);
		}
	}
	fclose(f);
	if (rc)
		return sl_pipeline_fail(l->inst->pipe, SL_ENOMEM, "out of memory");
	size_t redo = 0, pos = 0;
	struct sl_map_entry *e;
	while ((e = sl_map_next(&l->files, &pos)) != NULL)
		redo += (uintptr_t)e->value == LOADER_FILE_STARTED;
	sl_instance_log(l->inst, SL_LOG_INFO,
	                "resuming: %zu files done, %zu started but unconfirmed (run again with "
	                "INSERT IGNORE)",
	                done, redo);
	return 0;
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
		return sl_pipeline_fail(l->inst->pipe, SL_EUSAGE,
		                        "--progress-file %s holds an earlier load: add --resume to "
		                        "continue it, or remove the file",
		                        path);
	}
	l->progress_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (l->progress_fd < 0)
		return sl_pipeline_fail(l->inst->pipe, SL_EUSAGE, "--progress-file %s: %s", path,
		                        strerror(errno));
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char line[96];
	snprintf(line, sizeof(line), "{\"event\":\"%s\",\"time\":\"%s\"}\n",
	         l->cfg->resume ? "resume" : "start", ts);
	return loader_progress_line(l, line);
}

int loader_progress_line(struct loader *l, const char *line)
{
	if (l->progress_fd < 0)
		return 0;
	size_t n = strlen(line);
	ssize_t w;
	do
		w = write(l->progress_fd, line, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n)
		return sl_pipeline_fail(
		    l->inst->pipe, SL_EIO, "--progress-file %s: write failed: %s",
		    l->cfg->progress_file, w < 0 ? strerror(errno) : "short write");
	return 0;
}

int loader_progress_file(struct loader *l, const char *event, const char *name)
{
	if (l->progress_fd < 0)
		return 0;
	char line[1300];
	snprintf(line, sizeof(line), "{\"event\":\"%s\",\"file\":\"%s\"}\n", event, name);
	return loader_progress_line(l, line);
}

void loader_progress_close(struct loader *l, bool ok)
{
	if (l->progress_fd < 0)
		return;
	if (ok)
		loader_progress_line(l, "{\"event\":\"end\",\"status\":\"ok\"}\n");
	fsync(l->progress_fd);
	close(l->progress_fd);
	l->progress_fd = -1;
}

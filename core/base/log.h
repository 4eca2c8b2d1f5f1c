/* log.h - logs and the progress line, on stderr only.
 *
 * Data goes to stdout and everything else here, never mixed.  Text lines
 * are `sluice: [who: ]message`; errors `sluice: error: message`.  With
 * --log-format json each line is one JSON object {"ts","level","who","msg"}.
 * On a terminal a single progress line is redrawn in place; log lines clear
 * it first.  A struct sl_log is owned by the command that runs a pipeline. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

enum sl_log_level { SL_LOG_ERROR = 0, SL_LOG_WARN = 1, SL_LOG_INFO = 2, SL_LOG_DEBUG = 3 };

struct sl_log {
	enum sl_log_level level; /* messages above it are dropped */
	bool json;
	FILE *out;
	pthread_mutex_t lock;
	bool status_shown; /* a progress line is on screen */
};

void sl_log_init(struct sl_log *log, enum sl_log_level level, bool json, FILE *out);
void sl_log_destroy(struct sl_log *log);

/* Log one line.  'who' names the plugin instance (NULL for the core). */
void sl_logf(struct sl_log *log, enum sl_log_level level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sl_vlogf(struct sl_log *log, enum sl_log_level level, const char *who, const char *fmt,
              va_list ap) __attribute__((format(printf, 4, 0)));

/* A number that JSON lines carry as such ("rows": 1200). */
struct sl_log_field {
	const char *key;
	double value;
};

/* Log a line with numbers: a text line shows the message only, a JSON
 * line also each field. */
void sl_log_fields(struct sl_log *log, enum sl_log_level level, const char *who,
                   const struct sl_log_field *fields, size_t nfields, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* A progress report as a line of its own, whatever the level: for a log
 * that is not a terminal ("sluice: progress: ...") or JSON ("level":
 * "progress", with the fields). */
void sl_log_progress(struct sl_log *log, const struct sl_log_field *fields, size_t nfields,
                     const char *text);

/* Draw (or with NULL, erase) the progress line.  Text mode on a tty only;
 * the caller decides whether progress is wanted. */
void sl_log_status(struct sl_log *log, const char *line);

/* Append 's' to 'out' as the inside of a JSON string (no quotes). */
struct sl_buf;
int sl_json_escape(struct sl_buf *out, const char *s);

/* Format "12.3 MiB" style sizes into buf. */
void sl_format_bytes(char *buf, unsigned long size, double bytes);

#endif

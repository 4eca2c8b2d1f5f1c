/* log.c - stderr logging in text or JSON, and the redrawn progress line. */
#include "base/log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void sl_log_init(struct sl_log *log, enum sl_log_level level, bool json, FILE *out)
{
	log->level = level;
	log->json = json;
	log->out = out;
	log->status_shown = false;
	pthread_mutex_init(&log->lock, NULL);
}

void sl_log_destroy(struct sl_log *log)
{
	sl_log_status(log, NULL);
	pthread_mutex_destroy(&log->lock);
}

int sl_json_escape(struct sl_buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int rc;
		if (c == '"' || c == '\\')
			rc = sl_buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			rc = sl_buf_printf(out, "\\u%04x", c);
		else
			rc = sl_buf_putc(out, (char)c);
		if (rc)
			return rc;
	}
	return 0;
}

/* Erase the progress line; caller holds the lock. */
static void clear_status_locked(struct sl_log *log)
{
	if (log->status_shown) {
		fputs("\r\033[K", log->out);
		log->status_shown = false;
	}
}

/* One line: text ("sluice: [who: ]msg", errors and warnings marked) or a
 * JSON object with the fields as numbers. */
static void emit(struct sl_log *log, const char *level, const char *who, const char *msg,
                 const struct sl_log_field *fields, size_t nfields)
{
	struct sl_buf line = SL_BUF_INIT;
	if (log->json) {
		struct timeval tv;
		struct tm tm;
		char ts[40];
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		sl_buf_printf(&line, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\"", ts,
		              (int)(tv.tv_usec / 1000), level);
		if (who) {
			sl_buf_puts(&line, ",\"who\":\"");
			sl_json_escape(&line, who);
			sl_buf_putc(&line, '"');
		}
		sl_buf_puts(&line, ",\"msg\":\"");
		sl_json_escape(&line, msg);
		sl_buf_putc(&line, '"');
		for (size_t i = 0; i < nfields; i++) {
			double v = fields[i].value;
			/* Whole numbers as integers, others with what matters. */
			if (v == (double)(long long)v && v < 9.0e15 && v > -9.0e15)
				sl_buf_printf(&line, ",\"%s\":%lld", fields[i].key, (long long)v);
			else if (v >= 1e6 || v <= -1e6)
				sl_buf_printf(&line, ",\"%s\":%.0f", fields[i].key, v);
			else
				sl_buf_printf(&line, ",\"%s\":%.3f", fields[i].key, v);
		}
		sl_buf_puts(&line, "}\n");
	} else if (!strcmp(level, "error")) {
		sl_buf_printf(&line, "sluice: error: %s\n", msg);
	} else if (!strcmp(level, "warning")) {
		sl_buf_printf(&line, "sluice: warning: %s%s%s\n", who ? who : "", who ? ": " : "",
		              msg);
	} else {
		sl_buf_printf(&line, "sluice: %s%s%s\n", who ? who : "", who ? ": " : "", msg);
	}

	pthread_mutex_lock(&log->lock);
	clear_status_locked(log);
	if (line.data)
		fputs(line.data, log->out);
	else /* out of memory: still say something */
		fprintf(log->out, "sluice: %s\n", msg);
	fflush(log->out);
	pthread_mutex_unlock(&log->lock);
	sl_buf_free(&line);
}

static void format_msg(char *msg, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(msg, size, fmt, ap);
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
}

void sl_vlogf(struct sl_log *log, enum sl_log_level level, const char *who, const char *fmt,
              va_list ap)
{
	if (level > log->level)
		return;
	char msg[2048];
	format_msg(msg, sizeof(msg), fmt, ap);
	emit(log, level_names[level], who, msg, NULL, 0);
}

void sl_log_fields(struct sl_log *log, enum sl_log_level level, const char *who,
                   const struct sl_log_field *fields, size_t nfields, const char *fmt, ...)
{
	if (level > log->level)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	format_msg(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(log, level_names[level], who, msg, fields, nfields);
}

void sl_log_progress(struct sl_log *log, const struct sl_log_field *fields, size_t nfields,
                     const char *text)
{
	emit(log, "progress", log->json ? NULL : "progress", text, fields, nfields);
}

void sl_logf(struct sl_log *log, enum sl_log_level level, const char *who, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_vlogf(log, level, who, fmt, ap);
	va_end(ap);
}

void sl_log_status(struct sl_log *log, const char *line)
{
	pthread_mutex_lock(&log->lock);
	clear_status_locked(log);
	if (line) {
		fputs(line, log->out);
		log->status_shown = true;
	}
	fflush(log->out);
	pthread_mutex_unlock(&log->lock);
}

void sl_format_bytes(char *buf, unsigned long size, double bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

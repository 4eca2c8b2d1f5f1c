/* error.h - status codes and the one-line error message that goes with them.
 *
 * Functions return 0 or a negative SL_E* code.  The message lives in a
 * struct sl_error owned by whoever reports (a pipeline, a plugin instance, a
 * parser); the first error set wins and later ones are ignored, as in curl's
 * failf.  Messages are one line: newlines in foreign text are replaced. */
#ifndef SL_ERROR_H
#define SL_ERROR_H

#include <stdarg.h>

enum {
	SL_OK = 0,
	SL_ENOMEM = -1,    /* allocation failed */
	SL_EUSAGE = -2,    /* bad command line, option or input given by the user */
	SL_EIO = -3,       /* read/write failure (includes EPIPE) */
	SL_EDB = -4,       /* database server error */
	SL_ECANCEL = -5,   /* the run was cancelled (signal or another error) */
	SL_EFORMAT = -6,   /* malformed input data (stream, archive) */
	SL_ECLOSED = -7,   /* ring closed: no more data; not an error for consumers */
	SL_ELUA = -8,      /* error in a Lua script */
	SL_EINTERNAL = -9, /* a bug: an invariant did not hold */
	SL_EREFUSED = -10  /* the world is not as the run needs it: a table that is
	                      not there, a target that exists (exit 1, not 2) */
};

#define SL_ERROR_MAX 1024

struct sl_error {
	int code;               /* 0 while no error is set */
	char msg[SL_ERROR_MAX]; /* one line, NUL-terminated */
};

/* Set the error unless one is already set.  Returns 'code' so callers can
 * write `return sl_error_set(err, SL_EIO, "...")`.  Not thread-safe: shared
 * errors (the pipeline's) are guarded by their owner. */
int sl_error_set(struct sl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sl_error_vset(struct sl_error *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Copy 'src' into 'dst' unless dst already holds an error. */
void sl_error_copy(struct sl_error *dst, const struct sl_error *src);

void sl_error_clear(struct sl_error *err);

/* Short name of a status code ("out of memory", "I/O error", ...). */
const char *sl_strerror(int code);

/* Process exit code for a status: 0 ok, 2 usage, 1 anything else. */
int sl_exit_code(int code);

#endif

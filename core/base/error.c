/* error.c - first-error-wins messages and status code names. */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

int sl_error_vset(struct sl_error *err, int code, const char *fmt, va_list ap)
{
	if (!err || err->code != 0)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	/* Foreign text (server messages, paths) may carry newlines: keep one line. */
	for (char *c = err->msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return code;
}

int sl_error_set(struct sl_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void sl_error_copy(struct sl_error *dst, const struct sl_error *src)
{
	if (dst->code == 0 && src->code != 0)
		*dst = *src;
}

void sl_error_clear(struct sl_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

const char *sl_strerror(int code)
{
	switch (code) {
	case SL_OK:
		return "success";
	case SL_ENOMEM:
		return "out of memory";
	case SL_EUSAGE:
		return "usage error";
	case SL_EIO:
		return "I/O error";
	case SL_EDB:
		return "database error";
	case SL_ECANCEL:
		return "cancelled";
	case SL_EFORMAT:
		return "malformed input";
	case SL_ECLOSED:
		return "closed";
	case SL_ELUA:
		return "script error";
	case SL_EINTERNAL:
		return "internal error";
	case SL_EREFUSED:
		return "refused";
	default:
		return "unknown error";
	}
}

int sl_exit_code(int code)
{
	if (code == SL_OK)
		return 0;
	return code == SL_EUSAGE ? 2 : 1;
}

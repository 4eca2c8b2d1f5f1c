/* input.c - opening a source's input (see input.h). */
#define _GNU_SOURCE /* F_SETPIPE_SZ, F_GETPIPE_SZ */
#include "base/input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sl_pipe_widen(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < (1 << 20))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20); /* a limit of the system: kept as it is */
#else
	(void)fd;
#endif
}

int sl_input_open(const char *path, const char *tty_hint, const char *dir_hint, int *fd,
                  bool *owned, struct sl_error *err)
{
	*owned = false;
	if (!strcmp(path, "-")) {
		if (isatty(STDIN_FILENO))
			return sl_error_set(err, SL_EUSAGE, "standard input is a terminal; %s",
			                    tty_hint);
		*fd = STDIN_FILENO;
		sl_pipe_widen(*fd);
		return 0;
	}
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (a cancel could
	 * not interrupt it); reads wait in poll(). */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0) {
		int e = errno;
		return sl_error_set(err, SL_EIO, "cannot open '%s': %s", path, strerror(e));
	}
	*owned = true;
	struct stat st;
	if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode))
		return sl_error_set(err, SL_EUSAGE, "'%s' is a directory%s", path, dir_hint);
	sl_pipe_widen(*fd);
	return 0;
}

/* input.h - opening what a source reads: a file, a FIFO, or standard input
 * ("-"), as the stream and archive sources do.  Non-blocking, so opening a
 * FIFO never waits for a writer and reads can wait in poll() (wakeup.h). */
#ifndef SL_INPUT_H
#define SL_INPUT_H

#include <stdbool.h>

#include "base/error.h"

/* Open 'path' ("-": standard input, refused when it is a terminal, with
 * 'tty_hint' in the message; a directory is refused with 'dir_hint').
 * *fd is the descriptor, *owned whether the caller must close it.  0, or
 * SL_EUSAGE / SL_EIO with a one-line message in 'err'. */
int sl_input_open(const char *path, const char *tty_hint, const char *dir_hint, int *fd,
                  bool *owned, struct sl_error *err);

/* A pipe's buffer made 1 MiB (Linux's default for unprivileged processes'
 * maximum) when fd is one: between a dump and a load on two cores, 64 KiB
 * turns cost each side about a second of system CPU per 760 MiB in
 * wakeups.  Anything else, or a system that refuses, is left as it is. */
void sl_pipe_widen(int fd);

#endif

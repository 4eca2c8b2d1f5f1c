/* wakeup.h - a self-pipe that makes a reader blocked on an input return:
 * a source waits for its input with sl_wakeup_wait(), and its interrupt()
 * (any thread, even a signal handler) calls sl_wakeup_signal(). */
#ifndef SL_WAKEUP_H
#define SL_WAKEUP_H

struct sl_wakeup {
	int fd[2]; /* [0] polled by the reader, [1] written by signal(); -1: closed */
};

/* Create the pipe (both ends non-blocking, close-on-exec).  0, or -1 with
 * errno set (the wakeup can still be closed). */
int sl_wakeup_open(struct sl_wakeup *w);

/* Wake the reader.  Async-signal-safe; never blocks (a full pipe is
 * readable already).  A closed wakeup is ignored. */
void sl_wakeup_signal(struct sl_wakeup *w);

/* Wait until 'fd' is readable (data, end of input, or an error read()
 * will report): 0.  1 when woken.  -1 with errno when poll() failed. */
int sl_wakeup_wait(struct sl_wakeup *w, int fd);

void sl_wakeup_close(struct sl_wakeup *w);

#endif

/* wakeup.c - a self-pipe for interruptible reads (see wakeup.h). */
#include "base/wakeup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

int sl_wakeup_open(struct sl_wakeup *w)
{
	w->fd[0] = w->fd[1] = -1;
	if (pipe(w->fd) != 0)
		return -1;
	/* Non-blocking: signal() must never block on a full pipe. */
	for (int i = 0; i < 2; i++)
		if (fcntl(w->fd[i], F_SETFD, FD_CLOEXEC) != 0 ||
		    fcntl(w->fd[i], F_SETFL, O_NONBLOCK) != 0)
			return -1;
	return 0;
}

void sl_wakeup_signal(struct sl_wakeup *w)
{
	char c = 1;
	if (w->fd[1] >= 0 && write(w->fd[1], &c, 1) < 0) {
		/* full: already readable */
	}
}

int sl_wakeup_wait(struct sl_wakeup *w, int fd)
{
	struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN}, {.fd = w->fd[0], .events = POLLIN}};
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents)
			return 1;
		if (pfd[0].revents)
			return 0;
	}
}

void sl_wakeup_close(struct sl_wakeup *w)
{
	for (int i = 0; i < 2; i++) {
		if (w->fd[i] >= 0)
			close(w->fd[i]);
		w->fd[i] = -1;
	}
}

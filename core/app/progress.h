/* progress.h - the progress line on a terminal: tables, rows, bytes, rate, ETA.
 *
 * A small thread wakes twice a second (or when stopped) and redraws the
 * line through the log, so log lines and progress never garble each other. */
#ifndef SL_PROGRESS_H
#define SL_PROGRESS_H

struct sl_pipeline;
struct sl_progress;

/* Start reporting on 'p' when its options want a progress line (stderr a
 * terminal, not -q...).  NULL when not wanted or it could not start (no
 * progress is shown then; that is not an error). */
struct sl_progress *sl_progress_start(struct sl_pipeline *p);

/* Stop the thread, erase the line, free.  NULL is fine. */
void sl_progress_stop(struct sl_progress *pr);

#endif

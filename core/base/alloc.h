/* alloc.h - the one allocation wrapper of sluice.
 *
 * Every allocation goes through these functions so that tests can make the
 * Nth allocation fail and walk each out-of-memory path (SQLite's fault
 * simulator, curl's torture tests).  They return NULL on failure and never
 * abort; callers turn NULL into SL_ENOMEM. */
#ifndef SL_ALLOC_H
#define SL_ALLOC_H

#include <stddef.h>

void *sl_malloc(size_t n);
void *sl_calloc(size_t nmemb, size_t size);
void *sl_realloc(void *p, size_t n);
char *sl_strdup(const char *s);
char *sl_strndup(const char *s, size_t n);
void sl_free(void *p);

/* Blocks of 256 KiB and more (file bodies) come from the system and go
 * back to it when freed, instead of glibc's default of keeping them in the
 * heap once one was freed; the last two freed of at most max bytes are
 * kept for the next allocations of about their size (count 2 x max in the
 * caller's memory budget).  For a process whose big blocks are freed in
 * another order than they were made (the loader's files, finished by
 * several executors): there the heap fragments and its peak grows far
 * past what is live (89 MiB instead of 50 in a load at the default
 * --buffer).  A new mapping costs a page fault per 4 KiB: the blocks kept
 * spare a load of 760 MiB about 185,000 of them (0.3 s of its CPU); two,
 * because a renamed file is copied once (the reader's body and its copy).
 * Process-wide; a no-op without glibc. */
void sl_alloc_large_recycled(size_t max);

/* Fault injection: after 'n' more successful allocations, every allocation
 * fails until sl_alloc_fail_after(-1) turns it off.  n < 0 disables.  The
 * counter is process-wide and atomic: it is a test facility, not state of a
 * run.  main() reads SLUICE_FAIL_ALLOC=N from the environment. */
void sl_alloc_fail_after(long n);

/* Number of allocations that failed through fault injection so far. */
long sl_alloc_failures(void);

#endif

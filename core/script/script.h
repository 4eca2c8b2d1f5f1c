/* script.h - the Lua host: one sandboxed Lua 5.4 state running a user script.
 *
 * A script adds hooks to a run (sluice dump --script FILE) or defines a
 * whole job (sluice run JOB.lua).  Each state opens only the base, table,
 * string, math and utf8 libraries; loads text chunks only; reaches
 * sluice's own modules in scripts/ through a restricted require(); and
 * runs under a memory cap (a counting lua_Alloc) and an instruction budget
 * per call (a count hook).  Every error comes back as one line naming
 * script:line, the hook and the table.
 *
 * Threads: a state belongs to one thread.  The pipeline keeps one state
 * for per-table hooks (main thread) and one per worker for transform().
 * The hooks themselves are in script_hooks.c, the table descriptions Lua
 * sees in script_table.c, row batches in script_rows.c. */
#ifndef SL_SCRIPT_H
#define SL_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct lua_State;
struct sl_log;
struct sl_rowset;
struct sl_table;

struct sl_strlist;

struct sl_script_opts {
	uint64_t memory;                 /* bytes one state may hold */
	uint64_t budget;                 /* Lua instructions one call may run */
	const struct sl_strlist *params; /* KEY=VALUE strings: sluice.params; may be NULL */
	bool any_param;                  /* absent params read as "" (checking a profile) */
};

struct sl_script {
	struct lua_State *L;
	char *path;   /* the script file, for messages */
	size_t used;  /* bytes allocated by this state */
	size_t limit; /* memory cap */
	bool over_memory;
	char where[160];                 /* "file:line: " last seen by the count hook */
	uint64_t budget;                 /* instructions per call */
	int64_t budget_left;             /* of the current call */
	struct sl_log *log;              /* print() and sluice.log() go here; borrowed */
	const struct sl_strlist *params; /* borrowed, during sl_script_open() */
	bool any_param;
	/* Context of the current call, for messages. */
	const char *hook;
	const struct sl_table *table;
	/* Scratch for transform(): the rows' replacement (script_rows.c). */
	struct sl_rowset *scratch;
};

/* Load and run 'path' (its top level) in a new sandboxed state.  On error
 * returns SL_ELUA (or SL_EUSAGE when the file cannot be read, SL_ENOMEM)
 * with a one-line message in 'err' and *out NULL.  'log' is borrowed. */
int sl_script_open(struct sl_script **out, const char *path, const struct sl_script_opts *lim,
                   struct sl_log *log, struct sl_error *err);
void sl_script_close(struct sl_script *s);

/* Is the global 'name' set to a function (or, for 'tables' and 'columns',
 * a table)? */
bool sl_script_has(struct sl_script *s, const char *name);

/* Call the function on the stack below 'nargs' arguments with the budget
 * reset, as hook 'hook' for table 't' (either may be NULL).  On error the
 * stack is popped and the message, naming script:line, the hook and the
 * table, is in 'err'; returns SL_ELUA.  On success 'nres' results are left
 * on the stack. */
int sl_script_call(struct sl_script *s, int nargs, int nres, const char *hook,
                   const struct sl_table *t, struct sl_error *err);

/* Set 'err' to a message about the hook's return value ("where(): expected a
 * string or nil, got table") with the table named.  Returns SL_ELUA. */
int sl_script_bad_result(struct sl_script *s, struct sl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* script_lib.c: the 'sluice' global (keyed hashes, logging) and print(). */
void sl_script_open_lib(struct sl_script *s);

/* SipHash-2-4 of 'data' under a 16-byte key derived from 'key' (any
 * length): the keyed PRF behind sluice.hash(). */
uint64_t sl_siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len);
uint64_t sl_script_keyed_hash(const char *key, size_t keylen, const char *data, size_t len);

#endif

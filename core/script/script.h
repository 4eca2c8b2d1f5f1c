/* script.h - the Lua host: one sandboxed Lua 5.4 state running a user script.
 *
 * A script adds hooks to a run (sluice dump --script FILE) or defines a
 * whole job (sluice run JOB.lua).  Each state opens only the base, table,
 * string, math and utf8 libraries; loads text chunks only; reaches
 * sluice's own modules in scripts/ through a restricted require(); and
 * runs under a memory cap (a counting lua_Alloc), an instruction budget
 * and a wall-clock limit per call (a count hook), and a stop flag the
 * owner raises to cancel.  A budget or time error cannot be caught by the
 * script's pcall (the hook raises again at every instruction until the
 * call ends); finalizers (__gc), in which hooks do not run, are refused;
 * pattern matching runs on PCRE2 with limits (script_pattern.c).  All
 * work with the Lua API happens inside protected calls
 * (sl_script_invoke), so no script can reach the panic handler, which is
 * there only to say so if a bug ever does.  Every error comes back as one
 * line naming script:line, the hook and the table.
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

#include <stdatomic.h>
#include <time.h>

struct lua_State;
struct sl_log;
struct sl_pattern_cache;
struct sl_rowset;
struct sl_table;

struct sl_strlist;

/* A source's read-only queries, for sluice.query() (script_query.c).  The
 * SQL handed to run() has passed sl_sql_check_select(); run() executes it
 * inside the run's snapshot with at most 'timeout_ms' of server time (0:
 * no limit) and calls row() once with the column names (values NULL),
 * then once per row (values NULL where SQL NULL); 'ints' (may be NULL)
 * says which columns are of an integer type, the same array at every
 * call.  A non-zero row() result stops the query and is returned; any
 * other failure is SL_E* with a one-line message in 'err'. */
typedef int (*sl_script_row_fn)(void *cb, unsigned ncols, const char *const *names,
                                const bool *ints, char **values, const unsigned long *lens);
struct sl_script_query {
	int (*run)(void *ud, const char *sql, size_t len, uint64_t timeout_ms, sl_script_row_fn row,
	           void *cb, struct sl_error *err);
	/* Optional (NULL: one query at a time): 'slots' connections in the same
	 * snapshot; send() starts a query on one without waiting, read() then
	 * streams its rows to 'row' (NULL: reads them away).  Every send() is
	 * followed by one read() of its slot. */
	int (*send)(void *ud, unsigned slot, const char *sql, size_t len, uint64_t timeout_ms,
	            struct sl_error *err);
	int (*read)(void *ud, unsigned slot, sl_script_row_fn row, void *cb, struct sl_error *err);
	unsigned slots;
	void *ud;
};

struct sl_script_opts {
	uint64_t memory;                 /* bytes one state may hold */
	uint64_t budget;                 /* Lua instructions one call may run */
	const struct sl_strlist *params; /* KEY=VALUE strings: sluice.params; may be NULL */
	bool any_param;                  /* absent params read as "" (checking a profile) */
	uint64_t timeout_ms;             /* wall time one call may take; 0: none */
	const atomic_bool *stop;         /* set: every call ends at once (cancel); may be NULL */
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
	uint64_t timeout_ms;             /* per call, 0: none */
	struct timespec deadline;        /* of the current call */
	const atomic_bool *stop;         /* borrowed; may be NULL */
	bool blown;                      /* a limit hit: the hook raises at every instruction */
	char blown_msg[200];             /* ... this message */
	struct sl_log *log;              /* print() and sluice.log() go here; borrowed */
	const struct sl_strlist *params; /* borrowed, during sl_script_open() */
	bool any_param;
	/* Context of the current call, for messages. */
	const char *hook;
	const struct sl_table *table;
	/* sluice.query(): the source's queries while per-table hooks are being
	 * planned, else NULL (borrowed; sl_script_set_query). */
	const struct sl_script_query *query;
	/* Scratch for transform(): the rows' replacement (script_rows.c). */
	struct sl_rowset *scratch;
	struct sl_pattern_cache *patterns; /* compiled patterns (script_pattern.c) */
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

/* Run body(L, ud) in a protected call with the budget and the clock reset,
 * as hook 'hook' for table 't' (either may be NULL).  Inside, body may use
 * any Lua API call and lua_call() the script's functions; a Lua error
 * anywhere ends it, and its message, naming script:line, the hook and the
 * table, goes into 'err' (SL_ELUA).  Otherwise returns body's status (0,
 * or an error it put in 'err').  The stack is as before. */
int sl_script_invoke(struct sl_script *s, const char *hook, const struct sl_table *t,
                     int (*body)(struct lua_State *L, void *ud), void *ud, struct sl_error *err);

/* Push global 'name' without metamethods (a script may give _G an __index
 * that raises); returns its type.  Inside sl_script_invoke() only. */
int sl_script_get_global(struct lua_State *L, const char *name);

/* [-0, +0, v] A limit was hit in C code the script called (a query past
 * the budget, a cancelled run): raise 'msg' so that no pcall of the
 * script catches it, as the count hook does. */
void sl_script_raise_limit(struct lua_State *L, const char *msg) __attribute__((noreturn));

/* Milliseconds left of the current call's --script-timeout (at least 1),
 * 0 when calls have no time limit; raises the timeout error when none is
 * left.  Inside sl_script_invoke() only. */
uint64_t sl_script_time_left(struct lua_State *L);

/* Charge 'n' instructions of work done in C to the current call's budget;
 * raises the budget error (uncatchable) when it is used up. */
void sl_script_charge(struct lua_State *L, uint64_t n);

/* [-0, +1, m] A to-be-closed userdata holding an empty struct sl_buf, for
 * C functions that build a result with sl_buf calls: the buffer is freed
 * when the function returns or an error unwinds it. */
struct sl_buf *sl_script_push_buf(struct lua_State *L);

/* Set 'err' to a message about the hook's return value ("where(): expected a
 * string or nil, got table") with the table named.  Returns SL_ELUA. */
int sl_script_bad_result(struct sl_script *s, struct sl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* script_lib.c: the 'sluice' global (keyed hashes, logging) and print(). */
void sl_script_open_lib(struct sl_script *s);

/* script_query.c: sluice.query() and sluice.sql_value() into the table on
 * top of the stack.  sl_script_set_query() lends the state a source's
 * queries (NULL takes them back). */
void sl_script_open_query(struct lua_State *L);
void sl_script_set_query(struct sl_script *s, const struct sl_script_query *q);

/* script_mask.c: what the masking kit (scripts/mask.lua) needs in C, into
 * the table on top of the stack. */
void sl_script_open_mask(struct lua_State *L);

/* script_pattern.c: string.find, match, gmatch and gsub on PCRE2 with
 * limits, in place of Lua's own; and the cache they keep. */
void sl_script_open_patterns(struct lua_State *L);
void sl_script_patterns_free(struct sl_pattern_cache *c);

/* SipHash-2-4 of 'data' under a 16-byte key derived from 'key' (any
 * length): the keyed PRF behind sluice.hash(). */
uint64_t sl_siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len);
uint64_t sl_script_keyed_hash(const char *key, size_t keylen, const char *data, size_t len);

#endif

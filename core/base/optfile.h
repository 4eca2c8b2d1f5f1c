/* optfile.h - option files in the syntax the mariadb client reads (my.cnf).
 *
 *   # or ; starts a comment line     [group]
 *   key                              key = value     key="quoted value"
 *   !include FILE                    !includedir DIR   (its *.cnf files, sorted)
 *
 * Keys are handed on with '_' turned into '-' (max_allowed_packet and
 * max-allowed-packet are one option), values with their quotes and the
 * escapes of the client (\n \t \r \b \s \" \' \\) resolved; a value that
 * is not quoted ends at a '#' that follows a blank.  A file is at most
 * SL_OPTFILE_MAX_BYTES, includes nest at most SL_OPTFILE_MAX_DEPTH deep:
 * past either, or on a line the syntax does not allow, an SL_EUSAGE error
 * "FILE:LINE: ...". */
#ifndef SL_OPTFILE_H
#define SL_OPTFILE_H

#include <stdbool.h>

#include "base/error.h"

#define SL_OPTFILE_MAX_BYTES (1024 * 1024)
#define SL_OPTFILE_MAX_DEPTH 10

/* One option: 'value' NULL when the line has no '='.  'where' is "FILE:LINE"
 * for messages.  A non-zero return stops the reading and is returned. */
typedef int (*sl_optfile_fn)(void *ud, const char *group, const char *key, const char *value,
                             const char *where, struct sl_error *err);

/* Read 'path' and every file it includes, calling 'fn' for each option in
 * file order.  A missing file is skipped unless 'must_exist' (then
 * SL_EUSAGE "cannot read option file ..."). */
int sl_optfile_read(const char *path, bool must_exist, sl_optfile_fn fn, void *ud,
                    struct sl_error *err);

#endif

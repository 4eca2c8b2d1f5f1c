/* definer.h - the DEFINER clause of an object's CREATE statement.
 *
 * Views, triggers, procedures, functions, packages and events are created
 * with the account that owns them: `CREATE DEFINER=`app`@`%` VIEW ...`.
 * Replaying that clause needs SUPER (MariaDB: SET USER) when the account is
 * not the loading user's own; without the clause the object belongs to
 * whoever creates it.  `dump --skip-definer` and `load --skip-definer`
 * leave it out.  Found in the statement's head only (before the object
 * keyword, outside quotes), also inside a versioned comment as mysqldump
 * writes it (slash-star-bang 50013 DEFINER=..., which then stays, empty),
 * so a body that mentions DEFINER= is never touched. */
#ifndef SL_DEFINER_H
#define SL_DEFINER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* Where the DEFINER clause of CREATE statement stmt[0..len) is: true with
 * stmt[*at .. *at + *n) (OUT) the clause and the blanks after it; false
 * for a statement that is not a CREATE or has no (well-formed) clause.
 * Cannot fail. */
bool sl_definer_find(const char *stmt, size_t len, size_t *at, size_t *n);

/* Append stmt[0..len) to 'out' without its DEFINER clause.  1 when one was
 * left out, 0 when there was none (appended unchanged), SL_ENOMEM. */
int sl_definer_strip(struct sl_buf *out, const char *stmt, size_t len);

#endif

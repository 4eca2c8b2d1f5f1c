#!/usr/bin/env bash
# gen_big.sh - make DB.t1m with ROWS rows (default 1,000,000) on test server
# NAME, fast: one INSERT ... SELECT from the Sequence engine, not logged to
# the binlog.  About 5 s per million rows on 2 cores; ~60 MB of InnoDB data,
# ~110 MB as SQL.  Integer primary key (id 1..ROWS), no secondary index.
#
#   SL_TEST_TMP=/tmp/sluice-tests-123 tests/data/gen_big.sh src big 1000000
#
# The server must have been started by tests/lib/server.sh under
# $SL_TEST_TMP.  TABLE (4th argument) overrides the table name t1m.
set -u -o pipefail
if [ $# -lt 2 ]; then
	echo "usage: $0 NAME DB [ROWS [TABLE]]" >&2
	exit 2
fi
name=$1 db=$2 rows=${3:-1000000} table=${4:-t1m}
case $rows in '' | *[!0-9]*)
	echo "$0: ROWS must be a number" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/server.sh
. "$here/../lib/server.sh"
: "${SL_TEST_TMP:?set SL_TEST_TMP to the directory of the test servers}"

server_client "$name" >/dev/null <<SQL
SET SESSION sql_log_bin = 0;
-- The test servers write their redo log about once a second
-- (innodb_flush_log_at_trx_commit=0); a server the tests kill right after
-- this would lose the rows in crash recovery.  This commit is written at
-- once.
SET GLOBAL innodb_flush_log_at_trx_commit = 1;
CREATE DATABASE IF NOT EXISTS \`$db\`;
USE \`$db\`;
DROP TABLE IF EXISTS \`$table\`;
CREATE TABLE \`$table\` (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  k INT NOT NULL,
  c CHAR(40) NOT NULL,
  pad VARCHAR(40) NOT NULL,
  amount DECIMAL(10,2) NOT NULL,
  ratio DOUBLE NOT NULL,
  created DATETIME NOT NULL
) ENGINE=InnoDB;
INSERT INTO \`$table\`
SELECT seq,
       (seq * 7919) % 1000003,
       LPAD(HEX(seq * 2654435761 % 4294967296), 40, 'abc'),
       CONCAT('pad-', seq % 1000, '-', REPEAT(CHAR(97 + seq % 26), seq % 17)),
       (seq % 100000) / 100,
       seq / 7,
       '2020-01-01 00:00:00' + INTERVAL seq SECOND
FROM seq_1_to_$rows;
SET GLOBAL innodb_flush_log_at_trx_commit = 0;
ANALYZE TABLE \`$table\`;
SQL

#!/usr/bin/env bash
# 97_myloader.sh - directories the peer tools read and write (issue 14):
#   * `dump -o DIR` writes trigger, routine, event and view files in the form
#     Debian's myloader 0.10 replays (no DELIMITER; a ';' ends a line only
#     at a statement's end), views after typed placeholder tables; myloader
#     restores a database with views on views, triggers, procedures,
#     functions and events with exit 0, no CRITICAL line, every object
#     present and doing what it did on the source; `load -d` reads the same
#     directory, directories of the earlier DELIMITER form, and mydumper's
#     (BEGIN ... END bodies included); the stream keeps DELIMITER;
#   * --skip-definer on both sides: a load as a user without SUPER or SET
#     USER fails on DEFINER= clauses, and succeeds (every object then
#     belongs to that user) with `dump --skip-definer` or with `load
#     --skip-definer` of a stream, an archive, a directory and a mydumper
#     directory;
#   * `dump -o DIR --compress gzip|zstd`: each file compressed on its own
#     (mydumper's .gz/.zst names), metadata and manifest plain; verify and
#     load -d read it (CHECKSUM TABLE equal, the fidelity corpus), also
#     mydumper -c's; the manifest's checksums are of the uncompressed files
#     (a file decompressed in place still verifies); a truncated .sql.zst,
#     a file that is not what its name says, or two files for one are
#     refused with one line; myloader restores a gzip directory; memory
#     stays bounded for big files.
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
need_sluice
need_server src dst

# The objects: a string with ';' at a line's end in a trigger, a function
# (also under NO_BACKSLASH_ESCAPES) and a routine's comment; comments that
# end in ';' (kept: --comments); a view on a view that sorts before it,
# one that needs its placeholder's real column types (ST_X); an event with
# a BEGIN ... END body.
t_begin "objects database peers_obj on src"
if server_client src --comments >"$T/setup.log" 2>&1 <<'SQL'; then t_pass; else t_fail "$(tail -n 3 "$T/setup.log")"; t_done; fi
DROP DATABASE IF EXISTS peers_obj;
CREATE DATABASE peers_obj;
USE peers_obj;
CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(200)) ENGINE=InnoDB;
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(200), ref INT) ENGINE=InnoDB;
CREATE TABLE g (id INT PRIMARY KEY, pt POINT NOT NULL) ENGINE=InnoDB;
INSERT INTO t VALUES (1, 'one'), (2, 'two');
INSERT INTO g VALUES (1, POINT(1, 2)), (2, POINT(3.5, -4));
SET SESSION sql_mode = DEFAULT;
DELIMITER $$
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW
BEGIN
  -- a comment that ends in a semicolon;
  SET NEW.note = CONCAT(IFNULL(NEW.note, ''), ' [line;
break]');
  INSERT INTO audit (what, ref) VALUES ('insert;', NEW.id);
END$$
CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW
  INSERT INTO audit (what, ref) VALUES ('update', NEW.id)$$
CREATE PROCEDURE p_count(OUT n INT)
  COMMENT 'counts;
rows'
BEGIN
  /* a block comment;
  over two lines */
  SELECT COUNT(*) INTO n FROM t;
END$$
CREATE FUNCTION f_text() RETURNS VARCHAR(100) CHARSET utf8mb4 DETERMINISTIC NO SQL
BEGIN
  DECLARE s VARCHAR(100) DEFAULT 'a;
b';
  RETURN CONCAT(s, ";
", 'c\';
d');
END$$
DELIMITER ;
SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';
DELIMITER $$
CREATE FUNCTION f_nbe() RETURNS VARCHAR(100) CHARSET utf8mb4 DETERMINISTIC NO SQL
BEGIN
  RETURN 'back\slash;
newline';
END$$
DELIMITER ;
SET SESSION sql_mode = DEFAULT;
DELIMITER $$
CREATE EVENT e_tidy ON SCHEDULE EVERY 1 HOUR STARTS '2031-01-01 00:00:00'
  ON COMPLETION PRESERVE DISABLE DO
BEGIN
  DELETE FROM audit WHERE id < 0;
  UPDATE t SET note = note WHERE id < 0;
END$$
DELIMITER ;
CREATE VIEW z_base AS SELECT id, note FROM t;
CREATE VIEW a_top AS SELECT id, UPPER(note) AS `loud note` FROM z_base WHERE id > 0;
CREATE VIEW z_geo AS SELECT id, pt FROM g;
CREATE VIEW a_geo AS SELECT id, ST_X(pt) AS x, ST_Y(pt) AS y FROM z_geo;
SQL

# Every object of DB by kind and name, and its definer, sorted.
objects_of() { # NAME DB
	local d
	d=$(qs "$2")
	sql "$1" "SELECT 'table', TABLE_NAME, '' FROM information_schema.TABLES
	            WHERE TABLE_SCHEMA = $d AND TABLE_TYPE = 'BASE TABLE'
	          UNION ALL SELECT 'view', TABLE_NAME, DEFINER FROM information_schema.VIEWS
	            WHERE TABLE_SCHEMA = $d
	          UNION ALL SELECT 'trigger', TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS
	            WHERE TRIGGER_SCHEMA = $d
	          UNION ALL SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, DEFINER
	            FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = $d
	          UNION ALL SELECT 'event', EVENT_NAME, DEFINER FROM information_schema.EVENTS
	            WHERE EVENT_SCHEMA = $d" | LC_ALL=C sort
}
# What the objects of peers_obj do: values (hex), rows, the triggers'
# effects (rolled back), the event's body without blanks.
behaviour() { # NAME
	sql "$1" "SELECT HEX(peers_obj.f_text()), HEX(peers_obj.f_nbe());
	          CALL peers_obj.p_count(@n); SELECT @n;
	          SELECT * FROM peers_obj.a_top ORDER BY id; SELECT * FROM peers_obj.a_geo ORDER BY id;
	          START TRANSACTION;
	          INSERT INTO peers_obj.t VALUES (100, 'x'); UPDATE peers_obj.t SET note = 'y' WHERE id = 1;
	          SELECT HEX(note) FROM peers_obj.t WHERE id = 100;
	          SELECT what, ref FROM peers_obj.audit ORDER BY id;
	          ROLLBACK;
	          SELECT STATUS, INTERVAL_VALUE, INTERVAL_FIELD,
	                 REPLACE(REPLACE(EVENT_DEFINITION, ' ', ''), '\n', '')
	          FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'peers_obj'"
}
SRC_OBJ=$(objects_of src peers_obj)
SRC_DO=$(behaviour src)
SRC_CK=$(checksum_db src peers_obj)

# Restore DIR with Debian's myloader into dst: exit 0, nothing CRITICAL.
myloader_into_dst() { # DIR LOG
	myloader -h 127.0.0.1 -P "$(server_port dst)" -u "$SL_USER" -p "$SL_PASSWORD" \
		-d "$1" -t 2 >"$2" 2>&1
	assert_exit_zero "$?" "myloader exit code ($(_t_show "$(grep -m 2 CRITICAL "$2")"))"
	assert_eq "" "$(grep CRITICAL "$2")" "CRITICAL lines of myloader"
}

# --- myloader's form ------------------------------------------------------------

t_begin "dump -o: objects in myloader's form, views after typed placeholder tables"
capture dir sluice dump "${SRC[@]}" -B peers_obj --routines --events -o "$T/dir"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(grep -l -i '^DELIMITER' "$T"/dir/*.sql)" "files with DELIMITER lines"
for f in peers_obj.t-schema-triggers.sql peers_obj-schema-post.sql peers_obj.a_geo-schema.sql \
	peers_obj.a_geo-schema-view.sql; do
	[ -f "$T/dir/$f" ] || t_fail "no $f"
done
# myloader sends what it gathered at each line that ends in ';': the
# trigger file holds its prologue, two (SQL_MODE, CREATE) per trigger, and
# the closing SQL_MODE.
assert_eq 10 "$(grep -c ';$' "$T/dir/peers_obj.t-schema-triggers.sql")" "statement ends in the trigger file"
assert_contains "$(cat "$T/dir/peers_obj.z_geo-schema.sql")" "\`pt\` point" "the placeholder's column types"
assert_contains "$(cat "$T/dir/peers_obj.a_geo-schema-view.sql")" "DROP TABLE IF EXISTS \`a_geo\`" "the view drops its placeholder"
t_pass

t_begin "the stream keeps DELIMITER for the mariadb client; mariadb < stream gives every object"
capture stream sluice dump "${SRC[@]}" -B peers_obj --routines --events
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
assert_contains "$(cat "$OUT")" "DELIMITER ;;" "the stream"
cp "$OUT" "$T/stream.sql"
drop_dbs dst peers_obj
mariadb_import dst <"$T/stream.sql" >"$T/import.log" 2>&1
assert_exit_zero "$?" "mariadb < stream ($(tail -n 2 "$T/import.log"))"
assert_same "$SRC_OBJ" "$(objects_of dst peers_obj)" "objects (src vs dst)"
assert_same "$SRC_DO" "$(behaviour dst)" "what the objects do (src vs dst)"
t_pass

t_begin "myloader restores a sluice directory: exit 0, no CRITICAL, every object present and working"
drop_dbs dst peers_obj
myloader_into_dst "$T/dir" "$T/myloader.log"
assert_same "$SRC_CK" "$(checksum_db dst peers_obj)" "checksums (src vs dst)"
assert_same "$SRC_OBJ" "$(objects_of dst peers_obj)" "objects (src vs dst)"
assert_same "$SRC_DO" "$(behaviour dst)" "what the objects do (src vs dst)"
t_pass

t_begin "load -d reads it back: every object present and working, placeholders checked, not loaded"
drop_dbs dst peers_obj
capture ldir sluice load "${DST[@]}" -d "$T/dir"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst peers_obj)" "checksums (src vs dst)"
assert_same "$SRC_OBJ" "$(objects_of dst peers_obj)" "objects (src vs dst)"
assert_same "$SRC_DO" "$(behaviour dst)" "what the objects do (src vs dst)"
cp -r "$T/dir" "$T/dir-ph"
sed -i 's/ point/ int/' "$T/dir-ph/peers_obj.z_geo-schema.sql"
capture vph sluice verify "$T/dir-ph"
assert_exit_nonzero "$RC" "verify of a changed placeholder"
assert_one_line "$ERR" "sluice: error: " "stderr"
assert_contains "$ERR" "z_geo" "message"
t_pass

t_begin "load -d -B: the new forms follow a rename"
drop_dbs dst peers_obj peers_ren
capture lren sluice load "${DST[@]}" -d "$T/dir" -B peers_ren
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_eq "0" "$(sql dst "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='peers_obj'")" "nothing under the old name"
assert_same "$SRC_OBJ" "$(objects_of dst peers_ren)" "objects (src vs renamed dst)"
assert_same "$(sql src "SELECT * FROM peers_obj.a_geo ORDER BY id")" \
	"$(sql dst "SELECT * FROM peers_ren.a_geo ORDER BY id")" "a view on a view"
drop_dbs dst peers_ren
t_pass

t_begin "load -d and verify read a directory of the earlier form (DELIMITER lines, no placeholders)"
capture arch sluice dump "${SRC[@]}" -B peers_obj --routines --events -a "$T/old.tar"
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
mkdir -p "$T/old" && tar -xf "$T/old.tar" -C "$T/old"
assert_contains "$(cat "$T/old/peers_obj.t-schema-triggers.sql")" "DELIMITER ;;" "the trigger file"
capture vold sluice verify "$T/old"
assert_exit_zero "$RC" "verify exit code (stderr: $(_t_show "$ERR"))"
drop_dbs dst peers_obj
capture lold sluice load "${DST[@]}" -d "$T/old"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_OBJ" "$(objects_of dst peers_obj)" "objects (src vs dst)"
assert_same "$SRC_DO" "$(behaviour dst)" "what the objects do (src vs dst)"
t_pass

t_begin "a Debian mydumper directory with BEGIN ... END triggers, routines and events loads with load -d"
rm -rf "$T/myd"
mydumper_run -h 127.0.0.1 -P "$(server_port src)" -u "$SL_USER" -p "$SL_PASSWORD" \
	-B peers_obj -G -R -E -o "$T/myd" >"$T/mydumper.log" 2>&1
assert_exit_zero "$?" "mydumper exit code ($(_t_show "$(tail -n 2 "$T/mydumper.log")"))"
drop_dbs dst peers_obj
capture lmyd sluice load "${DST[@]}" -d "$T/myd"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst peers_obj)" "checksums (src vs dst)"
assert_same "$SRC_OBJ" "$(objects_of dst peers_obj)" "objects (src vs dst)"
# mydumper itself turns ";\n" inside strings into "; \n" and drops the
# functions' sql_mode, so only what the triggers do is compared.
assert_eq "$(sql src "START TRANSACTION; INSERT INTO peers_obj.t VALUES (100, 'x');
	SELECT what FROM peers_obj.audit; ROLLBACK")" \
	"$(sql dst "START TRANSACTION; INSERT INTO peers_obj.t VALUES (100, 'x');
	SELECT what FROM peers_obj.audit; ROLLBACK")" "the insert trigger's effect"
t_pass

# --- --skip-definer --------------------------------------------------------------

# A test environment's loader: every privilege on its databases, none of
# SUPER or SET USER (the objects were created by root@localhost).
LOADER_PW=loader-pw-1
setup_sql dst "DROP USER IF EXISTS 'sl_loader'@'%';
CREATE USER 'sl_loader'@'%' IDENTIFIED BY '$LOADER_PW';
GRANT ALL PRIVILEGES ON \`peers_obj\`.* TO 'sl_loader'@'%';"
LOADER=(-h 127.0.0.1 -P "$(server_port dst)" -u sl_loader "-p$LOADER_PW")
# Every object is there and belongs to sl_loader.
owned_by_loader() {
	assert_same "$(printf '%s\n' "$SRC_OBJ" | sed 's/root@localhost$/sl_loader@%/')" \
		"$(objects_of dst peers_obj)" "objects, each defined by sl_loader@%"
}

t_begin "loading DEFINER= clauses as a user without SUPER or SET USER fails"
drop_dbs dst peers_obj
capture ldef sluice load "${LOADER[@]}" -i "$T/stream.sql"
assert_exit 1 "$RC" "load exit code"
assert_contains "$ERR" "1227" "the server's error"
t_pass

t_begin "dump --skip-definer: no DEFINER= in the stream or the directory; both load as that user"
capture sdstream sluice dump "${SRC[@]}" -B peers_obj --routines --events --skip-definer
assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
cp "$OUT" "$T/sd.sql"
capture sddir sluice dump "${SRC[@]}" -B peers_obj --routines --events --skip-definer -o "$T/sd"
assert_exit_zero "$RC" "dump -o exit code (stderr: $(_t_show "$ERR"))"
assert_eq "" "$(grep -l 'DEFINER=' "$T/sd.sql" "$T"/sd/*.sql)" "files with DEFINER="
assert_contains "$(cat "$T/sd.sql")" "SQL SECURITY DEFINER" "views keep SQL SECURITY DEFINER"
drop_dbs dst peers_obj
capture lsds sluice load "${LOADER[@]}" -i "$T/sd.sql"
assert_exit_zero "$RC" "load of the stream exit code (stderr: $(_t_show "$ERR"))"
owned_by_loader
assert_same "$SRC_DO" "$(behaviour dst)" "what the objects do (src vs dst)"
drop_dbs dst peers_obj
capture lsdd sluice load "${LOADER[@]}" -d "$T/sd"
assert_exit_zero "$RC" "load of the directory exit code (stderr: $(_t_show "$ERR"))"
owned_by_loader
t_pass

t_begin "load --skip-definer: a stream, an archive, a directory and a mydumper directory load as that user"
for input in "-i $T/stream.sql" "-a $T/old.tar" "-d $T/dir" "-d $T/myd"; do
	drop_dbs dst peers_obj
	# shellcheck disable=SC2086 # option and path
	capture lskip sluice load "${LOADER[@]}" --skip-definer $input
	assert_exit_zero "$RC" "load $input exit code (stderr: $(_t_show "$ERR"))"
	owned_by_loader
	assert_same "$SRC_CK" "$(checksum_db dst peers_obj)" "checksums after load $input"
done
t_pass

t_begin "myloader restores a --skip-definer directory as that user"
drop_dbs dst peers_obj
myloader -h 127.0.0.1 -P "$(server_port dst)" -u sl_loader -p "$LOADER_PW" -d "$T/sd" -t 2 \
	>"$T/myloader-sd.log" 2>&1
assert_exit_zero "$?" "myloader exit code ($(_t_show "$(grep -m 2 CRITICAL "$T/myloader-sd.log")"))"
assert_eq "" "$(grep CRITICAL "$T/myloader-sd.log")" "CRITICAL lines of myloader"
owned_by_loader
t_pass
drop_dbs dst peers_obj
setup_sql dst "DROP USER IF EXISTS 'sl_loader'@'%'"

# --- compressed directories ---------------------------------------------------

t_begin "corpus tests/data/fidelity.sql on src"
if server_client src <"$SL_ROOT/tests/data/fidelity.sql" >"$T/corpus.log" 2>&1; then t_pass; else
	t_fail "loading failed: $(tail -n 3 "$T/corpus.log")"
	t_done
fi
FID_CK=$(checksum_db src fidelity)
FID_OBJ=$(objects_of src fidelity)

for z in zstd gzip; do
	ext=$([ "$z" = zstd ] && echo zst || echo gz)
	t_begin "dump -o --compress $z: every file NAME.sql.$ext, metadata and manifest plain; verify; load -d: every table equal"
	capture "z$z" sluice dump "${SRC[@]}" -B fidelity --routines --events -o "$T/z$z" --compress "$z"
	assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
	assert_eq "metadata sluice-manifest.json" "$(cd "$T/z$z" && ls | grep -v "\.sql\.$ext\$" | tr '\n' ' ' | sed 's/ $//')" "files not compressed"
	assert_le 80 "$(cd "$T/z$z" && ls | grep -c "\.sql\.$ext\$")" "compressed files"
	assert_eq "\"$z\"" "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["compression"]))' "$T/z$z/sluice-manifest.json")" "the manifest's compression"
	if [ "$z" = zstd ]; then
		zstd -q -t "$T"/zzstd/*.zst || t_fail "zstd -t refuses a file"
	else
		gzip -t "$T"/zgzip/*.gz || t_fail "gzip -t refuses a file"
	fi
	capture "vz$z" sluice verify "$T/z$z"
	assert_exit_zero "$RC" "verify exit code (stderr: $(_t_show "$ERR"))"
	drop_dbs dst fidelity
	capture "lz$z" sluice load "${DST[@]}" -d "$T/z$z"
	assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
	assert_same "$FID_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
	assert_same "$FID_OBJ" "$(objects_of dst fidelity)" "objects (src vs dst)"
	t_pass
done

t_begin "the manifest's checksums are of the uncompressed files: decompressed in place, the directory still verifies"
cp -r "$T/zzstd" "$T/zplain"
zstd -q -d --rm "$T"/zplain/*.zst
assert_eq "0" "$(find "$T/zplain" -name '*.zst' | wc -l)" "compressed files left"
capture vzp sluice verify "$T/zplain"
assert_exit_zero "$RC" "verify exit code (stderr: $(_t_show "$ERR"))"
t_pass

t_begin "a truncated .sql.zst is refused by verify and load, naming the file"
cp -r "$T/zzstd" "$T/ztrunc"
victim=$(cd "$T/ztrunc" && ls -S -- *.sql.zst | head -n 1)
truncate -s $(($(stat -c %s "$T/ztrunc/$victim") / 2)) "$T/ztrunc/$victim"
capture vzt sluice verify "$T/ztrunc"
assert_exit 1 "$RC" "verify exit code"
assert_one_line "$ERR" "sluice: error: " "verify's stderr"
assert_contains "$ERR" "$victim" "verify's message"
drop_dbs dst fidelity
capture lzt sluice load "${DST[@]}" -d "$T/ztrunc"
assert_exit 1 "$RC" "load exit code"
assert_contains "$ERR" "$victim" "load's message"
t_pass

t_begin "a file that is not what its name says, or two files for one, are refused"
cp -r "$T/zgzip" "$T/zbad"
gzip -d -c "$T/zbad/fidelity.t_ints.00000.sql.gz" >"$T/plain.sql"
cp "$T/plain.sql" "$T/zbad/fidelity.t_ints.00000.sql.gz"
capture vzb sluice verify "$T/zbad"
assert_exit 1 "$RC" "verify exit code (plain text named .gz)"
assert_one_line "$ERR" "sluice: error: " "stderr"
assert_contains "$ERR" "not gzip data" "message"
cp -r "$T/zgzip" "$T/ztwo"
cp "$T/plain.sql" "$T/ztwo/fidelity.t_ints.00000.sql"
capture vz2 sluice verify "$T/ztwo"
assert_exit 1 "$RC" "verify exit code (x.sql and x.sql.gz)"
assert_contains "$ERR" "the same file" "message"
t_pass

t_begin "myloader restores a gzip sluice directory: every table equal, every object present"
drop_dbs dst fidelity
myloader_into_dst "$T/zgzip" "$T/myloader-gz.log"
assert_same "$FID_CK" "$(checksum_db dst fidelity)" "checksums (src vs dst)"
assert_same "$FID_OBJ" "$(objects_of dst fidelity)" "objects (src vs dst)"
t_pass

t_begin "a mydumper -c directory loads with load -d: tables equal"
rm -rf "$T/mydc"
mydumper_run -h 127.0.0.1 -P "$(server_port src)" -u "$SL_USER" -p "$SL_PASSWORD" \
	-B peers_obj -G -R -E -c -o "$T/mydc" >"$T/mydumper-c.log" 2>&1
assert_exit_zero "$?" "mydumper exit code ($(_t_show "$(tail -n 2 "$T/mydumper-c.log")"))"
assert_le 10 "$(find "$T/mydc" -name '*.sql.gz' | wc -l)" "gzip files from mydumper -c"
drop_dbs dst peers_obj
capture lmydc sluice load "${DST[@]}" -d "$T/mydc"
assert_exit_zero "$RC" "load exit code (stderr: $(_t_show "$ERR"))"
assert_same "$SRC_CK" "$(checksum_db dst peers_obj)" "checksums (src vs dst)"
assert_same "$SRC_OBJ" "$(objects_of dst peers_obj)" "objects (src vs dst)"
t_pass

t_begin "-o refuses --compress xz and --compress-threads (usage errors); --overwrite replaces a compressed dump"
capture zxz sluice dump "${SRC[@]}" -B peers_obj -o "$T/zxz" --compress xz
assert_exit 2 "$RC" "--compress xz exit code"
assert_one_line "$ERR" "sluice: error: " "stderr"
capture zth sluice dump "${SRC[@]}" -B peers_obj -o "$T/zth" --compress zstd --compress-threads 2
assert_exit 2 "$RC" "--compress-threads exit code"
capture zlv sluice dump "${SRC[@]}" -B peers_obj -o "$T/zlv" --compress gzip --compress-level 12
assert_exit 2 "$RC" "gzip --compress-level 12 exit code"
capture zow sluice dump "${SRC[@]}" -B peers_obj --routines --events -o "$T/zgzip" --overwrite --compress zstd --compress-level 19
assert_exit_zero "$RC" "dump --overwrite exit code (stderr: $(_t_show "$ERR"))"
assert_eq "0" "$(find "$T/zgzip" -name '*.gz' | wc -l)" "gzip files left"
capture vzow sluice verify "$T/zgzip"
assert_exit_zero "$RC" "verify exit code (stderr: $(_t_show "$ERR"))"
t_pass
drop_dbs dst fidelity peers_obj

if [ -z "$SL_LABEL" ] && ensure_big src >"$T/gen.log" 2>&1; then
	# The ring (--buffer) and the batches in flight bound memory, whatever
	# the data; each file is compressed as it is written.
	t_begin "dump -o --compress zstd and gzip of big.t1m: peak RSS within 64 MiB"
	for z in zstd gzip; do
		/usr/bin/time -f '%M' -o "$T/rss-z$z" "$SLUICE" dump "${SRC[@]}" -B big -t 2 --buffer 16M \
			--compress "$z" -o "$T/zbig-$z" >/dev/null 2>"$T/rss-z$z.err" </dev/null
		assert_exit_zero "$?" "dump --compress $z exit code ($(_t_show "$(cat "$T/rss-z$z.err")"))"
		echo "dump -o --compress $z peak RSS: $(tail -n 1 "$T/rss-z$z") kB"
		assert_le "$(tail -n 1 "$T/rss-z$z")" 65536 "dump --compress $z peak RSS in kB"
		rm -rf "$T/zbig-$z"
	done
	t_pass

	t_begin "compressed data files over 8 MiB load in parts: load -d within 128 MiB, checksums equal"
	capture zbig sluice dump "${SRC[@]}" -B big -t 2 --batch-size 40M --compress zstd -o "$T/zbig"
	assert_exit_zero "$RC" "dump exit code (stderr: $(_t_show "$ERR"))"
	assert_le 1 "$(for f in "$T"/zbig/big.t1m.*.sql.zst; do zstd -dc "$f" | wc -c; done | awk '$1 > 8388608' | wc -l)" "data files over 8 MiB uncompressed"
	drop_dbs dst big_z
	/usr/bin/time -f '%M' -o "$T/rss-zload" "$SLUICE" load "${DST[@]}" -d "$T/zbig" -B big_z -t 2 \
		--buffer 16M >/dev/null 2>"$T/rss-zload.err" </dev/null
	assert_exit_zero "$?" "load exit code ($(_t_show "$(cat "$T/rss-zload.err")"))"
	echo "load -d of zstd files peak RSS: $(tail -n 1 "$T/rss-zload") kB"
	assert_le "$(tail -n 1 "$T/rss-zload")" 131072 "load peak RSS in kB"
	assert_same "$(checksum_db src big)" "$(checksum_db dst big_z)" "checksums (src vs dst)"
	drop_dbs dst big_z
	rm -rf "$T/zbig"
	t_pass
fi

t_done

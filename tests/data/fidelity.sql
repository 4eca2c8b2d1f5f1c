-- fidelity.sql - the corpus behind invariant 7 (DESIGN.md): values and
-- objects that a dump must reproduce byte for byte.
--
-- Load:  mariadb -uroot < tests/data/fidelity.sql   (drops and recreates
-- database `fidelity`; about 15 MB of data, a few seconds).
-- Used by tests/integration/20_fidelity.sh (dump from one server, import
-- into another, CHECKSUM TABLE ... EXTENDED per table) and 70_objects.sh.
--
-- Each theme has its own table so that a failure names the type that broke.
-- The data is deterministic (no RAND(), no NOW() in stored values), so
-- checksums are the same on every run.  Traps on purpose:
--   * t_child sorts before t_parent (FK order), a_view_top is a view on the
--     view z_view_base (dependency order, not alphabetical);
--   * triggers fill t_audit: created before the data on import, they would
--     fire again and t_audit would differ;
--   * strings that look like stream markers and SQL comments;
--   * t_autoinc0 holds id 0 (needs NO_AUTO_VALUE_ON_ZERO on import) and an
--     AUTO_INCREMENT counter above max(id)+1;
--   * f_pipes was created under PIPES_AS_CONCAT and returns 'ab' only if the
--     routine's sql_mode is preserved;
--   * the test servers run in different time zones (TIMESTAMP columns);
--   * keys for chunking: composite, string (utf8mb4_bin), sparse BIGINT,
--     unique NOT NULL without a primary key, no key at all.

SET NAMES utf8mb4;
SET SESSION group_concat_max_len = 67108864;
SET SESSION max_statement_time = 0;
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';
SET SESSION time_zone = '+00:00';

DROP DATABASE IF EXISTS fidelity;
CREATE DATABASE fidelity CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE fidelity;

-- ------------------------------------------------------------------------
-- binary data: all 256 byte values, NUL bytes, '' vs NULL, escape-looking
-- bytes, a 64 KiB pseudo-random blob

CREATE TABLE t_binary (
  id INT NOT NULL PRIMARY KEY,
  vb VARBINARY(300) NULL,
  bl BLOB NULL,
  fixed BINARY(4) NULL,
  tb TINYBLOB NULL,
  note VARCHAR(60) NOT NULL
) ENGINE=InnoDB;

INSERT INTO t_binary VALUES
 (1, 0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF,
     0xFFFEFDFCFBFAF9F8F7F6F5F4F3F2F1F0EFEEEDECEBEAE9E8E7E6E5E4E3E2E1E0DFDEDDDCDBDAD9D8D7D6D5D4D3D2D1D0CFCECDCCCBCAC9C8C7C6C5C4C3C2C1C0BFBEBDBCBBBAB9B8B7B6B5B4B3B2B1B0AFAEADACABAAA9A8A7A6A5A4A3A2A1A09F9E9D9C9B9A999897969594939291908F8E8D8C8B8A898887868584838281807F7E7D7C7B7A797877767574737271706F6E6D6C6B6A696867666564636261605F5E5D5C5B5A595857565554535251504F4E4D4C4B4A494847464544434241403F3E3D3C3B3A393837363534333231302F2E2D2C2B2A292827262524232221201F1E1D1C1B1A191817161514131211100F0E0D0C0B0A09080706050403020100,
     0x00FF0080, 0x00, 'all 256 byte values'),
 (2, 0x00, 0x000000, 0x00000000, 0x0000, 'only NUL bytes'),
 (3, '', NULL, NULL, '', 'empty vs NULL'),
 (4, NULL, '', '', NULL, 'NULL vs empty'),
 (5, 0x5C27220D0A1A0009085C5C, 0x2D2D20736C7569636520656E64206F6B0A, 0x5C000A0D, 0x27, 'escape-looking bytes'),
 (6, 0x2F2A2120, 0x3B0A44454C494D4954455220242420, 0x2A2F3B0A, 0xC3, 'comment and delimiter bytes, lone UTF-8 lead byte'),
 (7, 0xEFBBBF, 0xF09F9880, 0xF09F9880, 0xFFFE, 'BOM and emoji as bytes');

INSERT INTO t_binary (id, vb, bl, fixed, tb, note)
SELECT 8, NULL,
       (SELECT GROUP_CONCAT(UNHEX(SHA2(seq, 256)) ORDER BY seq SEPARATOR '') FROM seq_1_to_2047),
       NULL, NULL, 'almost 64 KiB pseudo-random';

-- ------------------------------------------------------------------------
-- NULL vs '' vs 'NULL', escapes, strings that look like stream syntax

CREATE TABLE t_strings (
  id INT NOT NULL PRIMARY KEY,
  s VARCHAR(100) NULL,
  t TEXT NULL,
  c CHAR(10) NULL,
  note VARCHAR(60) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO t_strings VALUES
 (1, NULL, NULL, NULL, 'SQL NULL'),
 (2, '', '', '', 'empty string'),
 (3, 'NULL', 'NULL', 'NULL', 'the string NULL'),
 (4, 'null', '\\N', 'N', 'lowercase null, backslash-N'),
 (5, ' ', '  ', ' ', 'spaces'),
 (6, 'trailing  ', 'trailing\t', 'x', 'trailing space kept in VARCHAR'),
 (7, 'tab\there', 'new\nline and\r\ncrlf', 'a\tb', 'control characters'),
 (8, 'quote '' and "double" and `tick`', 'back\\slash \\\\ two', '\\', 'quotes and backslashes'),
 (9, CONCAT('nul', CHAR(0), 'inside'), CONCAT(CHAR(0), CHAR(0)), CHAR(0), 'NUL characters in text'),
 (10, '-- sluice frame 10 fake.t.00000.sql', '\n-- sluice end ok\n-- sluice trailer 3 ok\n', '-- x', 'stream markers in data'),
 (11, '/*!40101 SET NAMES latin1 */;', 'DELIMITER ;;\nDROP DATABASE fidelity;;\n', '*/', 'SQL comments and delimiters in data'),
 (12, 'SIGNAL SQLSTATE ''45000''', ');INSERT INTO x VALUES (1', '\'', 'SQL injection shapes'),
 (13, CONCAT(CHAR(26), CHAR(8), CHAR(127)), 'ctrl-z, backspace, DEL', '%_', 'more control characters, LIKE wildcards'),
 (14, '0x41', '0b1', '1e3', 'strings that look like literals');

-- ------------------------------------------------------------------------
-- 4-byte UTF-8

CREATE TABLE t_utf8 (
  id INT NOT NULL PRIMARY KEY,
  u VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
  ub VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  u3 VARCHAR(100) CHARACTER SET utf8mb3 NULL,
  lt LONGTEXT CHARACTER SET utf8mb4 NULL
) ENGINE=InnoDB;

INSERT INTO t_utf8 VALUES
 (1, '😀🎉🚀', '𝄞 G clef', 'BMP only: ü ß € ✓', '👩‍👩‍👧‍👦 family with ZWJ'),
 (2, '中文 日本語 한국어', 'Ελληνικά Русский עברית العربية', 'e\u0301 combining', 'ﬁ ligature, Å vs Å'),
 (3, '🏳️‍🌈', '\U0001F600 is not an escape', '', CONCAT('𐍈', REPEAT('😀', 1000))),
 (4, NULL, '', NULL, ''),
 (5, 'right-to-left ‮override‬', 'zero width ​ space', 'non-breaking space', 'mixed: a😀b中c');

-- ------------------------------------------------------------------------
-- non-UTF-8 character sets; sjis, gbk and big5 have 0x5C (backslash) as a
-- trail byte: ソ = 0x835C, 表 = 0x955C, 能 = 0x945C, 許 = 0xB35C (big5)

CREATE TABLE t_latin1 (
  id INT NOT NULL PRIMARY KEY,
  l VARCHAR(300) NULL,
  lt TEXT NULL
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;

INSERT INTO t_latin1 VALUES
 (1, 'café é è ñ ß ø å æ', 'Ærøskøbing £ ¥ © ®'),
 (2, CONVERT(0x808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF USING latin1),
    'all latin1 bytes 0x80-0xFF'),
 (3, '', NULL),
 (4, NULL, 'quote '' backslash \\ é');

CREATE TABLE t_charsets (
  id INT NOT NULL PRIMARY KEY,
  cyr VARCHAR(100) CHARACTER SET cp1251 NULL,
  sj VARCHAR(100) CHARACTER SET sjis NULL,
  cp932 VARCHAR(100) CHARACTER SET cp932 NULL,
  gb VARCHAR(100) CHARACTER SET gbk NULL,
  b5 VARCHAR(100) CHARACTER SET big5 NULL,
  euc VARCHAR(100) CHARACTER SET ujis NULL,
  greek VARCHAR(100) CHARACTER SET greek NULL,
  u16 VARCHAR(100) CHARACTER SET utf16 NULL,
  u32 VARCHAR(100) CHARACTER SET utf32 NULL,
  uc2 VARCHAR(100) CHARACTER SET ucs2 NULL,
  ascii_col VARCHAR(100) CHARACTER SET ascii NULL,
  bin_char VARCHAR(100) CHARACTER SET binary NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO t_charsets VALUES
 (1, 'Привет, мир! Ёё', 'ソ表能 ソース', '～ソ表', '中文测试 乗', '許功蓋', 'ソ表 日本', 'Καλημέρα', '𝄞 utf16', '😀 utf32', 'ucs2 ü', 'plain ascii', 'bin'),
 (2, 'quote '' в кавычках', 'ソ''表', '表\\能', '餐''厅', '許''功', '能''', 'ά''έ', '''', '\\', '''', '\\', 0x5C27),
 (3, '', '', '', '', '', '', '', '', '', '', '', ''),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ------------------------------------------------------------------------
-- JSON (MariaDB: LONGTEXT with a json_valid check) and a generated column
-- on it

CREATE TABLE t_json (
  id INT NOT NULL PRIMARY KEY,
  j JSON NULL,
  j_name VARCHAR(50) AS (JSON_VALUE(j, '$.name')) VIRTUAL
) ENGINE=InnoDB;

INSERT INTO t_json (id, j) VALUES
 (1, '{"name": "alpha", "list": [1, 2.5, -3e10, {"deep": null}], "ok": true}'),
 (2, '[]'),
 (3, '{}'),
 (4, 'null'),
 (5, NULL),
 (6, '"a string with \\"quotes\\", a backslash \\\\ and a \\u0000 NUL"'),
 (7, '{"name": "emoji 😀", "ünï": "cödé", "esc": "\\ud83d\\ude00"}'),
 (8, '{"big": 12345678901234567890123, "small": 1e-300, "neg": -0.0}'),
 (9, '  {"spacing" :   "kept as text" }  ');

-- ------------------------------------------------------------------------
-- DECIMAL extremes and integers at their limits

CREATE TABLE t_decimal (
  id INT NOT NULL PRIMARY KEY,
  d65 DECIMAL(65,30) NULL,
  d65_0 DECIMAL(65,0) NULL,
  d10u DECIMAL(10,2) UNSIGNED NULL,
  d5 DECIMAL(5,5) NULL
) ENGINE=InnoDB;

INSERT INTO t_decimal VALUES
 (1, 99999999999999999999999999999999999.999999999999999999999999999999,
     99999999999999999999999999999999999999999999999999999999999999999, 99999999.99, 0.99999),
 (2, -99999999999999999999999999999999999.999999999999999999999999999999,
     -99999999999999999999999999999999999999999999999999999999999999999, 0.00, -0.99999),
 (3, 0.000000000000000000000000000001, 1, 0.01, 0.00001),
 (4, -0.000000000000000000000000000001, -1, 1.10, -0.00001),
 (5, 0, 0, 0, 0),
 (6, 12345678901234567890.123456789012345678901234567890, 12345678901234567890123456789, 12345.67, 0.12345),
 (7, NULL, NULL, NULL, NULL);

CREATE TABLE t_ints (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT NULL, tiu TINYINT UNSIGNED NULL,
  si SMALLINT NULL, siu SMALLINT UNSIGNED NULL,
  mi MEDIUMINT NULL, miu MEDIUMINT UNSIGNED NULL,
  i INT NULL, iu INT UNSIGNED NULL,
  bi BIGINT NULL, biu BIGINT UNSIGNED NULL,
  zf INT(8) UNSIGNED ZEROFILL NULL,
  b BOOLEAN NULL
) ENGINE=InnoDB;

INSERT INTO t_ints VALUES
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, FALSE),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 99999999, TRUE),
 (3, 0, 1, -1, 1, -1, 1, -1, 1, -1, 1, 1, 2),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ------------------------------------------------------------------------
-- FLOAT and DOUBLE: the text protocol prints FLOAT with 6 significant
-- digits, so 1.1234567 comes back as 1.12346 unless fetched with care

CREATE TABLE t_float (
  id INT NOT NULL PRIMARY KEY,
  f FLOAT NULL,
  d DOUBLE NULL,
  fu FLOAT UNSIGNED NULL,
  fm FLOAT(10,4) NULL,
  dm DOUBLE(20,10) NULL,
  note VARCHAR(60) NOT NULL
) ENGINE=InnoDB;

INSERT INTO t_float VALUES
 (1, 1.1234567, 1.1234567, 1.1234567, 1.1234, 1.1234567891, '6-digit printing loses bits'),
 (2, 3.4028234e38, 1.7976931348623157e308, 3.4028234e38, 999999.9999, 9999999999.9999999999, 'largest'),
 (3, -3.4028234e38, -1.7976931348623157e308, 0, -999999.9999, -9999999999.9999999999, 'most negative'),
 (4, 1.17549435e-38, 2.2250738585072014e-308, 1.17549435e-38, 0.0001, 0.0000000001, 'smallest normal'),
 (5, 1.4e-45, 5e-324, 1.4e-45, 0, 0, 'smallest subnormal'),
 (6, -0.1, -0.1, 0.1, -0.1, -0.1, 'one tenth'),
 (7, 16777217, 9007199254740993, 16777215, 123456.7891, 1234567890.0987654321, 'beyond the mantissa'),
 (8, 1234.5678, 0.30000000000000004, 3.1415927, 3.1416, 3.1415926536, '0.1+0.2'),
 (9, 0.33333334, 0.3333333333333333, 123456.789, 0.3333, 0.3333333333, 'thirds'),
 (10, 100000000, 1e22, 8388608.5, 100, 100, 'powers of ten'),
 (11, 1.0000001, 1.0000000000000002, 1.0000001, 1, 1, 'next after one'),
 (12, NULL, NULL, NULL, NULL, NULL, 'NULL'),
 (13, 0, 0, 0, 0, 0, 'zero'),
 (14, -1.2345679e-20, 6.02214076e23, 2.7182817, -0.0001, 2.7182818285, 'mixed exponents');

-- ------------------------------------------------------------------------
-- temporal types with fractions; zero-ish dates are valid in the default
-- sql_mode (no NO_ZERO_DATE / NO_ZERO_IN_DATE)

CREATE TABLE t_temporal (
  id INT NOT NULL PRIMARY KEY,
  dt6 DATETIME(6) NULL,
  dt3 DATETIME(3) NULL,
  dt0 DATETIME NULL,
  ts6 TIMESTAMP(6) NULL,
  ts0 TIMESTAMP NULL,
  tm6 TIME(6) NULL,
  tm0 TIME NULL,
  d DATE NULL,
  y YEAR NULL,
  note VARCHAR(60) NOT NULL
) ENGINE=InnoDB;

INSERT INTO t_temporal VALUES
 (1, '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999', '2024-02-29 23:59:59',
     '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59', '23:59:59.999999', '23:59:59', '2024-02-29', 2024, 'leap day'),
 (2, '1000-01-01 00:00:00.000000', '1000-01-01 00:00:00.000', '1000-01-01 00:00:00',
     '1970-01-01 00:00:01.000000', '1970-01-01 00:00:01', '-838:59:59.999999', '-838:59:59', '1000-01-01', 1901, 'minimum'),
 (3, '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59',
     '2038-01-19 03:14:07.999999', '2038-01-19 03:14:07', '838:59:59.999999', '838:59:59', '9999-12-31', 2155, 'maximum'),
 (4, '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00.000', '0000-00-00 00:00:00',
     '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '00:00:00.000000', '00:00:00', '0000-00-00', 0, 'zero'),
 (5, '2024-00-00 00:00:00.000001', '2024-01-00 12:00:00.5', '2024-00-15 00:00:00',
     '2000-06-15 12:30:45.000001', '2000-06-15 12:30:45', '-00:00:00.000001', '-00:00:01', '2024-00-00', 1999, 'zero month / day'),
 (6, '2000-01-01 00:00:00.000001', '2000-01-01 00:00:00.001', '2000-01-01 00:00:00',
     '2021-03-28 01:30:00.250000', '2021-10-31 02:30:00', '25:30:00.500000', '100:00:00', '2024-05-00', 2000, 'time over 24h'),
 (7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NULL');

-- Invalid calendar dates exist where ALLOW_INVALID_DATES was used on the
-- source; a separate table so that a failure here stays separate.
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES';
CREATE TABLE t_invalid_dates (
  id INT NOT NULL PRIMARY KEY,
  d DATE NULL,
  dt DATETIME(6) NULL
) ENGINE=InnoDB;
INSERT INTO t_invalid_dates VALUES
 (1, '2023-02-31', '2023-02-30 10:00:00.123456'),
 (2, '2023-04-31', '2023-11-31 23:59:59.999999');
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

-- ------------------------------------------------------------------------
-- BIT, ENUM, SET (ENUM/SET members are BMP only: MariaDB keeps them in
-- utf8mb3 and SHOW CREATE TABLE turns a 4-byte member into '?')

CREATE TABLE t_bit (
  id INT NOT NULL PRIMARY KEY,
  b1 BIT(1) NULL,
  b7 BIT(7) NULL,
  b17 BIT(17) NULL,
  b64 BIT(64) NULL
) ENGINE=InnoDB;

INSERT INTO t_bit VALUES
 (1, b'0', b'0', b'0', b'0'),
 (2, b'1', b'1111111', b'11111111111111111', b'1111111111111111111111111111111111111111111111111111111111111111'),
 (3, b'1', b'1000000', b'10000000000000001', b'1000000000000000000000000000000000000000000000000000000000000000'),
 (4, NULL, NULL, NULL, NULL),
 (5, 0, 39, 65535, 0x5C27000A0D1A2D2D);

CREATE TABLE t_enum_set (
  id INT NOT NULL PRIMARY KEY,
  e ENUM('a','b','c with space','it''s','back\\slash','ü','€ ß','') NULL,
  s SET('x','y','z','with space','ü') NULL,
  e_nn ENUM('small','medium','large') NOT NULL DEFAULT 'medium'
) ENGINE=InnoDB;

INSERT INTO t_enum_set VALUES
 (1, 'a', '', 'small'),
 (2, 'c with space', 'x', 'large'),
 (3, 'it''s', 'x,z', 'medium'),
 (4, 'back\\slash', 'x,y,z,with space,ü', 'small'),
 (5, '', 'ü', 'large'),
 (6, '€ ß', 'with space', 'medium'),
 (7, NULL, NULL, 'small'),
 (8, 'ü', 'y,x', 'large');

-- ------------------------------------------------------------------------
-- spatial: as WKT, 0.30000000000000004 and SRIDs would not survive

CREATE TABLE t_spatial (
  id INT NOT NULL PRIMARY KEY,
  pt POINT NOT NULL,
  poly POLYGON NULL,
  g GEOMETRY NULL,
  ls LINESTRING NULL,
  mpoly MULTIPOLYGON NULL,
  gc GEOMETRYCOLLECTION NULL,
  SPATIAL KEY sp_pt (pt)
) ENGINE=InnoDB;

INSERT INTO t_spatial VALUES
 (1, ST_GeomFromText('POINT(1.5 -2.25)'),
     ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 3,2 2))'),
     ST_GeomFromText('POINT(0.1 0.30000000000000004)'),
     ST_GeomFromText('LINESTRING(0 0,1 1,2 1e-300)'),
     ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))'),
     ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))')),
 (2, ST_GeomFromText('POINT(-180 90)', 4326),
     NULL,
     ST_GeomFromText('POLYGON((-10 -10,10 -10,10 10,-10 10,-10 -10))', 4326),
     NULL, NULL,
     ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')),
 (3, ST_GeomFromText('POINT(1.2345678901234567 9.87654321e-10)'),
     ST_GeomFromText('POLYGON((0 0,1 0,0 1,0 0))'),
     ST_GeomFromText('MULTIPOINT(1 1,2 2,3 3)'),
     ST_GeomFromText('LINESTRING(-1.7976931348623157e308 0,1.7976931348623157e308 0)'),
     NULL, NULL);

-- ------------------------------------------------------------------------
-- generated columns (never inserted) and an invisible column (kept)

CREATE TABLE t_generated (
  id INT NOT NULL PRIMARY KEY,
  a INT NULL,
  b INT NULL,
  v_sum INT AS (a + b) VIRTUAL,
  s_prod BIGINT AS (a * b) STORED,
  p_text VARCHAR(40) AS (CONCAT_WS('-', a, b, 'x')) PERSISTENT,
  v_upper VARCHAR(40) AS (UPPER(CONCAT('id', id))) VIRTUAL,
  KEY k_vsum (v_sum)
) ENGINE=InnoDB;

INSERT INTO t_generated (id, a, b) VALUES (1, 1, 2), (2, -5, 7), (3, NULL, 3), (4, 2147483, 1000), (5, 0, 0);

CREATE TABLE t_invisible (
  id INT NOT NULL PRIMARY KEY,
  a VARCHAR(20) NULL,
  hidden VARCHAR(20) INVISIBLE NULL DEFAULT 'the default',
  hidden_num INT INVISIBLE NOT NULL DEFAULT 42
) ENGINE=InnoDB;

INSERT INTO t_invisible (id, a, hidden, hidden_num) VALUES
 (1, 'visible', 'not the default', 1),
 (2, 'x', NULL, 2),
 (3, 'y', 'the default', 42),
 (4, NULL, '', -1);

-- ------------------------------------------------------------------------
-- odd identifiers: spaces, backticks, quotes, Unicode (BMP only: MariaDB
-- identifiers cannot hold 4-byte characters), reserved words, dots, dashes,
-- a slash, a 64-character name

CREATE TABLE `my table` (
  `id` INT NOT NULL PRIMARY KEY,
  `first name` VARCHAR(30) NULL,
  `weird``tick` INT NULL,
  `select` INT NULL,
  `"double"` INT NULL,
  `'single'` INT NULL,
  `back\slash` INT NULL,
  `名前` VARCHAR(10) NULL,
  `a.b` INT NULL,
  `--comment` INT NULL,
  `CamelCase` INT NULL,
  KEY `index with space` (`first name`)
) ENGINE=InnoDB;

INSERT INTO `my table` VALUES
 (1, 'Ada', 1, 2, 3, 4, 5, '太郎', 6, 7, 8),
 (2, 'Grace', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE `t-dash.dot` (
  `id` INT NOT NULL PRIMARY KEY,
  `key` VARCHAR(10) NULL,
  `group` INT NULL
) ENGINE=InnoDB;
INSERT INTO `t-dash.dot` VALUES (1, 'k1', 10), (2, 'k2', 20);

CREATE TABLE `order` (
  `id` INT NOT NULL PRIMARY KEY,
  `desc` VARCHAR(20) NULL,
  `from` DATE NULL,
  `where` INT NULL,
  `values` INT NULL
) ENGINE=InnoDB;

CREATE TABLE `select` (
  `table` INT NOT NULL PRIMARY KEY,
  `column` VARCHAR(10) NULL
) ENGINE=InnoDB;
INSERT INTO `select` VALUES (1, 'from'), (2, 'where');

CREATE TABLE `Ünïcödé_表` (
  `ключ` INT NOT NULL PRIMARY KEY,
  `値` VARCHAR(20) NULL,
  `ελληνικά` DECIMAL(6,2) NULL
) ENGINE=InnoDB;
INSERT INTO `Ünïcödé_表` VALUES (1, '値一', 1.5), (2, '😀', -2.25);

CREATE TABLE `tab``le 'with' "quotes"` (`id` INT NOT NULL PRIMARY KEY, `v` INT NULL) ENGINE=InnoDB;
INSERT INTO `tab``le 'with' "quotes"` VALUES (1, 1);

CREATE TABLE `a/b\c` (`id` INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO `a/b\c` VALUES (1), (2), (3);

CREATE TABLE `t_üüüüüüüüüüüüüüüüüüüüüüüüüüüüüü_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` (
  `id` INT NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO `t_üüüüüüüüüüüüüüüüüüüüüüüüüüüüüü_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` VALUES (64);

-- ------------------------------------------------------------------------
-- keys: none, composite, string, sparse, unique NOT NULL, unique nullable

CREATE TABLE t_nokey (
  a INT NULL,
  b VARCHAR(20) NULL
) ENGINE=InnoDB;
INSERT INTO t_nokey VALUES (1, 'dup'), (1, 'dup'), (1, 'dup'), (NULL, NULL), (NULL, NULL), (2, '');
INSERT INTO t_nokey SELECT seq % 10, CONCAT('row ', seq % 100) FROM seq_1_to_3000;

CREATE TABLE t_composite_pk (
  region CHAR(2) NOT NULL,
  day DATE NOT NULL,
  n INT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  PRIMARY KEY (region, day, n)
) ENGINE=InnoDB;
INSERT INTO t_composite_pk
SELECT ELT(1 + seq % 4, 'EU', 'US', 'AP', 'ü'), '2024-01-01' + INTERVAL (seq % 97) DAY, seq, seq * 1.25
FROM seq_1_to_5000;

CREATE TABLE t_string_pk (
  k VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  v INT NOT NULL
) ENGINE=InnoDB;
INSERT INTO t_string_pk VALUES ('', 0), ('a', 1), ('A', 2), ('ä', 3), ('😀', 4), ('ß', 5), ('ss', 6),
 ('\'', 7), ('\\', 8), (CONCAT('nul', CHAR(0)), 9), ('~~~', 10), ('zzz', 11);
INSERT INTO t_string_pk
SELECT CONCAT(CHAR(65 + seq % 26), '-', LPAD(seq * 7919 % 100003, 6, '0'), IF(seq % 7 = 0, '-é😀', '')), seq
FROM seq_1_to_5000;

CREATE TABLE t_sparse_pk (
  id BIGINT NOT NULL PRIMARY KEY,
  v VARCHAR(20) NOT NULL
) ENGINE=InnoDB;
INSERT INTO t_sparse_pk VALUES (-9223372036854775808, 'min'), (-1, 'minus one'), (0, 'zero'),
 (9223372036854775807, 'max'), (4611686018427387904, '2^62');
INSERT INTO t_sparse_pk SELECT seq * 1000000000000, CONCAT('t', seq) FROM seq_1_to_3000;
INSERT INTO t_sparse_pk SELECT seq, CONCAT('s', seq) FROM seq_1_to_500;

CREATE TABLE t_unique_notnull (
  code VARCHAR(20) NOT NULL,
  v INT NULL,
  UNIQUE KEY uk_code (code)
) ENGINE=InnoDB;
INSERT INTO t_unique_notnull SELECT CONCAT('C', LPAD(seq, 8, '0')), seq FROM seq_1_to_3000;

CREATE TABLE t_unique_nullable (
  code INT NULL,
  v INT NULL,
  UNIQUE KEY uk_code (code)
) ENGINE=InnoDB;
INSERT INTO t_unique_nullable VALUES (NULL, 1), (NULL, 2), (1, 3), (2, NULL);

CREATE TABLE t_autoinc0 (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  v VARCHAR(10) NULL
) ENGINE=InnoDB;
INSERT INTO t_autoinc0 VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (5, 'five'), (99, 'deleted');
DELETE FROM t_autoinc0 WHERE id = 99;

CREATE TABLE t_empty (
  id INT NOT NULL PRIMARY KEY,
  v VARCHAR(10) NULL
) ENGINE=InnoDB;

-- ------------------------------------------------------------------------
-- foreign keys: t_child sorts before t_parent; t_tree references itself
-- with children stored before their parents

CREATE TABLE t_audit (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  action VARCHAR(20) NOT NULL,
  ref_id INT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE t_parent (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(30) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE t_child (
  id INT NOT NULL PRIMARY KEY,
  parent_id INT NOT NULL,
  label VARCHAR(30) NULL,
  CONSTRAINT `fk child->parent` FOREIGN KEY (parent_id) REFERENCES t_parent (id) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB;

CREATE TABLE t_tree (
  id INT NOT NULL PRIMARY KEY,
  parent_id INT NULL,
  CONSTRAINT fk_tree FOREIGN KEY (parent_id) REFERENCES t_tree (id)
) ENGINE=InnoDB;
SET SESSION foreign_key_checks = 0;
INSERT INTO t_tree VALUES (1, 5), (2, 5), (3, 1), (4, NULL), (5, 4);
SET SESSION foreign_key_checks = 1;

-- triggers before their tables' data, so the audit rows exist on the source
SET SESSION sql_mode = DEFAULT;
CREATE TRIGGER trg_parent_ai AFTER INSERT ON t_parent FOR EACH ROW
  INSERT INTO t_audit (action, ref_id) VALUES ('parent', NEW.id);
DELIMITER $$
CREATE TRIGGER `trg order;bi` BEFORE INSERT ON `order` FOR EACH ROW
BEGIN
  -- a comment with ; inside the body
  SET NEW.`desc` = CONCAT('[', IFNULL(NEW.`desc`, 'none'), '];');
  INSERT INTO t_audit (action, ref_id) VALUES ('order', NEW.id);
END$$
DELIMITER ;
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

INSERT INTO t_parent SELECT seq, CONCAT('parent ', seq) FROM seq_1_to_50;
INSERT INTO t_child SELECT seq, 1 + seq % 40, IF(seq % 3 = 0, NULL, CONCAT('child ', seq)) FROM seq_1_to_200;
INSERT INTO `order` VALUES (1, 'first', '2024-01-01', 1, 10), (2, NULL, '0000-00-00', NULL, NULL);

-- ------------------------------------------------------------------------
-- engines other than InnoDB, partitions, defaults, comments, checks,
-- MariaDB's own types

CREATE TABLE t_myisam (
  id INT NOT NULL PRIMARY KEY,
  body TEXT NULL,
  FULLTEXT KEY ft_body (body)
) ENGINE=MyISAM CHECKSUM=1;
INSERT INTO t_myisam SELECT seq, CONCAT('lorem ipsum ', seq, ' dolor é 😀') FROM seq_1_to_100;

CREATE TABLE t_aria (
  id INT NOT NULL PRIMARY KEY,
  v VARCHAR(30) NULL
) ENGINE=Aria;
INSERT INTO t_aria VALUES (1, 'aria'), (2, NULL);

CREATE TABLE t_partitioned (
  id INT NOT NULL PRIMARY KEY,
  v VARCHAR(20) NULL
) ENGINE=InnoDB
PARTITION BY RANGE (id) (
  PARTITION p0 VALUES LESS THAN (100),
  PARTITION p1 VALUES LESS THAN (1000),
  PARTITION pmax VALUES LESS THAN MAXVALUE
);
INSERT INTO t_partitioned SELECT seq * 37, CONCAT('p', seq) FROM seq_1_to_100;

CREATE TABLE t_defaults (
  id INT NOT NULL PRIMARY KEY,
  created TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated TIMESTAMP(6) NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP(6),
  qty INT NOT NULL DEFAULT 1,
  note VARCHAR(50) NULL DEFAULT 'it''s "quoted"' COMMENT 'column comment with ''quotes'' and; a semicolon',
  token VARCHAR(36) NULL DEFAULT (UUID()),
  CONSTRAINT `chk qty` CHECK (qty >= 0)
) ENGINE=InnoDB COMMENT='table comment: it''s here';
INSERT INTO t_defaults VALUES
 (1, '2020-01-01 00:00:00.000001', NULL, 0, DEFAULT, 'fixed-token-1'),
 (2, '2020-01-02 03:04:05.678901', '2021-01-01 00:00:00.5', 5, NULL, NULL);

CREATE TABLE t_native (
  id INT NOT NULL PRIMARY KEY,
  ip6 INET6 NULL,
  ip4 INET4 NULL,
  uid UUID NULL
) ENGINE=InnoDB;
INSERT INTO t_native VALUES
 (1, '::1', '127.0.0.1', '123e4567-e89b-12d3-a456-426655440000'),
 (2, '2001:db8::ff00:42:8329', '255.255.255.255', '00000000-0000-0000-0000-000000000000'),
 (3, '::ffff:192.0.2.1', '0.0.0.0', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
 (4, NULL, NULL, NULL);

-- ------------------------------------------------------------------------
-- long values: 1 MiB of text, rows near 4 MiB (one statement per row at the
-- default --statement-size)

CREATE TABLE t_long (
  id INT NOT NULL PRIMARY KEY,
  lt LONGTEXT NULL,
  lb LONGBLOB NULL
) ENGINE=InnoDB;
INSERT INTO t_long VALUES (1, REPEAT('0123456789abcdef', 65536), NULL);
INSERT INTO t_long VALUES (2, REPEAT('é😀''\\', 150000), 0x00);
INSERT INTO t_long
SELECT 3, NULL, (SELECT GROUP_CONCAT(UNHEX(SHA2(seq, 512)) ORDER BY seq SEPARATOR '') FROM seq_1_to_60000);
INSERT INTO t_long
SELECT 4, REPEAT('x', 300000), (SELECT GROUP_CONCAT(UNHEX(SHA2(seq + 100000, 512)) ORDER BY seq SEPARATOR '') FROM seq_1_to_57000);
INSERT INTO t_long VALUES (5, '', '');

-- ------------------------------------------------------------------------
-- views (a_view_top depends on z_view_base), a sequence, routines, an event

CREATE VIEW z_view_base AS
  SELECT p.id, p.name, COUNT(c.id) AS nchildren
  FROM t_parent p LEFT JOIN t_child c ON c.parent_id = p.id
  GROUP BY p.id, p.name;
CREATE VIEW a_view_top AS
  SELECT id, name, nchildren FROM z_view_base WHERE nchildren >= 5;
CREATE SQL SECURITY INVOKER VIEW `my view` AS
  SELECT `first name` AS `the name`, `weird``tick` FROM `my table`;

CREATE SEQUENCE s_order START WITH 100 INCREMENT BY 5 MINVALUE 100 MAXVALUE 1000000 CACHE 10;
SELECT NEXTVAL(s_order), NEXTVAL(s_order) INTO @dummy1, @dummy2;

SET SESSION sql_mode = DEFAULT;
DELIMITER $$
CREATE PROCEDURE p_summary()
  READS SQL DATA
  COMMENT 'counts; with a semicolon'
BEGIN
  SELECT (SELECT COUNT(*) FROM t_parent) AS parents,
         (SELECT COUNT(*) FROM t_child) AS children,
         (SELECT COUNT(*) FROM a_view_top) AS busy_parents;
END$$

CREATE PROCEDURE p_tricky(IN n INT, OUT s VARCHAR(200))
  NO SQL
  COMMENT 'has ;; and $$ and // inside'
BEGIN
  DECLARE x VARCHAR(100) DEFAULT 'semi;colon ;; dollar $$ slash // end';
  SET s = CONCAT(x, ':', n);
END$$

CREATE FUNCTION f_add(a INT, b INT) RETURNS INT
  DETERMINISTIC NO SQL
  RETURN a + b$$

CREATE FUNCTION `f weird``name`(s VARCHAR(20)) RETURNS VARCHAR(40) CHARSET utf8mb4
  DETERMINISTIC NO SQL
  RETURN CONCAT('«', s, '»')$$
DELIMITER ;

SET SESSION sql_mode = 'PIPES_AS_CONCAT';
CREATE FUNCTION f_pipes() RETURNS VARCHAR(10)
  DETERMINISTIC NO SQL
  RETURN 'a' || 'b';
SET SESSION sql_mode = DEFAULT;

CREATE EVENT e_cleanup
  ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00'
  ON COMPLETION PRESERVE
  DISABLE
  COMMENT 'nightly cleanup'
  DO DELETE FROM t_audit WHERE id < 0;

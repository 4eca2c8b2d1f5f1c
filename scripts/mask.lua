-- mask.lua - masking helpers for sluice scripts: local mask = require "mask"
--
-- Deterministic: the same key and input give the same output, in every run
-- and every table, so masked values still join (customers.email masked in
-- two tables stays equal).  Keys are secrets: keep them out of the script,
-- e.g. --set key=... (sluice.params.key) from a file only the job runner
-- reads.
--
-- Each mask comes twice: a Lua function of a value, for transform(), and
-- an sql_* function that returns an SQL expression for `columns` (masking
-- on the server, which is faster).  Where both are built on the same
-- hash, SHA-256 of the key followed by the value (SQL's SHA2(CONCAT(key,
-- v), 256)), they give the same output: date, number, pick, token,
-- unique_int.  Columns are named by a string, by a column description
-- (t.columns.price, which also tells the type) or by mask.expr("SQL").
--
-- Unique keys: mask.unique, mask.unique_email and mask.unique_int are
-- permutations (distinct values stay distinct, so a UNIQUE key still
-- loads); mask.name, mask.pick and short hashes are not.  A key column
-- that other tables reference: mask it with mask.sql_columns or
-- mask.transforms, which give the referencing columns the same mask, so
-- foreign keys still hold.
local M = {}

local FIRST = { "Alex", "Sam", "Robin", "Kim", "Noa", "Jo", "Charlie", "Toni", "Mika", "Ari",
  "Dana", "Eli", "Fran", "Gabi", "Jules", "Lou" }
local LAST = { "Smith", "Garcia", "Muller", "Rossi", "Novak", "Silva", "Kowalski", "Dubois",
  "Jensen", "Tanaka", "Okafor", "Haddad", "Lind", "Costa", "Moreau", "Berg" }

local function quote(s)
  return "'" .. s:gsub("\\", "\\\\"):gsub("'", "''") .. "'"
end

local function ident(s)
  return "`" .. s:gsub("`", "``") .. "`"
end

-- An SQL expression to mask instead of a column: mask.expr("LOWER(email)").
function M.expr(sql) return { sql = sql } end

-- The SQL of a column argument: a name, a column description or mask.expr().
local function col_sql(c)
  if type(c) == "table" then
    if c.sql then return c.sql end
    if c.name then return ident(c.name) end
  end
  assert(type(c) == "string", "mask: a column is a name, t.columns.NAME or mask.expr(SQL)")
  return ident(c)
end

-- 60 bits of SHA-256(key .. v), and the same in SQL.
local function h60(key, v) return tonumber(sluice.sha256(key .. v):sub(1, 15), 16) end
local function sql_h60(key, e)
  return "CAST(CONV(LEFT(SHA2(CONCAT(" .. quote(key) .. ", " .. e .. "), 256), 15), 16, 10) AS SIGNED)"
end

-- --- tokens and names -----------------------------------------------------------

-- A hex token (16 digits) for value, with an optional prefix.
function M.pseudonym(key, value, prefix)
  if value == nil then return nil end
  return (prefix or "") .. sluice.hash(key, value)
end

-- user_<12 hex>@<domain>: a valid address (48 bits: not for UNIQUE columns).
function M.email(key, value, domain)
  if value == nil then return nil end
  return "user_" .. sluice.hash(key, value):sub(1, 12) .. "@" .. (domain or "example.invalid")
end

-- "First Last" picked by the hash (256 names: not for UNIQUE columns).
function M.name(key, value)
  if value == nil then return nil end
  local h = sluice.hashnum(key, value)
  return FIRST[h % #FIRST + 1] .. " " .. LAST[(h // #FIRST) % #LAST + 1]
end

-- prefix .. 32 hex digits (128 bits of SHA-256): distinct in practice (two of
-- a billion values collide with odds of 1 in 10^20), shorter than a
-- permutation of long text.
function M.token(key, value, prefix)
  if value == nil then return nil end
  return (prefix or "") .. sluice.sha256(key .. value):sub(1, 32)
end

function M.sql_token(key, column, prefix)
  return "CONCAT(" .. quote(prefix or "") .. ", LEFT(SHA2(CONCAT(" .. quote(key) .. ", " ..
      col_sql(column) .. "), 256), 32))"
end

-- Every digit replaced by a digit derived from the hash; everything else
-- (+, spaces, dashes, letters) kept, so the format survives.
function M.digits(key, value)
  if value == nil then return nil end
  local h = sluice.hash(key, value)
  local i = 0
  return (value:gsub("%d", function()
    i = i % #h + 1
    return tostring(tonumber(h:sub(i, i), 16) % 10)
  end))
end
M.phone = M.digits

-- At most n characters (UTF-8 aware).
function M.truncate(value, n)
  if value == nil then return nil end
  local cut = utf8.offset(value, n + 1)
  if cut == nil then return value end
  return value:sub(1, cut - 1)
end

function M.null() return nil end

-- --- unique: permutations -------------------------------------------------------

-- A keyed permutation of text: same length, digits stay digits, letters
-- letters (case kept), everything else as it was.  Distinct inputs give
-- distinct outputs, also when compared without regard to ASCII case.
function M.unique(key, value)
  if value == nil then return nil end
  return sluice.permute_text(key, value)
end

-- The same for an address, keeping its top-level domain and punctuation:
-- "john.doe@corp.com" -> "qwxz.pte@vbnm.com".
function M.unique_email(key, value)
  if value == nil then return nil end
  local at = value:find("@[^@]*$")
  local dot = value:find("%.[^.]*$")
  if at and dot and dot > at then
    return sluice.permute_text(key, value:sub(1, dot - 1)) .. value:sub(dot)
  end
  return sluice.permute_text(key, value)
end

local INT_BITS = { tinyint = 8, smallint = 16, mediumint = 24, int = 32, integer = 32, bigint = 64 }

-- Bits and signedness of an integer column: a column description, or the
-- options { bits = 32, unsigned = true }.
local function int_kind(column, opts)
  opts = opts or {}
  local bits, unsigned = opts.bits, opts.unsigned
  if type(column) == "table" and column.data_type then
    bits = bits or INT_BITS[column.data_type:lower()]
    if unsigned == nil then unsigned = (column.type or ""):find("unsigned") ~= nil end
  end
  bits = bits or 64
  assert(bits == 8 or bits == 16 or bits == 24 or bits == 32 or bits == 64,
         "mask.unique_int: bits must be 8, 16, 24, 32 or 64")
  return bits, not unsigned
end

-- A keyed permutation of the integers of the column's type (a four-round
-- Feistel network on SHA-256): every value maps to a distinct value of the
-- same type.  mask.sql_unique_int gives the same values on the server.
function M.unique_int(key, value, column, opts)
  if value == nil then return nil end
  local bits, signed = int_kind(column, opts)
  return sluice.permute_int(key, tostring(value), bits, signed)
end

function M.sql_unique_int(key, column, opts)
  local bits, signed = int_kind(column, opts)
  local h = bits // 2
  local hmask = h == 32 and "4294967295" or tostring((1 << h) - 1)
  local all = bits == 64 and "18446744073709551615" or tostring((1 << bits) - 1)
  local u = "(CAST(" .. col_sql(column) .. " AS UNSIGNED) & " .. all .. ")"
  local function f(i, r)
    return "CAST(CONV(LEFT(SHA2(CONCAT(" .. quote(key) .. ", ':" .. i .. ":', " .. r ..
        "), 256), " .. h // 4 .. "), 16, 10) AS UNSIGNED)"
  end
  local l0, r0 = "(" .. u .. " >> " .. h .. ")", "(" .. u .. " & " .. hmask .. ")"
  local r1 = "(" .. l0 .. " ^ " .. f(1, r0) .. ")"
  local r2 = "(" .. r0 .. " ^ " .. f(2, r1) .. ")"
  local r3 = "(" .. r1 .. " ^ " .. f(3, r2) .. ")"
  local r4 = "(" .. r2 .. " ^ " .. f(4, r3) .. ")"
  local out = "((" .. r3 .. " << " .. h .. ") | " .. r4 .. ")"
  if not signed then return out end
  if bits == 64 then return "CAST(" .. out .. " AS SIGNED)" end
  return "(CAST(" .. out .. " AS SIGNED) - IF(" .. out .. " >= " .. tostring(1 << (bits - 1)) ..
      ", " .. tostring(1 << bits) .. ", 0))"
end

-- --- dates and numbers with bounded noise -------------------------------------------

-- Days since 1970-01-01 of a civil date, and back (Howard Hinnant's algorithms).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m > 2 and m - 3 or m + 9) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return m <= 2 and y + 1 or y, m, d
end

-- The date (or date and time) moved by up to `days` days either way, the
-- time of day kept.  nil for NULL and for dates that are not real (zero
-- dates), as the server's DATE_ADD gives NULL for them.
function M.date(key, value, days)
  if value == nil then return nil end
  local y, m, d, rest = value:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 or d > 31 then return nil end
  days = math.tointeger(days)
  local off = h60(key, value) % (2 * days + 1) - days
  local ny, nm, nd = civil_from_days(days_from_civil(y, m, d) + off)
  if ny < 1000 or ny > 9999 then return nil end
  return string.format("%04d-%02d-%02d", ny, nm, nd) .. rest
end

function M.sql_date(key, column, days)
  days = math.tointeger(days)
  local c = col_sql(column)
  return "DATE_ADD(" .. c .. ", INTERVAL (" .. sql_h60(key, c) .. " % " .. (2 * days + 1) ..
      " - " .. days .. ") DAY)"
end

local INT_RANGE = {
  tinyint = { -128, 127, 255 }, smallint = { -32768, 32767, 65535 },
  mediumint = { -8388608, 8388607, 16777215 },
  int = { -2147483648, 2147483647, 4294967295 }, integer = { -2147483648, 2147483647, 4294967295 },
  bigint = { math.mininteger, math.maxinteger, math.maxinteger },
}

-- Scale and range (in units of 10^-scale) of a number column.
local function number_kind(column, opts)
  opts = opts or {}
  local scale, lo, hi = opts.scale, nil, nil
  if type(column) == "table" and column.data_type then
    local dt, ty = column.data_type:lower(), (column.type or ""):lower()
    local unsigned = ty:find("unsigned") ~= nil
    if INT_RANGE[dt] then
      scale = scale or 0
      local r = INT_RANGE[dt]
      lo, hi = unsigned and 0 or r[1], unsigned and r[3] or r[2]
    elseif dt == "decimal" then
      local p, s = ty:match("%((%d+),(%d+)%)")
      p, s = tonumber(p) or 10, tonumber(s) or 0
      scale = scale or s
      if p <= 18 then
        hi = 10 ^ p - 1
        hi = math.tointeger(hi) or math.maxinteger
        lo = unsigned and 0 or -hi
      end
    end
  end
  scale = math.tointeger(scale or 0)
  local pow = 10 ^ scale
  if opts.min then lo = math.tointeger(math.floor(opts.min * pow + 0.5)) end
  if opts.max then hi = math.tointeger(math.floor(opts.max * pow + 0.5)) end
  return scale, lo or math.mininteger, hi or math.maxinteger
end

-- A number with scale s as text, from units of 10^-s.
local function units_text(u, s)
  if s == 0 then return tostring(u) end
  local neg = u < 0
  local a = tostring(neg and -u or u)
  if #a <= s then a = string.rep("0", s - #a + 1) .. a end
  return (neg and "-" or "") .. a:sub(1, #a - s) .. "." .. a:sub(#a - s + 1)
end

-- The number moved by up to `bound` either way, in steps of the column's
-- scale, and kept in its range (or opts.min, opts.max).  column: a column
-- description (t.columns.price) or nil with opts.scale.  Integers and
-- DECIMAL give the same output as mask.sql_number.
function M.number(key, value, bound, column, opts)
  if value == nil then return nil end
  local s, lo, hi = number_kind(column, opts)
  local sign, int, frac = value:match("^%s*([-+]?)(%d*)%.?(%d*)%s*$")
  if not sign or (int == "" and frac == "") or #int + s > 18 then
    return nil -- not a plain decimal number we can move exactly
  end
  frac = (frac .. string.rep("0", s)):sub(1, s)
  local u = math.tointeger(tonumber((int == "" and "0" or int) .. frac))
  if sign == "-" then u = -u end
  local b = math.tointeger(math.floor(bound * 10 ^ s + 0.5))
  u = u + h60(key, value) % (2 * b + 1) - b
  if u < lo then u = lo end
  if u > hi then u = hi end
  return units_text(u, s)
end

function M.sql_number(key, column, bound, opts)
  local s, lo, hi = number_kind(column, opts)
  local c = col_sql(column)
  local b = math.tointeger(math.floor(bound * 10 ^ s + 0.5))
  -- DECIMAL arithmetic throughout: exact, and no unsigned underflow.
  local step = s == 0 and "" or (" * 0." .. string.rep("0", s - 1) .. "1")
  local e = "(CAST(" .. c .. " AS DECIMAL(65, " .. s .. ")) + (" .. sql_h60(key, c) .. " % " ..
      (2 * b + 1) .. " - " .. b .. ")" .. step .. ")"
  if lo ~= math.mininteger then e = "GREATEST(" .. units_text(lo, s) .. ", " .. e .. ")" end
  if hi ~= math.maxinteger then e = "LEAST(" .. units_text(hi, s) .. ", " .. e .. ")" end
  return "CAST(" .. e .. " AS DECIMAL(65, " .. s .. "))"
end

-- --- pick, replace, JSON ------------------------------------------------------------

-- One of the list's entries, chosen by the hash.
function M.pick(key, value, list)
  if value == nil then return nil end
  return list[h60(key, value) % #list + 1]
end

function M.sql_pick(key, column, list)
  local q = {}
  for i, v in ipairs(list) do q[i] = quote(v) end
  return "ELT(1 + " .. sql_h60(key, col_sql(column)) .. " % " .. #list .. ", " ..
      table.concat(q, ", ") .. ")"
end

-- Every match of the PCRE2 pattern replaced; \1..\9 in repl are groups, as in
-- REGEXP_REPLACE (which, on a case-insensitive column, matches without
-- regard to case: write (?i) or (?-i) to have both forms agree).
function M.replace(value, pattern, repl)
  if value == nil then return nil end
  return sluice.regex_replace(value, pattern, repl)
end

function M.sql_replace(column, pattern, repl)
  return "REGEXP_REPLACE(" .. col_sql(column) .. ", " .. quote(pattern) .. ", " .. quote(repl) .. ")"
end

local function sorted_keys(t)
  local k = {}
  for p in pairs(t) do k[#k + 1] = p end
  table.sort(k)
  return k
end

-- Values inside a JSON document masked by path: paths = { ["$.user.email"] =
-- function(v, kind) return mask.email(key, v) end }.  Paths take '.name',
-- '[N]' and the wildcards '.*' and '[*]'; every other byte of the document
-- stays as it was.  A value that is not JSON gives nil (as the server's
-- JSON_REPLACE gives NULL).
function M.json(value, paths)
  if value == nil then return nil end
  for _, path in ipairs(sorted_keys(paths)) do
    local vals, kinds = sluice.json_get(value, path)
    if vals == nil then return nil end
    local new = {}
    for i = 1, #kinds do new[i] = paths[path](vals[i], kinds[i]) end
    value = sluice.json_set(value, path, new)
  end
  return value
end

-- The same on the server: paths = { ["$.user.email"] = function(e) return
-- mask.sql_email(key, e) end }, e being the value's expression.  No
-- wildcards (JSON_REPLACE takes none).
function M.sql_json(column, paths)
  local c = col_sql(column)
  local args = {}
  for _, path in ipairs(sorted_keys(paths)) do
    assert(not path:find("*", 1, true), "mask.sql_json: no wildcards on the server: " .. path)
    local e = M.expr("JSON_UNQUOTE(JSON_EXTRACT(" .. c .. ", " .. quote(path) .. "))")
    args[#args + 1] = quote(path)
    args[#args + 1] = paths[path](e)
  end
  return "JSON_REPLACE(" .. c .. ", " .. table.concat(args, ", ") .. ")"
end

-- --- the older SQL masks --------------------------------------------------------------

-- 16 hex digits of SHA2(key || value): deterministic like M.pseudonym (but
-- a different function: do not mix the two for one column).
function M.sql_pseudonym(key, column)
  return "LEFT(SHA2(CONCAT(" .. quote(key) .. ", " .. col_sql(column) .. "), 256), 16)"
end

function M.sql_email(key, column, domain)
  return "CONCAT('user_', LEFT(SHA2(CONCAT(" .. quote(key) .. ", " .. col_sql(column) ..
      "), 256), 12), '@', " .. quote(domain or "example.invalid") .. ")"
end

function M.sql_null() return "NULL" end

function M.sql_truncate(column, n)
  return "LEFT(" .. col_sql(column) .. ", " .. math.tointeger(n) .. ")"
end

-- --- masks that follow foreign keys ---------------------------------------------------

-- spec = { ["db.t"] = { col = m } }: the mask m of each column, found for
-- table t and, through foreign keys, for every column that references a
-- masked one (and columns referencing those).  Returns a function(t) ->
-- { col = m } over sluice.tables.
local function follower(spec)
  local memo = {}
  local function find(tk, col, depth)
    local own = spec[tk] and spec[tk][col]
    if own or depth > 64 then return own end
    local t = sluice.tables and sluice.tables[tk]
    if not t then return nil end
    for _, fk in ipairs(t.foreign_keys) do
      for i, c in ipairs(fk.columns) do
        if c == col then
          local m = find(fk.ref_schema .. "." .. fk.ref_table, fk.ref_columns[i], depth + 1)
          if m then return m end
        end
      end
    end
    return nil
  end
  return function(t)
    local tk = t.schema .. "." .. t.name
    if memo[tk] == nil then
      local out = {}
      for _, c in ipairs(t.columns) do
        local m = find(tk, c.name, 0)
        if m then out[c.name] = m end
      end
      memo[tk] = next(out) and out or false
    end
    return memo[tk] or nil
  end
end

-- columns = mask.sql_columns{ ["db.t"] = { col = function(column) return SQL end } }
-- Each function gets the column's description and returns its SQL mask;
-- columns that reference a masked key get the same mask of their own values.
function M.sql_columns(spec)
  local find = follower(spec)
  return function(t)
    local fns = find(t)
    if not fns then return nil end
    local out = {}
    for col, fn in pairs(fns) do out[col] = fn(t.columns[col]) end
    return out
  end
end

-- transform = mask.transforms{ ["db.t"] = { col = function(value) return masked end } }
-- The same in Lua: referencing columns get the same function.
function M.transforms(spec)
  local find = follower(spec)
  return function(t, rows)
    local fns = find(t)
    if not fns then return end
    for col, fn in pairs(fns) do M.column(rows, col, fn) end
  end
end

-- Apply fn(value) to every value of a column of a transform() block.
function M.column(rows, name, fn)
  local v = rows:column(name)
  for i = 1, rows.n do v[i] = fn(v[i]) end
end

return M

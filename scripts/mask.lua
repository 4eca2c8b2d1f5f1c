-- mask.lua - masking helpers for sluice scripts: local mask = require "mask"
--
-- Deterministic: the same key and input give the same output, in every run
-- and every table, so masked values still join (customers.email masked in
-- two tables stays equal).  Keys are secrets: keep them out of the script,
-- e.g. options = { ... } or a file only the job runner reads.
--
-- Row helpers work on values (strings or nil) inside transform(); the
-- sql_* helpers return SQL expressions for `columns`, masking on the server.
local M = {}

local FIRST = { "Alex", "Sam", "Robin", "Kim", "Noa", "Jo", "Charlie", "Toni", "Mika", "Ari",
  "Dana", "Eli", "Fran", "Gabi", "Jules", "Lou" }
local LAST = { "Smith", "Garcia", "Muller", "Rossi", "Novak", "Silva", "Kowalski", "Dubois",
  "Jensen", "Tanaka", "Okafor", "Haddad", "Lind", "Costa", "Moreau", "Berg" }

-- A hex token (16 digits) for value, with an optional prefix.
function M.pseudonym(key, value, prefix)
  if value == nil then return nil end
  return (prefix or "") .. sluice.hash(key, value)
end

-- user_<12 hex>@<domain>: a valid, unique-per-input address.
function M.email(key, value, domain)
  if value == nil then return nil end
  return "user_" .. sluice.hash(key, value):sub(1, 12) .. "@" .. (domain or "example.invalid")
end

-- "First Last" picked by the hash.
function M.name(key, value)
  if value == nil then return nil end
  local h = sluice.hashnum(key, value)
  return FIRST[h % #FIRST + 1] .. " " .. LAST[(h // #FIRST) % #LAST + 1]
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

-- Apply fn(value) to every value of a column of a transform() block.
function M.column(rows, name, fn)
  local v = rows:column(name)
  for i = 1, rows.n do v[i] = fn(v[i]) end
end

-- --- SQL expressions for `columns` (masking pushed down to the server) ---

local function quote(s)
  return "'" .. s:gsub("\\", "\\\\"):gsub("'", "''") .. "'"
end

local function ident(s)
  return "`" .. s:gsub("`", "``") .. "`"
end

-- 16 hex digits of SHA2(key || value): deterministic like M.pseudonym (but
-- a different function: do not mix the two for one column).
function M.sql_pseudonym(key, column)
  return "LEFT(SHA2(CONCAT(" .. quote(key) .. ", " .. ident(column) .. "), 256), 16)"
end

function M.sql_email(key, column, domain)
  return "CONCAT('user_', LEFT(SHA2(CONCAT(" .. quote(key) .. ", " .. ident(column) ..
      "), 256), 12), '@', " .. quote(domain or "example.invalid") .. ")"
end

function M.sql_null() return "NULL" end

function M.sql_truncate(column, n)
  return "LEFT(" .. ident(column) .. ", " .. math.tointeger(n) .. ")"
end

return M

-- subset.lua - referentially complete subsets: local subset = require "subset"
--
--   local plan = subset.plan{
--     seeds    = { ["shop.orders"] = "created_at >= '2026-01-01'" },
--     lookups  = { "shop.products" },      -- copied whole
--     children = 100,                       -- optional: each seed parent brings
--                                           -- up to 100 of its direct children
--   }
--   tables = plan.tables     -- leaves out what the subset does not need
--   where  = plan.where      -- the rows it needs
--
-- Every kept row's parents are kept: a table's condition is its seed OR
-- "key IN (SELECT fk FROM child WHERE <child's condition>)" for each child
-- in the subset, built from the foreign keys sluice read (t.referenced_by).
-- All conditions run inside the dump's one snapshot, so the subset is
-- consistent.  Self-references and cycles are not followed (a row's parent
-- in the same table is kept only when it matches on its own).
local M = {}

local function ident(s) return "`" .. s:gsub("`", "``") .. "`" end

local function cols(list)
  local out = {}
  for i, c in ipairs(list) do out[i] = ident(c) end
  if #out == 1 then return out[1] end
  return "(" .. table.concat(out, ",") .. ")"
end

function M.plan(spec)
  local seeds = spec.seeds or {}
  local lookups = {}
  for _, name in ipairs(spec.lookups or {}) do lookups[name] = true end
  local limit = spec.children
  local memo, visiting = {}, {}

  local function key(t) return t.schema .. "." .. t.name end

  -- The SQL condition of the rows kept in table k, or nil when none are.
  local function kept(k)
    if memo[k] ~= nil then return memo[k] or nil end
    if visiting[k] then return nil end
    visiting[k] = true
    local t = sluice.tables[k]
    local parts = {}
    if seeds[k] then parts[#parts + 1] = "(" .. seeds[k] .. ")" end
    if t then
      for _, ref in ipairs(t.referenced_by) do
        local child = ref.schema .. "." .. ref.table
        if child ~= k and not lookups[child] then
          local c = kept(child)
          if c then
            parts[#parts + 1] = cols(ref.ref_columns) .. " IN (SELECT " .. cols(ref.columns) ..
                " FROM " .. ident(ref.schema) .. "." .. ident(ref.table) .. " WHERE " .. c .. ")"
          end
        end
      end
      if limit then
        for _, fk in ipairs(t.foreign_keys) do
          local parent = fk.ref_schema .. "." .. fk.ref_table
          if seeds[parent] and parent ~= k then
            parts[#parts + 1] = cols(fk.columns) .. " IN (SELECT * FROM (SELECT " ..
                cols(fk.ref_columns) .. " FROM " .. ident(fk.ref_schema) .. "." ..
                ident(fk.ref_table) .. " WHERE " .. seeds[parent] .. ") AS p) AND " ..
                "(SELECT COUNT(*) FROM " .. ident(t.schema) .. "." .. ident(t.name) ..
                " AS s WHERE " .. (function()
                  local eq = {}
                  for i, c in ipairs(fk.columns) do
                    eq[i] = "s." .. ident(c) .. " = " .. ident(t.name) .. "." .. ident(c)
                  end
                  for i, c in ipairs(t.primary_key or {}) do
                    eq[#eq + 1] = "s." .. ident(c) .. " <= " .. ident(t.name) .. "." .. ident(c)
                  end
                  return table.concat(eq, " AND ")
                end)() .. ") <= " .. math.tointeger(limit)
          end
        end
      end
    end
    visiting[k] = nil
    local cond = #parts > 0 and table.concat(parts, " OR ") or false
    memo[k] = cond
    return cond or nil
  end

  local plan = {}
  function plan.tables(t)
    local k = key(t)
    if t.kind == "view" then return true end
    return lookups[k] or kept(k) ~= nil
  end
  function plan.where(t)
    local k = key(t)
    if lookups[k] then return nil end
    return kept(k)
  end
  plan.condition = kept
  return plan
end

return M

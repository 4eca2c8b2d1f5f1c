-- subset.lua - referentially complete subsets: local subset = require "subset"
--
--   local plan = subset.plan{
--     seeds    = { ["shop.orders"] = "created_at >= '2026-01-01'" },
--     lookups  = { "shop.countries" },      -- copied whole
--     children = { ["shop.order_items"] = 100 }, -- optional, see below
--     max_keys = 1000000,                   -- optional bound on the keys held
--   }
--   tables = plan.tables     -- leaves out what the subset does not need
--   where  = plan.where      -- exactly the rows it needs
--
-- Every kept row's parents are kept, transitively, whatever the foreign
-- keys look like: cycles between tables (store <-> staff), self-references
-- of any depth (managers, category trees), composite keys, keys to a
-- UNIQUE column that is not the primary key, keys across databases.  A
-- NULL key needs no parent.  Seed rows are all kept.
--
-- How: the rows are found with queries (sluice.query) inside the dump's
-- own snapshot, before any row is dumped, so the subset is exactly what
-- the dump then reads.  Each table's kept rows are held as a set of their
-- primary keys (or of a UNIQUE NOT NULL key); new keys are followed to
-- their parents in batches of IN lists ("SELECT <keys> FROM parent WHERE
-- (ref columns) IN (...)"), and the walk repeats until no set grows: a
-- fixed point, which cycles and self-references reach like any other
-- edge.  where(t) is then "(key) IN (the kept keys)".  A table without
-- such a key is kept by its seed condition and the values its children
-- point at.  The keys held are bounded by max_keys (default 1,000,000):
-- past it the run stops with an error instead of dropping any; they live
-- in the script's memory (--script-memory), and the walk runs in the first
-- hook call (--script-budget, --script-timeout).
--
-- children: each seed row brings up to N rows of each table that references
-- it (the first N by key), and their parents come along.
--   children = N                    every child table, one level below the seeds
--   children = { ["db.t"] = N, ... } those tables, and further down through
--                                    them: rows brought as children bring
--                                    their own children of listed tables
-- A child table without a primary or unique key brings all its children.
--
-- Lookups are copied whole (and their parents kept).  Tables that kept
-- tables reference come along even when none of their rows is needed
-- (empty), so every foreign key of the subset has its table.  Views are
-- kept when their tables are (sluice leaves out a view whose tables are
-- not in the run, with a warning); sequences always are.
local M = {}

local function ident(s) return "`" .. s:gsub("`", "``") .. "`" end

local function cols_sql(list)
  local out = {}
  for i, c in ipairs(list) do out[i] = ident(c) end
  if #out == 1 then return out[1] end
  return "(" .. table.concat(out, ",") .. ")"
end

local function name_of(t) return t.schema .. "." .. t.name end

-- The key that identifies a table's rows: the primary key, or the first
-- UNIQUE key whose columns are all NOT NULL.
local function row_key(t)
  if t.primary_key and #t.primary_key > 0 then return t.primary_key end
  for _, k in ipairs(t.unique_keys or {}) do
    local ok = true
    for _, c in ipairs(k.columns) do
      local col = t.columns[c]
      if not col or col.nullable then ok = false end
    end
    if ok then return k.columns end
  end
  return nil
end

function M.plan(spec)
  spec = spec or {}
  local seeds = spec.seeds or {}
  local lookups = {}
  for _, name in ipairs(spec.lookups or {}) do lookups[name] = true end
  local max_keys = math.tointeger(spec.max_keys or 1000000)
  local batch = math.tointeger(spec.batch or 2000)
  local children = spec.children
  if children ~= nil and type(children) ~= "table" then
    children = math.tointeger(children)
    assert(children and children >= 0, "subset: children must be a number or a table")
  end

  local nodes        -- "db.t" -> node, built on first use
  local held = 0     -- keys and values held, for max_keys
  local computed = false

  local function fail(fmt, ...) error("subset: " .. string.format(fmt, ...), 0) end

  local function hold(n)
    held = held + n
    if held > max_keys then
      fail("more than %d keys would be held (max_keys); narrow the seeds, or raise max_keys "
           .. "(and --script-memory)", max_keys)
    end
  end

  -- The graph: one node per base table of the run.
  local function build()
    nodes = {}
    for k, t in pairs(sluice.tables or {}) do
      if t.kind == "table" then
        nodes[k] = {
          t = t, name = k, key = row_key(t),
          kept = {}, nkept = 0,        -- key literal -> true
          down = {},                   -- keys of rows that bring children
          conds = {},                  -- keyless tables: seed conditions
          wanted = {},                 -- signature -> {cols, set, n, pending}
          down_wanted = {},            -- fk name -> {fk, parent, set, pending}
          whole = lookups[k] or false,
        }
      end
    end
    for k in pairs(seeds) do
      if not nodes[k] then fail("seed table %s is not a table of the run", k) end
    end
    for k in pairs(lookups) do
      if not nodes[k] then fail("lookup table %s is not a table of the run", k) end
    end
    if type(children) == "table" then
      for k in pairs(children) do
        if not nodes[k] then fail("children: %s is not a table of the run", k) end
      end
    end
  end

  -- The columns a query of node n reads: its key, every foreign key's
  -- columns, and the columns its children reference.
  local function select_list(n)
    if n.sel then return n.sel end
    local seen, list = {}, {}
    local function add(c) if not seen[c] then seen[c] = #list + 1; list[#list + 1] = c end end
    for _, c in ipairs(n.key or {}) do add(c) end
    for _, fk in ipairs(n.t.foreign_keys) do for _, c in ipairs(fk.columns) do add(c) end end
    for _, ref in ipairs(n.t.referenced_by) do
      for _, c in ipairs(ref.ref_columns) do add(c) end
    end
    if #list == 0 then add(n.t.columns[1].name) end
    n.sel, n.pos = list, seen
    return list
  end

  -- A tuple of the row's values in 'cols' as an SQL literal, rendered
  -- with the columns of 'as' (the table they are compared in); nil when a
  -- value is NULL.
  local function tuple(n, row, cols, as_t, as_cols)
    local parts = {}
    for i, c in ipairs(cols) do
      local v = row[n.pos[c]]
      if v == nil then return nil end
      parts[i] = sluice.sql_value(v, as_t.columns[as_cols[i]])
    end
    if #parts == 1 then return parts[1] end
    return "(" .. table.concat(parts, ",") .. ")"
  end

  local function parent_of(n, fk)
    local pk = fk.ref_schema .. "." .. fk.ref_table
    local p = nodes[pk]
    if not p then
      fail("%s references %s (%s), which is not part of the run: select its database "
           .. "too", n.name, pk, fk.name)
    end
    return p
  end

  -- Ask for rows of p whose 'cols' equal 'lit'.
  local function want(p, cols, lit)
    if p.whole then return end
    local sig = table.concat(cols, "\0")
    local w = p.wanted[sig]
    if not w then
      w = { cols = cols, set = {}, n = 0, pending = {} }
      p.wanted[sig] = w
    end
    if w.set[lit] then return end
    w.set[lit] = true
    w.n = w.n + 1
    w.pending[#w.pending + 1] = lit
    hold(1)
  end

  -- Rows of c referencing the brought-down row of n, up to the limit.
  local function want_children(n, row)
    for _, ref in ipairs(n.t.referenced_by) do
      local ck = ref.schema .. "." .. ref.table
      local limit = children
      if type(children) == "table" then limit = children[ck] end
      local c = nodes[ck]
      if limit and c and not c.whole then
        local lit = tuple(n, row, ref.ref_columns, c.t, ref.columns)
        if lit then
          local w = c.down_wanted[ref.name]
          if not w then
            w = { ref = ref, limit = limit, set = {}, pending = {} }
            c.down_wanted[ref.name] = w
          end
          if not w.set[lit] then
            w.set[lit] = true
            w.pending[#w.pending + 1] = lit
            hold(1)
          end
        end
      end
    end
  end

  -- A row of n was found: keep it, ask for its parents, and (down) its
  -- children.
  local function take(n, row, down)
    local new, newdown = true, down
    if n.key then
      local id = tuple(n, row, n.key, n.t, n.key)
      if n.kept[id] then new = false else
        n.kept[id] = true
        n.nkept = n.nkept + 1
        hold(1)
      end
      if down then
        if n.down[id] then newdown = false else n.down[id] = true end
      end
    end
    if new then
      for _, fk in ipairs(n.t.foreign_keys) do
        local null = false
        for _, c in ipairs(fk.columns) do null = null or row[n.pos[c]] == nil end
        if not null then -- a NULL key needs no parent
          local p = parent_of(n, fk)
          want(p, fk.ref_columns, tuple(n, row, fk.columns, p.t, fk.ref_columns))
        end
      end
    end
    if newdown and children then want_children(n, row) end
  end

  local function query_rows(n, cond, down)
    local sql = "SELECT " .. (function()
      local l = {}
      for i, c in ipairs(select_list(n)) do l[i] = ident(c) end
      return table.concat(l, ",")
    end)() .. " FROM " .. ident(n.t.schema) .. "." .. ident(n.t.name)
    if cond then sql = sql .. " WHERE " .. cond end
    sluice.query(sql, function(row) take(n, row, down) end)
  end

  -- Take up to 'batch' entries off a pending list as an IN list.
  local function next_batch(pending)
    local k = #pending
    if k == 0 then return nil end
    local from = k > batch and k - batch + 1 or 1
    local lits = table.move(pending, from, k, 1, {})
    for i = k, from, -1 do pending[i] = nil end
    return table.concat(lits, ",")
  end

  local function children_transitive() return type(children) == "table" end

  local function compute()
    if computed then return end
    computed = true
    build()
    -- Lookups: their parents.
    for k in pairs(lookups) do
      local n = nodes[k]
      if #n.t.foreign_keys > 0 then query_rows(n, nil, false) end
    end
    -- Seeds.
    for k, cond in pairs(seeds) do
      local n = nodes[k]
      if not n.whole then
        if not n.key then n.conds[#n.conds + 1] = "(" .. cond .. ")" end
        query_rows(n, "(" .. cond .. ")", true)
      end
    end
    -- To the fixed point: parents asked for, children asked for.
    repeat
      local busy = false
      for _, n in pairs(nodes) do
        for _, w in pairs(n.wanted) do
          local list = next_batch(w.pending)
          while list do
            busy = true
            query_rows(n, cols_sql(w.cols) .. " IN (" .. list .. ")", false)
            list = next_batch(w.pending)
          end
        end
        for _, w in pairs(n.down_wanted) do
          local list = next_batch(w.pending)
          while list do
            busy = true
            local fkc = cols_sql(w.ref.columns)
            local cond = fkc .. " IN (" .. list .. ")"
            if n.key then
              local sel = {}
              for i, c in ipairs(select_list(n)) do sel[i] = ident(c) end
              local ordered = {}
              for i, c in ipairs(n.key) do ordered[i] = ident(c) end
              local sql = "SELECT " .. table.concat(sel, ",") .. " FROM (SELECT " ..
                  table.concat(sel, ",") .. ", ROW_NUMBER() OVER (PARTITION BY " ..
                  table.concat((function()
                    local l = {}
                    for i, c in ipairs(w.ref.columns) do l[i] = ident(c) end
                    return l
                  end)(), ",") .. " ORDER BY " .. table.concat(ordered, ",") ..
                  ") AS sluice_rn FROM " .. ident(n.t.schema) .. "." .. ident(n.t.name) ..
                  " WHERE " .. cond .. ") AS sluice_c WHERE sluice_rn <= " ..
                  math.tointeger(w.limit)
              sluice.query(sql, function(row) take(n, row, children_transitive()) end)
            else
              n.conds[#n.conds + 1] = cond
              query_rows(n, cond, children_transitive())
            end
            list = next_batch(w.pending)
          end
        end
      end
    until not busy
    -- What was found, for -v.
    local names = {}
    for k in pairs(nodes) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      local n = nodes[k]
      if n.whole then
        sluice.log("subset: " .. k .. ": whole table")
      elseif n.nkept > 0 or #n.conds > 0 or next(n.wanted) then
        sluice.log(string.format("subset: %s: %s", k, n.key and (n.nkept .. " rows")
                                 or "rows by condition"))
      end
    end
  end

  -- The SQL condition of the rows kept in table k; false when none are;
  -- nil when all are.
  local memo = {}
  local function condition(k)
    compute()
    local n = nodes[k]
    if not n then return false end
    if n.whole then return nil end
    if memo[k] ~= nil then return memo[k] end
    local cond = false
    if n.key then
      if n.nkept > 0 then
        local lits = {}
        for id in pairs(n.kept) do lits[#lits + 1] = id end
        table.sort(lits)
        cond = cols_sql(n.key) .. " IN (" .. table.concat(lits, ",") .. ")"
      end
    else
      local parts = {}
      for _, c in ipairs(n.conds) do parts[#parts + 1] = c end
      for _, w in pairs(n.wanted) do
        local lits = {}
        for lit in pairs(w.set) do lits[#lits + 1] = lit end
        if #lits > 0 then
          table.sort(lits)
          parts[#parts + 1] = cols_sql(w.cols) .. " IN (" .. table.concat(lits, ",") .. ")"
        end
      end
      if #parts > 0 then cond = table.concat(parts, " OR ") end
    end
    memo[k] = cond
    return cond
  end

  -- Tables that kept tables reference (transitively) come along, empty
  -- when no row of theirs is needed: every foreign key has its table.
  local needed
  local function needed_tables()
    if needed then return needed end
    needed = {}
    local function visit(k)
      if needed[k] then return end
      needed[k] = true
      for _, fk in ipairs(nodes[k].t.foreign_keys) do
        local pk = fk.ref_schema .. "." .. fk.ref_table
        if nodes[pk] then visit(pk) end
      end
    end
    for k in pairs(nodes) do
      if condition(k) ~= false then visit(k) end
    end
    return needed
  end

  local plan = {}
  function plan.tables(t)
    if t.kind ~= "table" then return true end
    compute()
    return needed_tables()[name_of(t)] or false
  end
  function plan.where(t)
    local c = condition(name_of(t))
    if c == false then return "1 = 0" end
    return c
  end
  -- The condition of table "db.t" (nil: every row, false: none).
  function plan.condition(k) return condition(k) end
  -- How many rows of "db.t" the subset keeps (nil: all, or counted by condition).
  function plan.count(k)
    compute()
    local n = nodes[k]
    if not n then return 0 end
    if n.whole or not n.key then return nil end
    return n.nkept
  end
  return plan
end

return M

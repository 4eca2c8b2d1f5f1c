-- subset.lua - referentially complete subsets: local subset = require "subset"
--
--   local plan = subset.plan{
--     seeds    = { ["shop.orders"] = "created_at >= '2026-01-01'" },
--     lookups  = { "shop.countries" },      -- copied whole
--     children = { ["shop.order_items"] = 100 }, -- optional, see below
--     max_keys = 1000000,                   -- optional bound on the keys held
--     whole_at = 0.5, whole_min = 10000,    -- optional, see below
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
-- How: the rows are found with queries (sluice.queries) inside the dump's
-- own snapshot, before any row is dumped, so the subset is exactly what
-- the dump then reads.  Each table's kept rows are held as a set of their
-- primary keys (or of a UNIQUE NOT NULL key); new keys are followed to
-- their parents in batches of IN lists ("SELECT <keys> FROM parent WHERE
-- (ref columns) IN (...)"), a round of batches at a time, sent at once on
-- the snapshot's connections, and the walk repeats until no set grows: a
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
-- whole_at: a parent table of whole_min rows or more (default 10,000, the
-- catalog's estimate) of which at least this fraction is asked for is
-- taken whole: one scan
-- for its rows' parents instead of its key set, long IN lists of
-- scattered keys and a long condition for the dump (false: never).  Not
-- a seed table, nor one that children are brought from.
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
  -- A parent table of at least whole_min rows (the catalog's estimate) is
  -- taken whole once the keys asked of it reach this fraction of its rows
  -- (false: never).
  local whole_at = spec.whole_at
  if whole_at == nil then whole_at = 0.5 end
  assert(whole_at == false or (type(whole_at) == "number" and whole_at > 0),
         "subset: whole_at must be a fraction above 0, or false")
  local whole_min = math.tointeger(spec.whole_min or 10000)
  local batch = math.tointeger(spec.batch or 5000)
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

  local sql_value, concat = sluice.sql_value, table.concat
  local find, sub, tointeger = string.find, string.sub, math.tointeger
  -- Integer columns come as Lua integers: no string per value, and keys
  -- hash as numbers.  Every query of the walk asks for it, so a key has
  -- one form wherever it is met (a BIGINT past 18 digits stays text).
  local INTS = { integers = true }
  -- The form a value of an integer column has in those rows: an integer
  -- for plain decimal text of up to 18 digits, else the text itself.
  local function int_form(f)
    local digits = f:match("^%-?(%d+)$")
    if digits and #digits <= 18 and (#digits == 1 or digits:sub(1, 1) ~= "0") then
      return tointeger(f)
    end
    return f
  end
  -- The first value of a composite key's literal "(first,...)" (literals
  -- hold no comma: text is written in hex), in the form rows give it.
  local function first_in(id, integer)
    local f = sub(id, 2, find(id, ",", 2, true) - 1)
    if integer then return int_form(f) end
    return f
  end

  -- The graph: one node per base table of the run.
  local function build()
    nodes = {}
    for k, t in pairs(sluice.tables or {}) do
      if t.kind == "table" then
        nodes[k] = {
          t = t, name = k, key = row_key(t),
          kept = {}, nkept = 0,        -- key literal -> 1 (2: brought children)
          conds = {},                  -- keyless tables: seed conditions
          wanted = {},                 -- signature -> {cols, set, pending}
          down_wanted = {},            -- list of {ref, limit, set, pending}
          complete = {},               -- first key column values all kept
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

  -- Integer and DECIMAL values are their own literals: no call needed.
  local BARE = { tinyint = true, smallint = true, mediumint = true, int = true, integer = true,
                 bigint = true, decimal = true }

  local INTEGER = { tinyint = true, smallint = true, mediumint = true, int = true, integer = true,
                    bigint = true }

  -- "col IN (...)" for literals of one column; for an integer column, runs
  -- of consecutive values become BETWEEN ranges: a contiguous block of keys
  -- is one range scan for the server, not thousands of lookups (sorted in
  -- C: key lists are long).
  local sql_int_in = sluice.sql_int_in
  local function in_sql(colsql, lits, integer)
    -- The literals are the server's text of numbers or quoted strings:
    -- one that reads as an integer is that integer in SQL too.
    local sql = integer and sql_int_in(colsql, lits)
    if sql then return sql end
    local text = {} -- (a list may hold integers and text: sorted as text)
    for i, l in ipairs(lits) do text[i] = tostring(l) end
    table.sort(text)
    return colsql .. " IN (" .. concat(text, ",") .. ")"
  end

  -- The IN condition of literals of 'cols' of node n.
  local function match_sql(n, cols, lits)
    if #cols == 1 then
      local col = n.t.columns[cols[1]]
      return in_sql(ident(cols[1]), lits, col and INTEGER[col.data_type])
    end
    table.sort(lits)
    return cols_sql(cols) .. " IN (" .. concat(lits, ",") .. ")"
  end

  -- A function of a row giving the values of 'cols' (at positions at[col])
  -- as one SQL literal (a tuple for several), rendered with the columns
  -- 'as_cols' of table as_t (where they are compared), or nil when one is
  -- NULL.
  local function getter(at, cols, as_t, as_cols)
    local pos, bare, desc = {}, {}, {}
    for i, c in ipairs(cols) do
      pos[i] = at[c]
      desc[i] = as_t.columns[as_cols[i]]
      bare[i] = BARE[desc[i].data_type] or false
    end
    if #cols == 1 then
      local p1, b1, d1 = pos[1], bare[1], desc[1]
      if b1 then return function(row) return row[p1] end end
      return function(row)
        local v = row[p1]
        return v and sql_value(v, d1)
      end
    end
    if #cols == 2 and bare[1] and bare[2] then
      local p1, p2 = pos[1], pos[2]
      return function(row)
        local a, b = row[p1], row[p2]
        return a and b and "(" .. a .. "," .. b .. ")" or nil
      end
    end
    return function(row)
      local parts = {}
      for i = 1, #pos do
        local v = row[pos[i]]
        if v == nil then return nil end
        parts[i] = bare[i] and v or sql_value(v, desc[i])
      end
      return "(" .. concat(parts, ",") .. ")"
    end
  end

  -- The entry of p that collects values of its columns 'cols' to ask for.
  local function wanted_of(p, cols)
    local sig = concat(cols, "\0")
    local w = p.wanted[sig]
    if not w then
      w = { cols = cols, set = {}, pending = {},
            is_key = p.key ~= nil and sig == concat(p.key, "\0") }
      p.wanted[sig] = w
    end
    return w
  end

  -- What a query of node n reads (its key, every foreign key's columns and
  -- the columns its children reference) and, once, the edges a row follows.
  local function prepare(n)
    if n.sel then return end
    local pos, list = {}, {}
    local function add(c) if not pos[c] then pos[c] = #list + 1; list[#list + 1] = c end end
    for _, c in ipairs(n.key or {}) do add(c) end
    for _, fk in ipairs(n.t.foreign_keys) do for _, c in ipairs(fk.columns) do add(c) end end
    for _, ref in ipairs(n.t.referenced_by) do
      for _, c in ipairs(ref.ref_columns) do add(c) end
    end
    if #list == 0 then add(n.t.columns[1].name) end
    n.sel, n.pos = list, pos
    local quoted = {}
    for i, c in ipairs(list) do quoted[i] = ident(c) end
    n.sel_sql = concat(quoted, ",")
    n.id_of = n.key and getter(pos, n.key, n.t, n.key)
    -- A composite key's kept rows counted by their first column's value
    -- (where() takes a value whole when all its rows are kept).
    if n.key and #n.key > 1 then
      n.first_of = getter(pos, { n.key[1] }, n.t, { n.key[1] })
      n.firsts = {}
    end
    -- Up: the parents each row needs; ups_sql reads just their columns
    -- (SELECT DISTINCT, for rows whose keys are known already).
    n.ups = {}
    local upos, ulist = {}, {}
    for _, fk in ipairs(n.t.foreign_keys) do
      for _, c in ipairs(fk.columns) do
        if not upos[c] then upos[c] = #ulist + 1; ulist[#ulist + 1] = ident(c) end
      end
    end
    n.ups_sql = #ulist > 0 and concat(ulist, ",") or nil
    for _, fk in ipairs(n.t.foreign_keys) do
      local pk = fk.ref_schema .. "." .. fk.ref_table
      local p = nodes[pk]
      local as_t, as_cols = p and p.t or n.t, p and fk.ref_columns or fk.columns
      n.ups[#n.ups + 1] = {
        fk = fk, parent = pk, p = p,
        get = getter(pos, fk.columns, as_t, as_cols),
        get_distinct = getter(upos, fk.columns, as_t, as_cols),
        w = p and not p.whole and wanted_of(p, fk.ref_columns) or nil,
      }
    end
    -- Down: the children a brought-down row brings.
    n.downs = {}
    for _, ref in ipairs(n.t.referenced_by) do
      local ck = ref.schema .. "." .. ref.table
      local limit = children
      if type(children) == "table" then limit = children[ck] end
      local c = nodes[ck]
      if limit and c and not c.whole then
        local w = { ref = ref, limit = limit, set = {}, pending = {} }
        c.down_wanted[#c.down_wanted + 1] = w
        n.downs[#n.downs + 1] = { get = getter(pos, ref.ref_columns, c.t, ref.columns), w = w }
      end
    end
  end

  -- Ask for a value of an entry (wanted or down_wanted) once.
  -- (Called per row: kept tight.)
  local function ask(w, lit)
    local set = w.set
    if set[lit] then return end
    set[lit] = true
    local pending = w.pending
    pending[#pending + 1] = lit
    held = held + 1
    if held > max_keys then hold(0) end
  end

  -- Ask for the parents of a row of n (getter 'how' of each edge).
  local function follow_up(n, row, how)
    local ups = n.ups
    for i = 1, #ups do
      local up = ups[i]
      local lit = up[how](row) -- nil: a NULL key needs no parent
      if lit then
        local p = up.p
        if not p then
          fail("%s references %s (%s), which is not part of the run: select its "
               .. "database too", n.name, up.parent, up.fk.name)
        end
        local w = up.w
        if w and not p.whole and not (w.is_key and p.kept[lit]) then ask(w, lit) end
      end
    end
  end

  -- A row of n was found: keep it, ask for its parents, and (down) its
  -- children.
  local function take(n, row, down)
    local new, newdown = true, down
    if n.key then
      -- kept[id]: 1, or 2 once the row has brought its children
      local id, kept = n.id_of(row), n.kept
      local k = kept[id]
      if k then
        new = false
        if down and k == 1 then kept[id] = 2 else newdown = false end
      else
        kept[id] = down and 2 or 1
        n.nkept = n.nkept + 1
        held = held + 1
        if held > max_keys then hold(0) end
        local firsts = n.firsts
        if firsts then
          local f = n.first_of(row)
          firsts[f] = (firsts[f] or 0) + 1
        end
      end
    end
    if new then follow_up(n, row, "get") end
    if newdown then
      local downs = n.downs
      for i = 1, #downs do
        local d = downs[i]
        local lit = d.get(row)
        if lit then ask(d.w, lit) end
      end
    end
  end

  -- A query of a round (run_round): its text, what takes each of its rows,
  -- and what to do once they are all taken.
  local function rows_query(n, cond, down, size)
    prepare(n)
    local sql = "SELECT " .. n.sel_sql .. " FROM " .. ident(n.t.schema) .. "." .. ident(n.t.name)
    if cond then sql = sql .. " WHERE " .. cond end
    return { sql = sql, fn = function(row) take(n, row, down) end, size = size or math.huge }
  end

  -- Run a round's queries at once on the snapshot's connections: the
  -- server works on the next ones while the rows of one are taken.
  local function run_round(round)
    if #round == 0 then return end
    -- The smallest first (its rows come soon), then the largest: the server
    -- works on the big ones while the hook takes the rows of the small one.
    if #round > 2 then
      table.sort(round, function(a, b) return a.size > b.size end)
      table.insert(round, 1, table.remove(round))
    end
    local sqls, fns = {}, {}
    for i, q in ipairs(round) do sqls[i], fns[i] = q.sql, q.fn end
    sluice.queries(sqls, fns, INTS)
    for _, q in ipairs(round) do
      if q.after then q.after() end
    end
  end

  -- Take up to 'batch' entries off a pending list.
  local function next_batch(pending)
    local k = #pending
    if k == 0 then return nil end
    local from = k > batch and k - batch + 1 or 1
    local lits = table.move(pending, from, k, 1, {})
    for i = k, from, -1 do pending[i] = nil end
    return lits
  end

  local function children_transitive() return type(children) == "table" end

  -- A large share of a big parent table asked for: keeping it whole costs
  -- one scan for its parents instead of a key set, IN lists of thousands
  -- of scattered keys, and a long condition for the dump.  Only a table
  -- that is neither a seed nor a child brought down (those keep rows by
  -- their own rules); its parents: the distinct values of all its rows.
  local function maybe_whole(n)
    if not whole_at or n.whole or not n.key or seeds[n.name] or #n.down_wanted > 0
       or (n.t.rows or 0) < whole_min then
      return false
    end
    local asked = n.nkept
    for _, w in pairs(n.wanted) do asked = asked + #w.pending end
    if asked < whole_at * n.t.rows then return false end
    local freed = n.nkept
    for _, w in pairs(n.wanted) do
      for _ in pairs(w.set) do freed = freed + 1 end
    end
    n.whole, n.kept, n.nkept, n.wanted = true, {}, 0, {}
    if n.firsts then n.firsts = {} end
    held = held - freed
    if n.ups_sql then
      sluice.queries({ "SELECT DISTINCT " .. n.ups_sql .. " FROM " .. ident(n.t.schema) .. "." ..
                       ident(n.t.name) }, { function(row) follow_up(n, row, "get_distinct") end },
                     INTS)
    end
    return true
  end

  -- Keys of n asked for through its key: keep them, and read only the
  -- distinct values of their foreign keys (a key the source lacks matches
  -- no row when dumped).  The query, or nil when none is needed.
  local function key_batch(n, w, list)
    local new = {}
    for _, lit in ipairs(list) do
      if not n.kept[lit] then
        n.kept[lit] = 1
        if n.firsts then
          local f = first_in(lit, INTEGER[n.t.columns[n.key[1]].data_type])
          n.firsts[f] = (n.firsts[f] or 0) + 1
        end
        n.nkept = n.nkept + 1
        hold(1)
        new[#new + 1] = lit
      end
    end
    if #new == 0 or not n.ups_sql then return nil end
    return { sql = "SELECT DISTINCT " .. n.ups_sql .. " FROM " .. ident(n.t.schema) .. "." ..
                   ident(n.t.name) .. " WHERE " .. match_sql(n, w.cols, new),
             fn = function(row) follow_up(n, row, "get_distinct") end, size = #new }
  end

  -- Children of n asked for by their parents' values (w.ref.columns): up to
  -- w.limit per parent, the first by key.
  local function down_batch(n, w, list)
    local cond = match_sql(n, w.ref.columns, list)
    if not n.key then
      n.conds[#n.conds + 1] = cond
      return rows_query(n, cond, children_transitive(), #list)
    end
    local part, ordered = {}, {}
    for i, c in ipairs(w.ref.columns) do part[i] = ident(c) end
    for i, c in ipairs(n.key) do ordered[i] = ident(c) end
    local sql = "SELECT " .. n.sel_sql .. " FROM (SELECT " .. n.sel_sql ..
        ", ROW_NUMBER() OVER (PARTITION BY " .. concat(part, ",") .. " ORDER BY " ..
        concat(ordered, ",") .. ") AS sluice_rn FROM " .. ident(n.t.schema) .. "." ..
        ident(n.t.name) .. " WHERE " .. cond .. ") AS sluice_c WHERE sluice_rn <= " ..
        math.tointeger(w.limit)
    -- A parent that got fewer children than the limit got them all: when
    -- it is named by the first key column, where() then needs no count to
    -- take that value whole.  (Fewer kept rows of that value than the limit
    -- means exactly that: had the limit cut, as many would be kept.)
    local whole_first = #n.key > 1 and #w.ref.columns == 1 and w.ref.columns[1] == n.key[1]
    local transitive = children_transitive()
    return {
      sql = sql, size = #list,
      fn = function(row) take(n, row, transitive) end,
      after = whole_first and function()
        local firsts = n.firsts
        for _, lit in ipairs(list) do
          if (firsts[lit] or 0) < w.limit then n.complete[lit] = true end
        end
      end or nil,
    }
  end

  -- Queries in one round: more adds no overlap, only memory.
  local round_max = 16

  local function compute()
    if computed then return end
    computed = true
    build()
    for _, n in pairs(nodes) do prepare(n) end
    -- Lookups (their parents) and seeds.
    local round = {}
    for k in pairs(lookups) do
      local n = nodes[k]
      if #n.t.foreign_keys > 0 then round[#round + 1] = rows_query(n, nil, false) end
    end
    for k, cond in pairs(seeds) do
      local n = nodes[k]
      if not n.whole then
        if not n.key then n.conds[#n.conds + 1] = "(" .. cond .. ")" end
        round[#round + 1] = rows_query(n, "(" .. cond .. ")", true)
      end
    end
    run_round(round)
    -- To the fixed point: parents asked for, children asked for, a round
    -- of queries (a batch of each pending list) at a time.
    repeat
      local busy = false
      round = {}
      for _, n in pairs(nodes) do
        if maybe_whole(n) then busy = true end
        for _, w in pairs(n.wanted) do
          local list = #round < round_max and next_batch(w.pending)
          while list do
            busy = true
            if w.is_key then
              round[#round + 1] = key_batch(n, w, list)
            else
              round[#round + 1] = rows_query(n, match_sql(n, w.cols, list), false, #list)
            end
            list = #round < round_max and next_batch(w.pending)
          end
        end
        for _, w in ipairs(n.down_wanted) do
          local list = #round < round_max and next_batch(w.pending)
          while list do
            busy = true
            round[#round + 1] = down_batch(n, w, list)
            list = #round < round_max and next_batch(w.pending)
          end
        end
      end
      run_round(round)
    until not busy
    -- What was found, for -v.
    local names = {}
    for k in pairs(nodes) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      local n = nodes[k]
      if n.whole then
        sluice.log("subset: " .. k .. ": whole table" .. (lookups[k] and "" or " (most of it asked for)"))
      elseif n.nkept > 0 or #n.conds > 0 or next(n.wanted) then
        sluice.log(string.format("subset: %s: %s", k, n.key and (n.nkept .. " rows")
                                 or "rows by condition"))
      end
    end
  end

  -- The condition of the kept rows of a table with a composite key: where
  -- every row of a first-column value is kept (all the items of an
  -- order), that value alone, which the server reads as a range; the
  -- other rows by their whole key.  A value is known whole when its
  -- parent brought fewer children than the limit, else counted.
  local function composite_sql(n)
    local c1 = n.key[1]
    local col1 = n.t.columns[c1]
    local per = n.firsts -- first value's literal -> kept rows
    local whole, unknown, nfirsts = {}, {}, 0
    for f in pairs(per) do
      nfirsts = nfirsts + 1
      if n.complete[f] then whole[f] = true else unknown[#unknown + 1] = f end
    end
    if INTEGER[col1.data_type] then
      table.sort(unknown, function(a, b) return (tonumber(a) or 0) < (tonumber(b) or 0) end)
    end
    local counts = {}
    for i = 1, #unknown, batch do
      local part = table.move(unknown, i, math.min(i + batch - 1, #unknown), 1, {})
      counts[#counts + 1] = "SELECT " .. ident(c1) .. ", COUNT(*) FROM " .. ident(n.t.schema) ..
                            "." .. ident(n.t.name) .. " WHERE " .. match_sql(n, { c1 }, part) ..
                            " GROUP BY " .. ident(c1)
    end
    if #counts > 0 then
      sluice.queries(counts, function(_, row)
        local f = BARE[col1.data_type] and row[1] or sql_value(row[1], col1)
        if per[f] and tonumber(row[2]) == per[f] then whole[f] = true end
      end, INTS)
    end
    local full, rest = {}, {}
    for f in pairs(whole) do full[#full + 1] = f end
    if #full < nfirsts then
      local integer = INTEGER[col1.data_type]
      for id in pairs(n.kept) do
        if not whole[first_in(id, integer)] then rest[#rest + 1] = id end
      end
    end
    local parts = {}
    if #full > 0 then parts[#parts + 1] = match_sql(n, { c1 }, full) end
    if #rest > 0 then parts[#parts + 1] = match_sql(n, n.key, rest) end
    if #parts == 1 then return parts[1] end
    return "(" .. concat(parts, " OR ") .. ")"
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
    if n.key and n.nkept > 0 then
      if #n.key == 1 then
        local lits = {}
        for id in pairs(n.kept) do lits[#lits + 1] = id end
        cond = match_sql(n, n.key, lits)
      else
        cond = composite_sql(n)
      end
    elseif not n.key then
      local parts = {}
      for _, c in ipairs(n.conds) do parts[#parts + 1] = c end
      for _, w in pairs(n.wanted) do
        local lits = {}
        for lit in pairs(w.set) do lits[#lits + 1] = lit end
        if #lits > 0 then parts[#parts + 1] = match_sql(n, w.cols, lits) end
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
    local k = name_of(t)
    local c = condition(k)
    if c == false then return "1 = 0", 0 end
    local n = nodes[k]
    -- The count lets sluice size the table's ranges without asking.
    if c and n.key then return c, n.nkept end
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

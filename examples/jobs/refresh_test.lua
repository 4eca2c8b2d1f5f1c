-- refresh_test.lua - refresh a test environment in one pass: a referentially
-- complete subset of production, masked, renamed, loaded straight into the
-- test server.  Written for examples/data/rental.sql (a store <-> staff
-- cycle, managers and categories referencing their own tables, customers
-- referring customers).
--
--   sluice run examples/jobs/refresh_test.lua \
--     --set src_host=db1 --set src_user=backup --set src_password=... \
--     --set dst_socket=/run/mysqld/mysqld.sock --set dst_user=root --set key=SECRET
--   sluice run examples/jobs/refresh_test.lua ... --dry-run   # the plan, nothing moved
--
-- Parameters (--set KEY=VALUE): src_host, src_port, src_socket, src_user,
-- src_password and the same with dst_; key (the masking key); db (the test
-- database, default rental_test); days (rentals of the last N days, 7).
local mask = require "mask"
local subset = require "subset"
local p = sluice.params
local key = p.key or "change-me"

source = { type = "mariadb", host = p.src_host, port = p.src_port, socket = p.src_socket,
           user = p.src_user or "root", password = p.src_password, databases = { "rental" } }
sinks = {
  test = { type = "loader", host = p.dst_host, port = p.dst_port, socket = p.dst_socket,
           user = p.dst_user or "root", password = p.dst_password, overwrite = "drop" },
}
options = { threads = 2 }

-- The last week's rentals and up to three payments of each; the subset
-- adds every row they need: customers (and whoever referred them),
-- inventory, films, their categories up to the root, staff with their
-- managers, stores, addresses, cities, countries.
local plan = subset.plan{
  seeds = { ["rental.rental"] = "rental_date >= (SELECT MAX(rental_date) FROM rental.rental) - INTERVAL "
            .. math.tointeger(tonumber(p.days or "7")) .. " DAY" },
  children = { ["rental.payment"] = 3 },
}
tables = plan.tables
where = plan.where

-- Masking on the server.  customer.id is a key that rental, payment and
-- customer.referred_by reference: mask.sql_columns gives those columns the
-- same permutation, so every foreign key still holds.
local sql_masks = mask.sql_columns{
  ["rental.customer"] = {
    id = function(c) return mask.sql_unique_int(key, c) end,
    name = function(c) return mask.sql_pick(key, c, { "Alex Smith", "Sam Garcia", "Robin Rossi",
      "Kim Novak", "Noa Silva", "Jo Dubois", "Toni Jensen", "Mika Tanaka" }) end,
    birth_date = function(c) return mask.sql_date(key, c, 180) end,
  },
  ["rental.staff"] = {
    salary = function(c) return mask.sql_number(key, c, 250, { min = 0 }) end,
    name = function(c) return mask.sql_replace(c, "[0-9]+$", "X") end,
  },
}
columns = sql_masks

-- Masking in Lua: what SQL cannot do.  Emails are UNIQUE: mask.unique_email
-- is a permutation (distinct addresses stay distinct, the key still loads).
local lua_masks = mask.transforms{
  ["rental.customer"] = {
    email = function(v) return mask.unique_email(key, v) end,
    phone = function(v) return mask.phone(key, v) end,
    contacts = function(v)
      return mask.json(v, { ["$.contacts[*].phone"] = function(x) return mask.phone(key, x) end })
    end,
  },
  ["rental.staff"] = { email = function(v) return mask.unique_email(key, v) end },
}
transform = lua_masks

function rename(t) return p.db or "rental_test" end

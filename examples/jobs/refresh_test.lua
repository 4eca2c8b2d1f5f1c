-- refresh_test.lua - refresh a test environment in one pass: a subset of
-- production, masked, renamed, loaded straight into the test server.
--
--   sluice run examples/jobs/refresh_test.lua \
--     --set src_host=db1 --set src_user=backup --set src_password=... \
--     --set dst_socket=/run/mysqld/mysqld.sock --set dst_user=root --set key=SECRET
--
-- Parameters (--set KEY=VALUE): src_host, src_port, src_socket, src_user,
-- src_password and the same with dst_; key (the masking key); db (the test
-- database, default shop_test).
local mask = require "mask"
local subset = require "subset"
local p = sluice.params
local key = p.key or "change-me"

source = { type = "mariadb", host = p.src_host, port = p.src_port, socket = p.src_socket,
           user = p.src_user or "root", password = p.src_password, databases = { "shop" } }
sinks = {
  test = { type = "loader", host = p.dst_host, port = p.dst_port, socket = p.dst_socket,
           user = p.dst_user or "root", password = p.dst_password, overwrite = "drop" },
}
options = { threads = 2 }

-- The last 100 orders and their items; the subset adds the customers and
-- products they need.
local recent = "(SELECT MAX(id) - 100 FROM shop.orders)"
local plan = subset.plan{
  seeds = {
    ["shop.orders"] = "id > " .. recent,
    ["shop.order_items"] = "order_id > " .. recent,
  },
}
function tables(t)
  if t.name:match("^audit_") then return false end
  return plan.tables(t)
end
where = plan.where

-- Masking on the server (email) and in Lua (names: a format SQL cannot make).
columns = { ["shop.customers"] = { email = mask.sql_email(key, "email") } }
function transform(t, rows)
  if t.name == "customers" then
    mask.column(rows, "name", function(v) return mask.name(key, v) end)
  end
end

function rename(t) return p.db or "shop_test" end

-- archive.lua - nightly archive generation: big tables to the archive,
-- small lookup tables to a second, always-fresh copy on stdout.
--
--   sluice run examples/jobs/archive.lua --set src_socket=/run/mysqld/mysqld.sock \
--     --set archive=/backup/shop.sluice > lookups.sluice
--
-- Routing is one decision per table with the server's size estimates in
-- hand.  The archive sink is a sluice stream written by the stdout plugin
-- until the tar/zip sinks are available to jobs (see README).
local p = sluice.params
local big = tonumber(p.big_rows or "100")

source = { type = "mariadb", host = p.src_host, port = p.src_port, socket = p.src_socket,
           user = p.src_user or "root", password = p.src_password, databases = { "shop" },
           routines = true, events = true }
sinks = {
  archive = { type = "stdout" },
}
options = { threads = 2 }

function route(t)
  -- everything goes to the archive; the log says which tables are big
  if t.kind == "table" and t.rows >= big then
    sluice.log("archiving big table " .. t.schema .. "." .. t.name .. " (~" .. t.rows .. " rows)")
  end
  return "archive"
end

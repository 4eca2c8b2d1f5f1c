-- archive.lua - nightly archive generation: every table into a compressed
-- archive with a manifest; small lookup tables also to stdout, a fresh
-- copy the next step can load right away.
--
--   sluice run examples/jobs/archive.lua --set src_socket=/run/mysqld/mysqld.sock \
--     --set archive=/backup/shop-$(date +%F).tar.zst > lookups.sluice
--
-- Routing is one decision per table, with the server's size estimates in
-- hand (t.rows); a table goes to one sink or several (fan-out).
local p = sluice.params
local big = tonumber(p.big_rows or "100")

source = { type = "mariadb", host = p.src_host, port = p.src_port, socket = p.src_socket,
           user = p.src_user or "root", password = p.src_password, databases = { "shop" },
           routines = true, events = true }
sinks = {
  archive = { type = "tar", archive = p.archive or "shop-archive.tar.zst", overwrite = true },
  lookups = { type = "stdout" },
}
options = { threads = 2 }

function route(t)
  if t.kind ~= "table" then return "archive" end -- views name the big tables too
  if t.rows >= big then
    sluice.log("archive only: " .. t.schema .. "." .. t.name .. " (~" .. t.rows .. " rows)")
    return "archive"
  end
  return { "archive", "lookups" }
end

-- chain.lua - a masked stream for the next step of a pipeline:
--
--   sluice dump -h db1 -u backup -B shop --script examples/jobs/chain.lua \
--     | ssh test-host sluice load -B shop_dev
--
-- The stream is plain SQL a `mariadb` client imports, framed so that
-- `sluice load` reads it by length.  Personal data never leaves the source
-- server unmasked: the masks are SQL expressions run by the server.
local mask = require "mask"
local key = sluice.params.key or "change-me"

tables = { exclude = [[\.audit_]] }
columns = {
  ["shop.customers"] = {
    email = mask.sql_email(key, "email"),
    name = "CONCAT('Customer ', id)",
  },
}

-- shop.lua - serve profile: the whole shop database, customers' personal
-- data masked on the server.  GET /dump/shop
local mask = require "mask"
source = { databases = { "shop" } }
columns = { ["shop.customers"] = { email = mask.sql_email("serve-demo-key", "email") } }

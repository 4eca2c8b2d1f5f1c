-- orders.lua - serve profile: orders from one id on, with their items and
-- everything they reference.  GET /dump/orders?from=100
local subset = require "subset"
source = { databases = { "shop" } }
params = { from = { pattern = "^%d+$", default = "1" } }

local from = sluice.params.from
local plan = subset.plan{
  seeds = {
    ["shop.orders"] = "id >= " .. from,
    ["shop.order_items"] = "order_id >= " .. from,
  },
}
tables = plan.tables
where = plan.where

-- partial.lua - a scripted partial dump: selected tables, a WHERE per table.
--
--   sluice dump -h db1 -u backup -B shop --script examples/jobs/partial.lua > part.sluice
--
-- Paid or shipped orders, their items, every customer and product (lookup
-- tables whole), nothing from audit_*.  The conditions run inside the dump's
-- one snapshot, so items and orders agree.
tables = { exclude = [[\.audit_]] }

local paid = "status IN ('paid', 'shipped')"

function where(t)
  if t.name == "orders" then return paid end
  if t.name == "order_items" then
    return "order_id IN (SELECT id FROM `" .. t.schema .. "`.orders WHERE " .. paid .. ")"
  end
end

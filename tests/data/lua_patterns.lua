-- lua_patterns.lua - string.find, match, gmatch and gsub over many subjects and
-- patterns; tests/data/lua_patterns.expected is what Lua 5.4 itself prints for
-- RESULT (lua5.4 -e 'dofile("lua_patterns.lua") io.write(RESULT)'), and
-- tests/unit/test_script.c checks that the sandbox (PCRE2 underneath) agrees.
local R = {}
local function ser(...)
  local n = select('#', ...)
  local t = {}
  for i = 1, n do
    local v = select(i, ...)
    t[#t+1] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  return "(" .. table.concat(t, ",") .. ")"
end
local function try(f, ...)
  local ok, a, b, c, d, e = pcall(f, ...)
  if not ok then return "error" end
  return ser(a, b, c, d, e)
end
local subjects = {"", "hello world", "  key = value  ", "a,b,,c", "THE (quick) [brown] fox",
  "x = 10 + 20*3", "\0binary\1\255 data", "aaa", "foo.bar.baz", "line1\nline2\r\n", "ümlaut €"}
local patterns = {"", "o", "l+", "l*", "l-", "l?", "^h", "d$", "^$", "%a+", "%A+", "%d+", "%s*",
  "%w+", "%p", "%u", "%l+", "%x+", "%c", "%g+", ".", ".-", ".*", "(%a+)", "()", "(%a)(%a)",
  "%f[%w]%w+", "%f[%W]", "%b()", "%b[]", "%b''", "[%a_][%w_]*", "[^,]*", "[a-f]+", "[]]", "[^]]+",
  "[%]]", "(h)(e)", "((l)(l))", "(.)%1", "^(%s*)(.-)(%s*)$", "(%w+)%s*=%s*(%w+)", "%.", "a-b",
  "[%d%.]+", "%z", "[\0-\31]", "%f[%a]", "x*$", "(a*(.)%w(%s*))", "[%-]", "%%"}
for _, s in ipairs(subjects) do
  for _, p in ipairs(patterns) do
    R[#R+1] = try(string.find, s, p)
    R[#R+1] = try(string.find, s, p, 3)
    R[#R+1] = try(string.find, s, p, -4)
    R[#R+1] = try(string.match, s, p)
    local g = {}
    local ok = pcall(function() for a, b in string.gmatch(s, p) do g[#g+1] = ser(a, b); if #g > 50 then break end end end)
    R[#R+1] = ok and table.concat(g, ";") or "error"
    R[#R+1] = try(string.gsub, s, p, "<%0>")
    R[#R+1] = try(string.gsub, s, p, "[%1]", 2)
    R[#R+1] = try(string.gsub, s, p, function(a) return a and a:upper() or nil end)
    R[#R+1] = try(string.gsub, s, p, {hello = "HI", a = false, l = 7})
  end
end
R[#R+1] = try(string.find, "abc", "b", 1, true)
R[#R+1] = try(string.find, "a.c", ".", 1, true)
R[#R+1] = try(string.find, "abc", "", 10)
R[#R+1] = try(string.find, "abc", "", 4)
R[#R+1] = try(string.gsub, "abc", "%w", "%2")
R[#R+1] = try(string.gsub, "abc", "%w", "%x")
R[#R+1] = try(string.gsub, "hello", "", "-")
R[#R+1] = try(string.gsub, "abc", "b*", "X")
R[#R+1] = try(function() local t = {} for m in string.gmatch("^a^ab", "^a") do t[#t+1] = m end return table.concat(t, "|") end)
R[#R+1] = try(string.find, "a", "(")
R[#R+1] = try(string.find, "a", "%")
R[#R+1] = try(string.find, "a", "[a")
R[#R+1] = try(string.find, "a", "%b")
R[#R+1] = try(string.find, "a", "%f")
R[#R+1] = try(string.find, "a", "(()")
R[#R+1] = try(string.find, "a", ")")
R[#R+1] = try(string.find, "a", "%1")
R[#R+1] = try(string.gsub, "abc", ".", {a = {}})
RESULT = table.concat(R, "\n")

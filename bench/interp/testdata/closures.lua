-- Closures passed to map, filter and reduce over an array of N integers
-- (N = 20,000 in the benchmark), ten rounds, each capturing its round.
local function map(t, f)
    local out = {}
    for i = 1, #t do out[i] = f(t[i]) end
    return out
end
local function filter(t, f)
    local out, n = {}, 0
    for i = 1, #t do
        if f(t[i]) then n = n + 1; out[n] = t[i] end
    end
    return out
end
local function reduce(t, f, acc)
    for i = 1, #t do acc = f(acc, t[i]) end
    return acc
end
local a = {}
for i = 0, N - 1 do a[#a + 1] = i end
local total = 0
for r = 0, 9 do
    local m = map(a, function(x) return x * 3 + r end)
    local f = filter(m, function(x) return x % 2 == 0 end)
    total = total + reduce(f, function(s, x) return s + x end, 0)
end
return total

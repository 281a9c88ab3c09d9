-- Sort N records (N = 20,000 in the benchmark) by a field with a
-- comparator closure.
local seed = 7
local a = {}
for i = 1, N do
    seed = seed * 16807 % 2147483647
    a[i] = {k = seed % 1000000, i = i - 1}
end
table.sort(a, function(x, y) return x.k < y.k end)
local sum = 0
for i = 1, #a do sum = sum + a[i].k % 1000 * ((i - 1) % 100) end
return sum

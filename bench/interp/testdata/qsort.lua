-- A recursive quicksort building new tables, over N pseudo-random integers
-- (N = 20,000 in the benchmark, Park-Miller generator).
local function qsort(a)
    if #a <= 1 then return a end
    local p = a[1]
    local lo, hi = {}, {}
    for i = 2, #a do
        local x = a[i]
        if x < p then lo[#lo + 1] = x else hi[#hi + 1] = x end
    end
    local r = qsort(lo)
    r[#r + 1] = p
    local h = qsort(hi)
    for i = 1, #h do r[#r + 1] = h[i] end
    return r
end
local seed = 42
local a = {}
for i = 1, N do
    seed = seed * 16807 % 2147483647
    a[i] = seed % 1000000
end
local s = qsort(a)
local sum = 0
for i = 1, #s do sum = sum + s[i] % 1000 * ((i - 1) % 100) end
return sum

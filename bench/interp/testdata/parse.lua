-- Build N comma-separated lines (N = 50,000 in the benchmark), split them
-- and parse the fields back.
local total = 0
for i = 0, N - 1 do
    local line = i .. "," .. (i * 7 % 1000) .. ",item" .. (i % 10)
    local parts = {}
    for field in string.gmatch(line, "[^,]+") do parts[#parts + 1] = field end
    total = total + tonumber(parts[1]) + tonumber(parts[2]) + #parts[3]
end
return total

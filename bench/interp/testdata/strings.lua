-- Append N short strings (N = 200,000 in the benchmark), then count the
-- 'a' characters one by one. The checksum combines length and count.
-- Idiomatic Lua collects the pieces and concatenates once: s = s .. piece
-- copies the whole string every time.
local parts, k = {}, 0
for i = 0, N - 1 do
    k = k + 1
    if i % 3 == 0 then parts[k] = "abc" else parts[k] = "ba" end
end
local s = table.concat(parts)
local count = 0
local byte = string.byte
for i = 1, #s do
    if byte(s, i) == 97 then count = count + 1 end
end
return #s * 1000000 + count

-- A counted loop with a parity branch: add even numbers, subtract odd
-- ones, over 1..N (5,000,000 in the benchmark).
local sum = 0
for i = 1, N do
    if i % 2 == 0 then sum = sum + i else sum = sum - i end
end
return sum

-- Sieve of Eratosthenes over a table of N bools (N = 1,000,000 in the
-- benchmark); the checksum is the number of primes up to N.
local n = N
local flags = {}
for i = 1, n do flags[i] = true end
local count = 0
for i = 2, n do
    if flags[i] then
        count = count + 1
        for j = i * i, n, i do
            flags[j] = false
        end
    end
end
return count

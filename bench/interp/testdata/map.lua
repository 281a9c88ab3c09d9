-- Insert N keys "k0".."k<N-1>" in a table (N = 200,000 in the
-- benchmark), then look every one up and sum the values.
local n = N
local m = {}
for i = 0, n - 1 do
    m["k" .. i] = i
end
local sum = 0
for i = 0, n - 1 do
    sum = sum + m["k" .. i]
end
return sum

-- Methods with self: on a number and on a table that they update, N times
-- (N = 200,000 in the benchmark).
local function plus(self, x) return self + x end
local Acc = {}
Acc.__index = Acc
function Acc:bump(d)
    self.count = self.count + d
    self.total = self.total + self.count
end
local acc = setmetatable({count = 0, total = 0}, Acc)
local s = 0
for i = 0, N - 1 do
    s = s + plus(i, 1)
    acc:bump(i % 3)
end
return s + acc.total

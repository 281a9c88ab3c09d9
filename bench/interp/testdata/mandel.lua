-- Mandelbrot escape counts on an N x N grid (N = 120 in the benchmark),
-- at most 64 iterations a point: float arithmetic in a tight loop.
local n = N
local total = 0
for py = 0, n - 1 do
    local y0 = py * 2.0 / n - 1.0
    for px = 0, n - 1 do
        local x0 = px * 3.0 / n - 2.0
        local x, y, i = 0.0, 0.0, 0
        while i < 64 and x * x + y * y <= 4.0 do
            local xt = x * x - y * y + x0
            y = 2.0 * x * y + y0
            x = xt
            i = i + 1
        end
        total = total + i
    end
end
return total

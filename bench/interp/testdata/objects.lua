-- 100 particles as tables in an array, moved N steps (N = 2,000 in the
-- benchmark): reading and updating fields of array elements.
local pts = {}
for i = 0, 99 do
    pts[i + 1] = {x = i, y = 0, vx = i % 7 - 3, vy = 1}
end
for step = 1, N do
    for i = 1, 100 do
        local p = pts[i]
        p.x = p.x + p.vx
        p.y = p.y + p.vy
        if p.x < 0 or p.x > 100 then p.vx = -p.vx end
        if p.y > 50 then p.vy = -1 elseif p.y < -50 then p.vy = 1 end
    end
end
local sum = 0
for i = 1, 100 do sum = sum + pts[i].x * 1000 + pts[i].y end
return sum

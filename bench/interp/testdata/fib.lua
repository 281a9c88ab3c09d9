-- Recursive Fibonacci: function calls and integer arithmetic.
-- N is set by the host (27 in the benchmark).
local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end
return fib(N)

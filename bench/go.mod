module github.com/circles-actor/circles-actor/bench

go 1.26.8

require github.com/circles-actor/circles-actor v0.0.0

require github.com/yuin/gopher-lua v1.1.2

replace github.com/circles-actor/circles-actor => ../

package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// guardianName is the root actor's name. protoactor calls its own strategy
// actors "guardian$N", so ours is "circles" to keep logs unambiguous.
const guardianName = "circles"

// guardian is the root of the tree: it spawns one circle supervisor per
// configured key, routes SpawnSession to the right circle and passes Drain
// down. Stopping it (System.Shutdown) stops the circles, children first.
type guardian struct {
	sys     *System
	circles map[string]*actor.PID
}

func (g *guardian) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		g.spawnCircles(ctx)
	case *ListCircles:
		ctx.Respond(&CircleList{Circles: g.circles})
	case *SpawnSession:
		pid, ok := g.circles[msg.CirclePK]
		if !ok {
			ctx.Respond(&SessionSpawned{Err: ErrUnknownCircle})
			return
		}
		ctx.Forward(pid)
	case *Drain:
		for _, pid := range g.circles {
			ctx.Send(pid, msg)
		}
	}
}

func (g *guardian) spawnCircles(ctx actor.Context) {
	g.circles = make(map[string]*actor.PID, len(g.sys.circles))
	for pk, ref := range g.sys.circles {
		props := actor.PropsFromProducer(func() actor.Actor { return &circle{sys: g.sys, ref: ref} })
		pid, err := ctx.SpawnNamed(props, "circle-"+pk)
		if err != nil {
			g.sys.log.Error("failed to spawn circle", "circle", ref.fp, "err", err)
			continue
		}
		ref.pid = pid
		g.circles[pk] = pid
	}
}

// circleStrategy restarts a failed circle supervisor (its handlers do not
// panic in practice; a restart respawns its workers into the same pool).
var circleStrategy = actor.NewOneForOneStrategy(10, time.Minute, actor.DefaultDecider)

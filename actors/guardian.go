package actors

import (
	"maps"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// guardianName is the root actor's name. protoactor calls its own strategy
// actors "guardian$N", so ours is "circles" to keep logs unambiguous.
const guardianName = "circles"

// guardian is the root of the tree: it spawns one circle supervisor per
// configured key (and per key added at runtime), routes SpawnSession to the right circle and passes Drain
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
		ctx.Respond(&CircleList{Circles: maps.Clone(g.circles)})
	case *SpawnSession:
		pid, ok := g.circles[msg.CirclePK]
		if !ok {
			ctx.Respond(&SessionSpawned{Err: ErrUnknownCircle})
			return
		}
		ctx.Forward(pid)
	case *addCircle:
		ctx.Respond(&circleAdded{err: g.spawnCircle(ctx, msg.ref)})
	case *removeCircle:
		if g.circles[msg.ref.pk] == msg.ref.pid {
			delete(g.circles, msg.ref.pk)
		}
		if msg.ref.pid != nil {
			ctx.Send(msg.ref.pid, &circleRemoved{})
		}
	case *Drain:
		for _, pid := range g.circles {
			ctx.Send(pid, msg)
		}
	}
}

func (g *guardian) spawnCircles(ctx actor.Context) {
	set := g.sys.circles.set.Load()
	g.circles = make(map[string]*actor.PID, len(set.byPK))
	for _, ref := range set.byPK {
		_ = g.spawnCircle(ctx, ref) // logged; start reports the circle without a PID
	}
}

// circleStrategy restarts a failed circle supervisor (its handlers do not
// panic in practice; a restart respawns its workers into the same pool).
var circleStrategy = actor.NewOneForOneStrategy(10, time.Minute, actor.DefaultDecider)

package redisq

import (
	"context"
	"time"
)

// UseBLPOPForTest makes the reply loop read like it does on Redis < 7.
func (d *Dispatcher) UseBLPOPForTest() { d.noBLMPOP.Store(true) }

// SetSleepForTest replaces the wait between Run's attempts.
func (r *Recoverer) SetSleepForTest(f func(context.Context, time.Duration) bool) { r.sleep = f }

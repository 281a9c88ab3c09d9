package redisq

// UseBLPOPForTest makes the reply loop read like it does on Redis < 7.
func (d *Dispatcher) UseBLPOPForTest() { d.noBLMPOP.Store(true) }

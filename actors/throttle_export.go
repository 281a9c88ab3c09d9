package actors

// Throttle is the per-client-IP failure throttle authenticate uses, for
// other front doors that must slow guessing down the same way (the admin
// API's bearer tokens): a token bucket of perMinute failures per IP. Safe
// for concurrent use.
type Throttle struct{ t *authThrottle }

// NewThrottle allows perMinute failures per IP per minute.
func NewThrottle(perMinute int) *Throttle { return &Throttle{t: newAuthThrottle(perMinute)} }

// Allowed reports whether ip may make an attempt now.
func (t *Throttle) Allowed(ip string) bool { return t.t.allowed(ip, adminThrottleKey) }

// Failed counts one failed attempt of ip.
func (t *Throttle) Failed(ip string) { t.t.failed(ip, adminThrottleKey) }

// adminThrottleKey is the one "claimed key" of every admin attempt: an
// admin token names no key, so an IP's failures share one budget and,
// past it, even the right token waits.
const adminThrottleKey = "admin"

package config_test

import (
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/config"
)

func TestFillDefaults(t *testing.T) {
	c := config.Config{Port: 0, MaxInFlight: -1, IdleTimeout: 7 * time.Second, RedisURL: "redis://x"}
	c.FillDefaults()
	def := config.Default()
	if c.Port != 0 {
		t.Errorf("Port = %d, want 0 kept (a free port)", c.Port)
	}
	if c.IdleTimeout != 7*time.Second || c.RedisURL != "redis://x" {
		t.Errorf("set fields changed: %v %q", c.IdleTimeout, c.RedisURL)
	}
	if c.MaxInFlight != def.MaxInFlight || c.MaxFrameBytes != def.MaxFrameBytes ||
		c.MaxOperations != def.MaxOperations || c.NonceTTL != def.NonceTTL || c.WebhookMaxBody != def.WebhookMaxBody {
		t.Errorf("zero fields not filled: %+v", c)
	}
}

package config_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/config"
)

func TestValidateModulesDir(t *testing.T) {
	cfg := config.Default()
	cfg.PublicKeys = []string{"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"}
	cfg.Modules = t.TempDir()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("an existing directory: %v", err)
	}
	cfg.Modules = filepath.Join(cfg.Modules, "missing")
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "modules directory") {
		t.Fatalf("a missing directory: %v", err)
	}
}

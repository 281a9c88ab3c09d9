// Package webhook verifies Stripe and iDenfy webhook signatures and runs the
// configured handler script in the addressed circle.
package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/circles-actor/circles-actor/scripting"
)

// Options configure the webhook handler.
type Options struct {
	// Run dispatches a task to the circle's workers (the same path as play).
	Run func(ctx context.Context, t scripting.Task) (scripting.Result, error)
	// HasCircle reports whether a canonical circle pk is hosted here.
	HasCircle func(pk string) bool
	Logger    *slog.Logger
}

// NewHandler returns the handler for POST /webhooks/{provider}/{circle_pk}.
func NewHandler(opts Options) (http.Handler, error) {
	return nil, errors.New("webhook: not built yet")
}

package actors

import (
	"context"
	"log/slog"
)

// quietHandler lowers protoactor's Info records to Debug. protoactor logs
// routine events at Info ("[ACTOR] Recovering", dead letters, supervision);
// for a server they are debugging detail, while its Warn and Error records
// stay visible.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(l))
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}

func demote(l slog.Level) slog.Level {
	if l < slog.LevelWarn {
		return slog.LevelDebug
	}
	return l
}

// protoLogger is the logger handed to protoactor through WithLoggerFactory.
func protoLogger(l *slog.Logger) *slog.Logger {
	return slog.New(quietHandler{l.Handler()}).With("component", "protoactor")
}

package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
)

// handle runs a verified event: parse, find the script, dispatch, answer.
// It reports whether the event was processed (200), so that ServeHTTP can
// forget an iDenfy signature whose event failed and let the provider's
// retry through.
func (h *handler) handle(ctx context.Context, w http.ResponseWriter, req *request) bool {
	log := h.log.With("provider", req.provider, "circle", config.Fingerprint(req.circle))
	ev, err := parseEvent(req.body)
	if err != nil {
		log.Info("webhook refused", "status", http.StatusBadRequest, "reason", err)
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "malformed event: body is not a JSON object"})
		return false
	}
	src, path, err := h.scripts.lookup(req.circle, req.provider)
	if errors.Is(err, errNoScript) {
		log.Warn("webhook has no handler script", "status", http.StatusNotImplemented, "dir", h.cfg.WebhookScripts)
		writeJSON(w, http.StatusNotImplemented, errorBody{Error: "no handler script for " + req.provider + " events"})
		return false
	}
	if err != nil {
		log.Error("webhook handler script unreadable", "status", http.StatusInternalServerError, "err", err)
		writeJSON(w, http.StatusInternalServerError, statusBody{Status: "error", Error: "handler script could not be loaded"})
		return false
	}
	t := h.task(req, ev, src)
	log = log.With("task", t.ID, "event_type", t.Vars["EVENT_TYPE"], "script", path)
	res, err := h.run(ctx, t)
	return h.answer(w, log, res, err)
}

// task builds the scripting.Task for a verified event: an anonymous caller
// (CALLER_ID ""), the server's script timeout, and the event constants.
func (h *handler) task(req *request, ev map[string]any, src string) scripting.Task {
	return scripting.Task{
		ID:        h.newTaskID(),
		CircleID:  req.circle,
		Script:    src,
		Timeout:   h.cfg.ScriptTimeout,
		CreatedAt: h.now(),
		Vars: map[string]any{
			"EVENT":      ev,
			"EVENT_TYPE": eventType(req.provider, ev),
			"PROVIDER":   req.provider,
		},
	}
}

// answer maps a dispatch outcome to the response and reports success.
func (h *handler) answer(w http.ResponseWriter, log *slog.Logger, res scripting.Result, err error) bool {
	switch {
	case err != nil && unavailable(err):
		reason := scripting.UnavailableReason(err)
		h.downLog.Log(context.Background(), log, slog.LevelWarn, reason, "webhook not run", "status", http.StatusServiceUnavailable, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, statusBody{Status: "error", Error: reason + ", retry later"})
		return false
	case err != nil:
		log.Error("webhook dispatch failed", "status", http.StatusInternalServerError, "err", err)
		writeJSON(w, http.StatusInternalServerError, statusBody{Status: "error", Error: "internal error"})
		return false
	case res.Err != nil:
		log.Warn("webhook script failed", "status", http.StatusInternalServerError, "kind", res.Err.Kind,
			"line", res.Err.Line, "column", res.Err.Column, "err", res.Err.Message, "took", res.Took)
		writeJSON(w, http.StatusInternalServerError, statusBody{Status: "error", Error: res.Err.Message})
		return false
	}
	log.Info("webhook handled", "status", http.StatusOK, "took", res.Took)
	out := res.Output
	writeJSON(w, http.StatusOK, statusBody{Status: "ok", Output: &out})
	return true
}

// unavailable reports whether a dispatch error means "not run, try again":
// no worker, no result in time, or the request itself went away.
func unavailable(err error) bool {
	return errors.Is(err, scripting.ErrUnavailable) || errors.Is(err, scripting.ErrTimeout) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

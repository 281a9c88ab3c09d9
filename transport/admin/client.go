package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/circles-actor/circles-actor/actors"
)

// Client calls the admin API of one server (what `circles-actor circles`
// uses).
type Client struct {
	// Base is the server's URL, e.g. http://127.0.0.1:8080.
	Base string
	// Token is the bearer token.
	Token string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
}

// APIError is an error answer of the API: its status and JSON body.
type APIError struct {
	Status  int
	Err     string `json:"error"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Err, e.Message)
}

// List returns every served circle.
func (c *Client) List(ctx context.Context) ([]actors.CircleInfo, error) {
	var out struct {
		Circles []actors.CircleInfo `json:"circles"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/circles", &out)
	return out.Circles, err
}

// Get returns one circle.
func (c *Client) Get(ctx context.Context, pk string) (actors.CircleInfo, error) {
	var out actors.CircleInfo
	_, err := c.do(ctx, http.MethodGet, "/v1/circles/"+url.PathEscape(pk), &out)
	return out, err
}

// Add serves pk; added is false when it was served already.
func (c *Client) Add(ctx context.Context, pk string) (info actors.CircleInfo, added bool, err error) {
	status, err := c.do(ctx, http.MethodPut, "/v1/circles/"+url.PathEscape(pk), &info)
	return info, status == http.StatusCreated, err
}

// Remove stops serving pk.
func (c *Client) Remove(ctx context.Context, pk string) error {
	_, err := c.do(ctx, http.MethodDelete, "/v1/circles/"+url.PathEscape(pk), nil)
	return err
}

func (c *Client) do(ctx context.Context, method, path string, out any) (int, error) {
	base := strings.TrimRight(c.Base, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return 0, fmt.Errorf("server URL %q must start with http:// or https://", c.Base)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
	if err != nil {
		return 0, fmt.Errorf("failed to build the request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("failed to reach the server: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("failed to read the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &APIError{Status: resp.StatusCode}
		_ = json.Unmarshal(body, e)
		return resp.StatusCode, e
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("failed to decode the answer: %w", err)
		}
	}
	return resp.StatusCode, nil
}

// IsStatus reports whether err is an APIError with status.
func IsStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}

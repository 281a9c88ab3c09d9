// Package client is a Go client for a circles-actor server: it dials
// ws://host:port/<circle_pk>, speaks JSON-RPC 2.0 over text frames and offers
// typed helpers for every method (FetchNonce, Authenticate, Whoami, Play,
// Discover) on top of the generic Call.
//
// A Client is safe for concurrent use: calls are matched to responses by id,
// so many goroutines may Call at once over one connection. The tests, the
// benchmarks and `circles-actor play` all use it.
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// Options configure Dial. The zero value (or nil) is the default.
type Options struct {
	// HTTPClient performs the handshake; set its Transport's TLSClientConfig
	// for wss:// servers with private certificates. Default: http.DefaultClient.
	HTTPClient *http.Client
	// HTTPHeader is sent with the handshake (e.g. Origin).
	HTTPHeader http.Header
	// Compact makes Authenticate sign with a 64-byte compact r||s signature
	// over SHA-256(nonce) instead of the default 65-byte EIP-191 signature
	// that browser wallets produce.
	Compact bool
	// ReadLimit is the largest response frame accepted, in bytes. Default
	// 16 MiB: rpc.discover returns a whole OpenRPC document, larger than
	// coder/websocket's 32 KiB default.
	ReadLimit int64
}

// DefaultReadLimit is Options.ReadLimit's default.
const DefaultReadLimit = 16 << 20

// Client is one WebSocket connection to one circle. All methods are safe for
// concurrent use.
type Client struct {
	ws      *websocket.Conn
	circle  string
	compact bool
	nextID  atomic.Int64

	mu      sync.Mutex
	pending map[int64]chan response

	done    chan struct{}
	doneErr error       // why the connection ended; set before done closes
	closing atomic.Bool // Close was called: the end is a normal closure
}

// Dial connects to url (ws:// or wss://, path /<circle_pk>). A server that
// refuses the upgrade (unknown circle, too many connections) gives an
// *HTTPError carrying the status and body. Cancelling ctx aborts the
// handshake; it does not affect the connection once Dial returned.
func Dial(ctx context.Context, rawURL string, opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ReadLimit == 0 {
		o.ReadLimit = DefaultReadLimit
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("failed to parse url: %w", err)
	}
	ws, resp, err := websocket.Dial(ctx, rawURL, &websocket.DialOptions{HTTPClient: o.HTTPClient, HTTPHeader: o.HTTPHeader})
	if err != nil {
		if herr := httpError(resp); herr != nil {
			return nil, fmt.Errorf("failed to dial %s: %w", rawURL, herr)
		}
		return nil, fmt.Errorf("failed to dial %s: %w", rawURL, err)
	}
	ws.SetReadLimit(o.ReadLimit)
	c := &Client{
		ws:      ws,
		circle:  strings.TrimPrefix(u.Path, "/"),
		compact: o.Compact,
		pending: make(map[int64]chan response),
		done:    make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

// httpError turns a refused handshake's response into an *HTTPError, or nil
// when there was no HTTP response at all.
func httpError(resp *http.Response) error {
	if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return nil
	}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(resp.Body)
	}
	return &HTTPError{StatusCode: resp.StatusCode, Body: string(body)}
}

// Circle is the circle key as given in the URL path.
func (c *Client) Circle() string { return c.circle }

// Done is closed when the connection has ended; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is the error that ended the connection (nil while it is open). Use
// websocket.CloseStatus(c.Err()) to see the server's close code.
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.doneErr
	default:
		return nil
	}
}

// Close closes the connection normally (1000) and fails pending calls with
// net.ErrClosed.
func (c *Client) Close() error {
	c.closing.Store(true)
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("failed to close connection: %w", err)
	}
	return nil
}

// Call sends one request and decodes its result into result (which may be
// nil to discard it). A JSON-RPC error comes back as *RPCError. Cancelling
// ctx abandons the wait (the server may still run the request); a ctx that
// expires while the frame is being written closes the connection, as
// coder/websocket does for every write.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	id := c.nextID.Add(1)
	frame, err := encodeRequest(id, method, params)
	if err != nil {
		return err
	}
	ch := make(chan response, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	defer c.forget(id)
	if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("failed to send %s: %w", method, err)
	}
	select {
	case resp := <-ch:
		return resp.decode(method, result)
	case <-ctx.Done():
		return fmt.Errorf("failed to wait for %s: %w", method, ctx.Err())
	case <-c.done:
		return fmt.Errorf("failed to wait for %s: %w", method, c.doneErr)
	}
}

// Notify sends a notification (a request without id); the server sends no
// reply.
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	frame, err := encodeRequest(0, method, params)
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("failed to send %s: %w", method, err)
	}
	return nil
}

func (c *Client) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// readLoop owns reading: it routes each response to its waiting call and
// records why the connection ended.
func (c *Client) readLoop() {
	var err error
	for {
		var typ websocket.MessageType
		var frame []byte
		typ, frame, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		if typ != websocket.MessageText {
			continue
		}
		c.route(frame)
	}
	var ce websocket.CloseError
	if c.closing.Load() && !errors.As(err, &ce) {
		// Our own Close raced the reader (it saw the socket shut before the
		// peer's close frame): report the closure we asked for.
		err = websocket.CloseError{Code: websocket.StatusNormalClosure}
	}
	c.doneErr = err
	close(c.done)
}

// route delivers every response in frame (one object or a batch array) to
// its caller. Responses nobody waits for (id null, abandoned calls) are
// dropped.
func (c *Client) route(frame []byte) {
	resps, err := decodeResponses(frame)
	if err != nil {
		return
	}
	for _, r := range resps {
		id, ok := r.intID()
		if !ok {
			continue
		}
		c.mu.Lock()
		ch := c.pending[id]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- r:
			default:
			}
		}
	}
}

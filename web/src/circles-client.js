// circles-client: the browser (and Node) client of a circles-actor server.
// One CircleClient is one WebSocket to ws[s]://host/{circle_pk} speaking
// JSON-RPC 2.0; it signs the server's nonce itself (eip191 or compact) or
// has a browser wallet sign it (EIP-1193). Built by web/build.mjs into
// transport/web/static/circles-client.js; the declarations are
// transport/web/static/circles-client.d.ts.
import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

// The synchronous signer needs these (RFC 6979 deterministic nonces).
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, msg) => hmac(sha256, key, msg);

/** Client-side error codes, beside the server's JSON-RPC codes. */
export const ErrorCode = Object.freeze({
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  AuthRequired: -32001,
  InvalidCredentials: -32002,
  BadNonce: -32003,
  ScriptError: -32004,
  ScriptTimeout: -32005,
  Busy: -32006,
  RateLimited: -32007,
  // Local failures: no answer came within timeoutMs, or the socket could
  // not open or closed with calls pending.
  Timeout: -32098,
  ConnectionClosed: -32099,
  // EIP-1193: the user refused the wallet request.
  UserRejected: 4001,
  // EIP-1193: the wallet has no account this page may use.
  Unauthorized: 4100,
});

/** The one error type: code is the JSON-RPC (or wallet) code, data the server's data. */
export class CircleError extends Error {
  constructor(message, code, data) {
    super(message);
    this.name = 'CircleError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;
const EIP191_PREFIX = '\x19Ethereum Signed Message:\n';

function strip0x(hex) {
  return typeof hex === 'string' && /^0x/i.test(hex) ? hex.slice(2) : hex;
}

function parseHex(hex, what, lengths) {
  const h = strip0x(hex);
  if (typeof h !== 'string' || h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h) || !lengths.includes(h.length / 2)) {
    throw new CircleError(`${what} must be ${lengths.join(' or ')} bytes of hex`, ErrorCode.InvalidParams);
  }
  return hexToBytes(h);
}

function parsePrivateKey(hex) {
  const key = parseHex(hex, 'the private key', [32]);
  if (!secp.utils.isValidSecretKey(key)) {
    throw new CircleError('the private key is not a valid secp256k1 key', ErrorCode.InvalidParams);
  }
  return key;
}

/**
 * The EIP-191 personal_sign digest of message:
 * keccak256("\x19Ethereum Signed Message:\n" + byte length + message).
 */
export function eip191Digest(message) {
  const body = utf8ToBytes(message);
  const prefix = utf8ToBytes(EIP191_PREFIX + body.length);
  const all = new Uint8Array(prefix.length + body.length);
  all.set(prefix);
  all.set(body, prefix.length);
  return keccak_256(all);
}

/**
 * Signs nonce with a private key (hex) and returns the signature hex:
 * "eip191" gives 65 bytes r||s||v (v 27 or 28) over eip191Digest(nonce);
 * "compact" gives 64 bytes r||s over SHA-256(nonce). S is always low.
 */
export function signNonce(privateKeyHex, nonce, format = 'eip191') {
  const key = parsePrivateKey(privateKeyHex);
  if (format === 'compact') {
    return bytesToHex(secp.sign(sha256(utf8ToBytes(nonce)), key, { prehash: false, lowS: true }));
  }
  if (format !== 'eip191') {
    throw new CircleError(`unknown signature format "${format}" (eip191 or compact)`, ErrorCode.InvalidParams);
  }
  // noble's "recovered" layout is recovery||r||s; wallets write r||s||v.
  const rec = secp.sign(eip191Digest(nonce), key, { prehash: false, lowS: true, format: 'recovered' });
  const out = new Uint8Array(65);
  out.set(rec.subarray(1), 0);
  out[64] = 27 + rec[0];
  return bytesToHex(out);
}

/**
 * Recovers the compressed public key (hex) that made a 65-byte r||s||v
 * EIP-191 signature (v 0, 1, 27 or 28) of message.
 */
export function recoverEIP191(signatureHex, message) {
  const sig = parseHex(signatureHex, 'the signature', [65]);
  let v = sig[64];
  if (v >= 27) v -= 27;
  if (v !== 0 && v !== 1) throw new CircleError(`the signature's v byte ${sig[64]} is not 0, 1, 27 or 28`, ErrorCode.InvalidCredentials);
  const rec = new Uint8Array(65);
  rec[0] = v;
  rec.set(sig.subarray(0, 64), 1);
  try {
    return bytesToHex(secp.recoverPublicKey(rec, eip191Digest(message), { prehash: false }));
  } catch (e) {
    throw new CircleError(`the signature recovers no key: ${e.message}`, ErrorCode.InvalidCredentials);
  }
}

/** The Ethereum address (0x + 40 lowercase hex) of a public key (hex). */
export function ethAddress(publicKeyHex) {
  const pub = parseHex(publicKeyHex, 'the public key', [33, 65]);
  const full = secp.Point.fromBytes(pub).toBytes(false);
  return '0x' + bytesToHex(keccak_256(full.subarray(1)).subarray(12));
}

/** A fresh key pair from the platform's CSPRNG: {privateKey, publicKey} as hex (compressed public). */
export function generateKey() {
  const key = secp.utils.randomSecretKey();
  return { privateKey: bytesToHex(key), publicKey: bytesToHex(secp.getPublicKey(key, true)) };
}

/** The compressed public key (hex) of a private key (hex). */
export function publicKeyOf(privateKeyHex) {
  return bytesToHex(secp.getPublicKey(parsePrivateKey(privateKeyHex), true));
}

function walletError(e, what) {
  const code = typeof e?.code === 'number' ? e.code : ErrorCode.Internal;
  const msg = e?.message || String(e);
  return new CircleError(`the wallet refused ${what}: ${msg}`, code, e?.data);
}

/** A JSON-RPC 2.0 client over one WebSocket to a circle. */
export class CircleClient {
  /**
   * Opens a WebSocket to url (ws[s]://host/{circle_pk}) and resolves once
   * it is open. timeoutMs (default 60 s) bounds the opening and, unless a
   * call says otherwise, every call. WebSocket may name another
   * constructor (Node before 22, tests).
   */
  static connect(url, { timeoutMs = DEFAULT_TIMEOUT_MS, WebSocket: WS = globalThis.WebSocket } = {}) {
    return new Promise((resolve, reject) => {
      if (typeof WS !== 'function') {
        reject(new CircleError('no WebSocket implementation: pass {WebSocket}', ErrorCode.ConnectionClosed));
        return;
      }
      let ws;
      try {
        ws = new WS(url);
      } catch (e) {
        reject(new CircleError(`cannot connect to ${url}: ${e.message}`, ErrorCode.ConnectionClosed));
        return;
      }
      const timer = setTimeout(() => {
        ws.onopen = ws.onclose = ws.onerror = null;
        try { ws.close(); } catch { /* already closing */ }
        reject(new CircleError(`connecting to ${url} timed out after ${timeoutMs} ms`, ErrorCode.Timeout));
      }, timeoutMs);
      ws.onerror = () => {}; // the close event that follows says more
      ws.onclose = (ev) => {
        clearTimeout(timer);
        reject(new CircleError(`cannot connect to ${url} (closed ${ev.code}${ev.reason ? ': ' + ev.reason : ''}; is it a circle this server serves?)`,
          ErrorCode.ConnectionClosed, { closeCode: ev.code, reason: ev.reason }));
      };
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new CircleClient(ws, url, timeoutMs));
      };
    });
  }

  /** Use CircleClient.connect; the constructor takes an already open socket. */
  constructor(ws, url, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.url = url;
    this.timeoutMs = timeoutMs;
    this._ws = ws;
    this._nextId = 1;
    this._pending = new Map();
    this._closedError = null;
    /** Resolves with {code, reason} when the socket has closed. */
    this.closed = new Promise((resolve) => { this._resolveClosed = resolve; });
    ws.onmessage = (ev) => this._receive(ev.data);
    ws.onerror = () => {};
    ws.onclose = (ev) => this._dropped(ev.code, ev.reason);
  }

  _receive(data) {
    let msg;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
    } catch {
      return; // not JSON: nothing to match it to
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (!m || typeof m !== 'object') continue;
      const p = this._pending.get(m.id);
      if (!p) continue;
      this._pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) {
        const e = m.error;
        p.reject(new CircleError(String(e.message ?? 'error'), typeof e.code === 'number' ? e.code : ErrorCode.Internal, e.data));
      } else {
        p.resolve(m.result);
      }
    }
  }

  _dropped(code, reason) {
    if (!this._closedError) {
      this._closedError = new CircleError(`connection closed (${code}${reason ? ': ' + reason : ''})`,
        ErrorCode.ConnectionClosed, { closeCode: code, reason });
    }
    for (const p of this._pending.values()) {
      clearTimeout(p.timer);
      p.reject(this._closedError);
    }
    this._pending.clear();
    this._resolveClosed({ code, reason });
  }

  /**
   * Calls any method with params (an object or an array) and resolves with
   * its result; rejects with a CircleError carrying the JSON-RPC code and
   * data. Calls may overlap: answers are matched by id.
   */
  call(method, params, { timeoutMs = this.timeoutMs } = {}) {
    if (this._closedError) return Promise.reject(this._closedError);
    const id = this._nextId++;
    const req = { jsonrpc: '2.0', id, method };
    if (params !== undefined) req.params = params;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new CircleError(`${method} timed out after ${timeoutMs} ms`, ErrorCode.Timeout));
      }, timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      try {
        this._ws.send(JSON.stringify(req));
      } catch (e) {
        this._pending.delete(id);
        clearTimeout(timer);
        reject(new CircleError(`cannot send ${method}: ${e.message}`, ErrorCode.ConnectionClosed));
      }
    });
  }

  /** Runs a Rhai script: resolves {output, type, prints?}. */
  play(script) {
    return this.call('play', { script });
  }

  /** Resolves {authenticated, pubkey, circle}. */
  whoami() {
    return this.call('whoami');
  }

  /**
   * Proves ownership of privateKeyHex: fetch_nonce, sign it here (format
   * "eip191", the default, or "compact"), authenticate. The key never
   * leaves this function; only the signature is sent.
   */
  async authenticate(privateKeyHex, { format = 'eip191' } = {}) {
    const pubkey = publicKeyOf(privateKeyHex);
    const { nonce } = await this.call('fetch_nonce', { pubkey });
    const signature = signNonce(privateKeyHex, nonce, format);
    return this.call('authenticate', { pubkey, signature, nonce });
  }

  /**
   * Authenticates with a browser wallet (an EIP-1193 provider such as
   * window.ethereum): eth_requestAccounts, personal_sign of a fixed
   * sign-in message (to learn the public key fetch_nonce needs), then
   * personal_sign of the nonce. The public key is recovered from the signature and checked
   * against the account's address. A refusal rejects with the wallet's
   * code (4001 when the user said no).
   */
  async authenticateWithWallet(provider) {
    if (!provider || typeof provider.request !== 'function') {
      throw new CircleError('no EIP-1193 wallet (provider.request is missing)', ErrorCode.InvalidParams);
    }
    let accounts;
    try {
      accounts = await provider.request({ method: 'eth_requestAccounts' });
    } catch (e) {
      throw walletError(e, 'to share an account');
    }
    const account = Array.isArray(accounts) ? accounts[0] : undefined;
    if (typeof account !== 'string') throw new CircleError('the wallet gave no account', ErrorCode.Unauthorized);
    // fetch_nonce needs the public key, and a wallet gives only an
    // address: the key is recovered from a signature of a fixed message
    // first (the wallet's first prompt), then the nonce is signed.
    const intro = `Sign in to circles as ${account}`;
    const sign = async (text) => {
      try {
        return await provider.request({ method: 'personal_sign', params: ['0x' + bytesToHex(utf8ToBytes(text)), account] });
      } catch (e) {
        throw walletError(e, 'to sign');
      }
    };
    const pubkey = recoverEIP191(await sign(intro), intro);
    if (ethAddress(pubkey) !== account.toLowerCase()) {
      throw new CircleError(`the wallet signed with another key than account ${account}`, ErrorCode.InvalidCredentials);
    }
    const { nonce } = await this.call('fetch_nonce', { pubkey });
    const signature = await sign(nonce);
    return this.call('authenticate', { pubkey, signature: strip0x(signature), nonce });
  }

  /** Closes the socket (1000); pending calls reject with ConnectionClosed. */
  close() {
    if (!this._closedError) {
      this._closedError = new CircleError('connection closed by the client', ErrorCode.ConnectionClosed, { closeCode: 1000 });
    }
    try { this._ws.close(1000, 'bye'); } catch { /* already closed */ }
    // Reject now: the close event may come much later.
    for (const p of this._pending.values()) {
      clearTimeout(p.timer);
      p.reject(this._closedError);
    }
    this._pending.clear();
  }
}

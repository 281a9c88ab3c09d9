// TypeScript declarations of circles-client.js, the circles-actor browser
// client (served at /circles-client.d.ts beside /circles-client.js).

/** JSON-RPC codes of the server, and the client's own local ones. */
export declare const ErrorCode: Readonly<{
  ParseError: -32700;
  InvalidRequest: -32600;
  MethodNotFound: -32601;
  InvalidParams: -32602;
  Internal: -32603;
  AuthRequired: -32001;
  InvalidCredentials: -32002;
  BadNonce: -32003;
  ScriptError: -32004;
  ScriptTimeout: -32005;
  Busy: -32006;
  RateLimited: -32007;
  /** No answer (or no open socket) within timeoutMs. */
  Timeout: -32098;
  /** The socket could not open, or closed while calls were pending. */
  ConnectionClosed: -32099;
  /** EIP-1193: the user refused the wallet's request. */
  UserRejected: 4001;
  /** EIP-1193: the wallet has no account this page may use. */
  Unauthorized: 4100;
}>;

/** Where a script failed (the data of -32004 and -32005). */
export interface ScriptErrorData {
  kind: string;
  message: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
}

/** Every failure: code is the JSON-RPC (or wallet) code, data what the server sent. */
export declare class CircleError extends Error {
  constructor(message: string, code: number, data?: unknown);
  readonly code: number;
  readonly data?: ScriptErrorData | { closeCode: number; reason?: string } | unknown;
}

export interface PlayResult {
  /** The script's final value as a string ("20" for `let x = 10; x * 2`). */
  output: string;
  /** Its Rhai type name (i64, f64, string, bool, (), array, map, ...). */
  type: string;
  /** print() lines, present only when the script printed. */
  prints?: string[];
}

export interface Identity {
  authenticated: boolean;
  pubkey: string | null;
  circle: string;
}

export interface Authenticated {
  authenticated: true;
  pubkey: string;
}

/** An EIP-1193 provider, such as window.ethereum. */
export interface EIP1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

export interface ConnectOptions {
  /** Bounds the opening and, by default, every call. Default 60000. */
  timeoutMs?: number;
  /** Another WebSocket constructor (Node before 22, tests). Default globalThis.WebSocket. */
  WebSocket?: new (url: string) => WebSocket;
}

/** A JSON-RPC 2.0 client over one WebSocket to ws[s]://host/{circle_pk}. */
export declare class CircleClient {
  /** Opens the socket; resolves once it is open. */
  static connect(url: string, options?: ConnectOptions): Promise<CircleClient>;
  readonly url: string;
  timeoutMs: number;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Any method; calls may overlap (answers are matched by id). */
  call<T = unknown>(method: string, params?: object | unknown[], options?: { timeoutMs?: number }): Promise<T>;
  /** Runs a Rhai script in the circle. */
  play(script: string): Promise<PlayResult>;
  whoami(): Promise<Identity>;
  /**
   * fetch_nonce, sign it here, authenticate. format "eip191" (default):
   * 65-byte r||s||v over the personal_sign digest; "compact": 64-byte r||s
   * over SHA-256(nonce). Only the signature is sent.
   */
  authenticate(privateKeyHex: string, options?: { format?: "eip191" | "compact" }): Promise<Authenticated>;
  /** eth_requestAccounts, personal_sign of a sign-in message (the key is recovered from it), then personal_sign of the nonce. */
  authenticateWithWallet(provider: EIP1193Provider): Promise<Authenticated>;
  /** Closes the socket; pending calls reject with ConnectionClosed. */
  close(): void;
}

/** A fresh key pair (hex; the public key compressed). */
export declare function generateKey(): { privateKey: string; publicKey: string };
/** The compressed public key (hex) of a private key (hex). */
export declare function publicKeyOf(privateKeyHex: string): string;
/** keccak256("\x19Ethereum Signed Message:\n" + UTF-8 byte length + message). */
export declare function eip191Digest(message: string): Uint8Array;
/** The signature hex of nonce: "eip191" 65 bytes r||s||v (v 27/28), "compact" 64 bytes r||s; low S. */
export declare function signNonce(privateKeyHex: string, nonce: string, format?: "eip191" | "compact"): string;
/** The compressed public key (hex) that made a 65-byte r||s||v EIP-191 signature of message. */
export declare function recoverEIP191(signatureHex: string, message: string): string;
/** The Ethereum address (0x + 40 lowercase hex) of a public key. */
export declare function ethAddress(publicKeyHex: string): string;

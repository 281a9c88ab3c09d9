// Unit tests of the built module (the file the server embeds), so they
// need no node_modules: `node --test web/test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CircleClient, CircleError, ErrorCode, eip191Digest, signNonce, recoverEIP191,
  ethAddress, generateKey, publicKeyOf,
} from '../../transport/web/static/circles-client.js';

const hex = (b) => Buffer.from(b).toString('hex');
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const NONCE = 'circles:02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5:4c1d0b6f8e2a9c3b5d7e1f0a2b4c6d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8:1795000000';

// Vectors from the server's own Go signer (actors/auth: decred secp256k1,
// RFC 6979), an implementation independent of the bundled @noble code.
const VECTORS = [
  {
    priv: '0000000000000000000000000000000000000000000000000000000000000001',
    pub: '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    eip191: 'bbe0722a2fdd6caaadc9b35af61c9a7d733a3cfb47b47c2d5c5e4688a9e3f49e7b78ce51c09c3d95bc6118234725e95e2b06a1a89036eb37ca6c4215df5bc94f1c',
    compact: '4cb4304bdfd355ba827b09bbfe1d21b54a1a42fa4eb87fc107de15fdb8bd2049232cc8ea95044bca11a40cd83207ddddc4fd1e3750d79de016a7d4ce31d77f90',
  },
  {
    priv: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
    pub: '032c8c31fc9f990c6b55e3865a184a4ce50e09481f2eaeb3e60ec1cea13a6ae645',
    eip191: '05d1b436bda48784ce5498260339c77f5ee0c6578dfe50aa8bb03c6bfe357af850e97f9a7d76ddf430e9762fdda622d6ec05315f9b435d9d9641710fbe3423241c',
    compact: '10d708c33e8079bb6cd4ab0662127f133da6e1dcab0a7a464c9b46874d51d79655cbffc1eec893f06e9466a862f5728653e31aeaf4699778d17009a8613df88e',
  },
];

test('EIP-191 digest matches the personal_sign vectors', () => {
  // hashMessage("Hello World") as every Ethereum library computes it.
  assert.equal(hex(eip191Digest('Hello World')), 'a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2');
  assert.equal(hex(eip191Digest(NONCE)), 'a52a6ea902498ad5e165c9d3fa00e1c66c5288cddcb3401f5683b21b9a75ff7a');
  // The length prefix counts UTF-8 bytes, not UTF-16 units.
  assert.notEqual(hex(eip191Digest('é')), hex(eip191Digest('e')));
});

test('eip191 and compact signatures equal the Go signer\'s', () => {
  for (const v of VECTORS) {
    assert.equal(publicKeyOf(v.priv), v.pub);
    assert.equal(signNonce(v.priv, NONCE), v.eip191, 'default format is eip191');
    assert.equal(signNonce('0x' + v.priv, NONCE, 'eip191'), v.eip191);
    assert.equal(signNonce(v.priv, NONCE, 'compact'), v.compact);
    assert.equal(recoverEIP191(v.eip191, NONCE), v.pub);
    assert.equal(recoverEIP191('0x' + v.eip191, NONCE), v.pub);
  }
});

test('signatures are low-S with v 27 or 28', () => {
  // Without normalization about half of all signatures would be high-S;
  // 64 keys leave a 2^-64 chance of missing it.
  const vs = new Set();
  for (let i = 0; i < 64; i++) {
    const { privateKey, publicKey } = generateKey();
    assert.match(privateKey, /^[0-9a-f]{64}$/);
    assert.match(publicKey, /^0[23][0-9a-f]{64}$/);
    const e = signNonce(privateKey, NONCE + i, 'eip191');
    const c = signNonce(privateKey, NONCE + i, 'compact');
    assert.equal(e.length, 130);
    assert.equal(c.length, 128);
    for (const s of [BigInt('0x' + e.slice(64, 128)), BigInt('0x' + c.slice(64, 128))]) {
      assert.ok(s <= N / 2n, `high S ${s.toString(16)}`);
    }
    const v = parseInt(e.slice(128), 16);
    assert.ok(v === 27 || v === 28, `v ${v}`);
    vs.add(v);
    assert.equal(recoverEIP191(e, NONCE + i), publicKey);
  }
  assert.equal(vs.size, 2, 'both recovery ids occur');
});

test('v 0/1 is accepted on recovery and a bad v is refused', () => {
  const v = VECTORS[0];
  const raw = v.eip191.slice(0, 128) + (parseInt(v.eip191.slice(128), 16) - 27).toString(16).padStart(2, '0');
  assert.equal(recoverEIP191(raw, NONCE), v.pub);
  assert.throws(() => recoverEIP191(v.eip191.slice(0, 128) + '05', NONCE), (e) => e instanceof CircleError && e.code === ErrorCode.InvalidCredentials);
});

test('ethAddress of a known key', () => {
  // Private key 1's address.
  assert.equal(ethAddress(VECTORS[0].pub), '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf');
});

test('bad keys and formats are refused with InvalidParams', () => {
  for (const bad of ['', '12', 'zz'.repeat(32), '00'.repeat(32), 'ff'.repeat(32)]) {
    assert.throws(() => signNonce(bad, NONCE), (e) => e instanceof CircleError && e.code === ErrorCode.InvalidParams, bad);
  }
  assert.throws(() => signNonce(VECTORS[0].priv, NONCE, 'der'), (e) => e.code === ErrorCode.InvalidParams);
});

// FakeSocket is the server side of a CircleClient: sent frames are
// recorded, and the test answers them in any order.
class FakeSocket {
  constructor() { this.sent = []; this.closedWith = null; }
  send(s) { this.sent.push(JSON.parse(s)); }
  close(code, reason) { this.closedWith = code; this.onclose?.({ code, reason }); }
  reply(obj) { this.onmessage({ data: JSON.stringify(obj) }); }
  drop(code, reason) { this.onclose({ code, reason }); }
}

test('concurrent calls are matched by id, in any order', async () => {
  const ws = new FakeSocket();
  const c = new CircleClient(ws, 'ws://x/pk', 5000);
  const a = c.play('1 + 1');
  const b = c.whoami();
  const d = c.call('rpc.discover');
  assert.deepEqual(ws.sent.map((m) => m.method), ['play', 'whoami', 'rpc.discover']);
  assert.deepEqual(ws.sent[0].params, { script: '1 + 1' });
  assert.equal(new Set(ws.sent.map((m) => m.id)).size, 3);
  assert.ok(ws.sent.every((m) => m.jsonrpc === '2.0'));
  const [pa, pb, pd] = ws.sent;
  // Answers arrive reversed, one unknown id among them, and a batch.
  ws.reply({ jsonrpc: '2.0', id: 999, result: 'stray' });
  ws.reply([{ jsonrpc: '2.0', id: pd.id, result: { openrpc: '1.2.6' } },
    { jsonrpc: '2.0', id: pb.id, result: { authenticated: false, pubkey: null, circle: 'pk' } }]);
  ws.reply({ jsonrpc: '2.0', id: pa.id, result: { output: '2', type: 'i64' } });
  assert.deepEqual(await a, { output: '2', type: 'i64' });
  assert.deepEqual(await b, { authenticated: false, pubkey: null, circle: 'pk' });
  assert.deepEqual(await d, { openrpc: '1.2.6' });
});

test('errors carry code and data', async () => {
  const ws = new FakeSocket();
  const c = new CircleClient(ws, 'ws://x/pk', 5000);
  const p = c.play('let');
  const data = { kind: 'parse', message: 'expected a name', line: 1, column: 4 };
  ws.reply({ jsonrpc: '2.0', id: ws.sent[0].id, error: { code: -32004, message: 'Script error', data } });
  await assert.rejects(p, (e) => e instanceof CircleError && e instanceof Error && e.code === -32004 && e.message === 'Script error' && e.data.line === 1);
});

test('a dropped connection rejects every pending call, and later calls', async () => {
  const ws = new FakeSocket();
  const c = new CircleClient(ws, 'ws://x/pk', 5000);
  const a = c.play('1');
  const b = c.play('2');
  ws.drop(1006, '');
  for (const p of [a, b, c.whoami()]) {
    await assert.rejects(p, (e) => e.code === ErrorCode.ConnectionClosed && e.data.closeCode === 1006);
  }
  assert.deepEqual(await c.closed, { code: 1006, reason: '' });
});

test('close rejects pending calls at once', async () => {
  const ws = new FakeSocket();
  const c = new CircleClient(ws, 'ws://x/pk', 5000);
  const a = c.play('1');
  c.close();
  assert.equal(ws.closedWith, 1000);
  await assert.rejects(a, (e) => e.code === ErrorCode.ConnectionClosed);
});

test('a call with no answer times out', async () => {
  const c = new CircleClient(new FakeSocket(), 'ws://x/pk', 5000);
  await assert.rejects(c.call('play', ['1'], { timeoutMs: 5 }), (e) => e.code === ErrorCode.Timeout);
});

test('authenticate signs the nonce fetched for its key', async () => {
  const v = VECTORS[0];
  for (const format of ['eip191', 'compact']) {
    const ws = new FakeSocket();
    const c = new CircleClient(ws, 'ws://x/pk', 5000);
    const done = c.authenticate(v.priv, { format });
    assert.deepEqual(ws.sent[0].params, { pubkey: v.pub });
    assert.equal(ws.sent[0].method, 'fetch_nonce');
    ws.reply({ jsonrpc: '2.0', id: ws.sent[0].id, result: { nonce: NONCE, expires_at: 1795000000 } });
    await new Promise((r) => setImmediate(r));
    assert.equal(ws.sent[1].method, 'authenticate');
    assert.deepEqual(ws.sent[1].params, { pubkey: v.pub, signature: v[format], nonce: NONCE });
    ws.reply({ jsonrpc: '2.0', id: ws.sent[1].id, result: { authenticated: true, pubkey: v.pub } });
    assert.deepEqual(await done, { authenticated: true, pubkey: v.pub });
  }
});

test('connect needs a WebSocket implementation', async () => {
  await assert.rejects(CircleClient.connect('ws://127.0.0.1:1/x', { WebSocket: null }), (e) => e.code === ErrorCode.ConnectionClosed);
});

// The playground page: an editor, a circle picker, key handling and the
// results of play, all through the client module this server serves. It
// talks only to its own origin (the page's Content-Security-Policy says so).
import { CircleClient, ErrorCode, generateKey, publicKeyOf } from '/circles-client.js';

const $ = (id) => document.getElementById(id);
const STORE_KEY = 'circles-playground.private-key';
const HISTORY_MAX = 20;

const EXAMPLES = [
  ['Arithmetic', 'let x = 10;\nx * 2'],
  ['Strings and print', 'let name = "circle";\nprint("hello " + name);\nname.len()'],
  ['Arrays and maps', 'let a = [3, 1, 2];\na.sort();\nlet m = #{ first: a[0], count: a.len() };\nm'],
  ['Functions and loops', 'fn fib(n) {\n  if n < 2 { n } else { fib(n - 1) + fib(n - 2) }\n}\nlet out = [];\nfor i in 0..10 {\n  out.push(fib(i));\n}\nout'],
  ['Who am I', '// CALLER_PUBLIC_KEY is "" until you authenticate with a key.\n#{ circle: CIRCLE_PUBLIC_KEY, caller: CALLER_PUBLIC_KEY }'],
  ['A syntax error', 'let x = 1;\nlet y = x +;\ny'],
];

const ui = {
  status: $('status'), script: $('script'), gutter: $('gutter'), mark: $('mark'), run: $('run'),
  examples: $('examples'), output: $('output'), printsBox: $('prints-box'), prints: $('prints'),
  error: $('error'), circle: $('circle'), circleNote: $('circle-note'), keyPub: $('key-pub'),
  keySecretBox: $('key-secret-box'), keySecret: $('key-secret'), keyWhere: $('key-where'),
  keyGenerate: $('key-generate'), keyWallet: $('key-wallet'), keyForget: $('key-forget'),
  keyImport: $('key-import'), keyImportBtn: $('key-import-btn'), keyRemember: $('key-remember'),
  keyError: $('key-error'), history: $('history'), historyEmpty: $('history-empty'),
};

const state = {
  enableAuth: false,
  // {kind: 'local', privateKey, publicKey} or {kind: 'wallet', provider, publicKey}.
  key: null,
  client: null, // a promise of the open, authenticated-when-keyed CircleClient
  errorLine: 0,
  tabEscapes: false,
};

function setStatus(text) { ui.status.textContent = text; }

// --- storage: nothing is written unless the user asks ---------------------

function storage() {
  try { return window.localStorage; } catch { return null; }
}

function saveKey() {
  const s = storage();
  if (!s) return;
  if (ui.keyRemember.checked && state.key?.kind === 'local') s.setItem(STORE_KEY, state.key.privateKey);
  else s.removeItem(STORE_KEY);
}

function describeWhere() {
  if (state.key?.kind === 'wallet') {
    ui.keyWhere.textContent = 'Your browser wallet holds the key; this page asks it to sign the server\'s one-time nonce and never sees the key.';
  } else if (ui.keyRemember.checked) {
    ui.keyWhere.textContent = 'Your key is kept in this browser\'s local storage for this server until you untick "Remember" or forget it. Only a signature of the server\'s one-time nonce is ever sent.';
  } else {
    ui.keyWhere.textContent = 'Your key is kept in this tab\'s memory only and is gone when you reload or close it. It never leaves this page: the server gets only a signature of its one-time nonce.';
  }
}

// --- the connection -----------------------------------------------------------

function circleURL(pk) {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/' + pk;
}

function disconnect() {
  const c = state.client;
  state.client = null;
  if (c) c.then((cl) => cl.close(), () => {});
}

// client opens the socket to the picked circle on first use and
// authenticates when a key is set; a dropped socket is reopened next time.
function client() {
  if (state.client) return state.client;
  const pk = ui.circle.value;
  const key = state.key;
  const p = (async () => {
    if (!pk) throw new Error('This server serves no circle.');
    setStatus('Connecting…');
    const c = await CircleClient.connect(circleURL(pk), { timeoutMs: 60000 });
    c.closed.then(() => {
      if (state.client === p) { state.client = null; setStatus('Disconnected; the next run reconnects.'); }
    });
    if (key) {
      setStatus(key.kind === 'wallet' ? 'Waiting for the wallet to sign…' : 'Authenticating…');
      try {
        if (key.kind === 'wallet') await c.authenticateWithWallet(key.provider);
        else await c.authenticate(key.privateKey);
      } catch (e) {
        c.close();
        throw e;
      }
    }
    setStatus(`Connected to ${short(pk)}` + (key ? ` as ${short(key.publicKey)}` : ''));
    return c;
  })();
  state.client = p;
  p.catch(() => { if (state.client === p) state.client = null; });
  return p;
}

function short(hex) { return hex ? hex.slice(0, 8) + '…' + hex.slice(-4) : ''; }

// --- running ------------------------------------------------------------------

async function run() {
  const script = ui.script.value;
  clearError();
  ui.run.disabled = true;
  ui.run.setAttribute('aria-busy', 'true');
  const started = new Date();
  try {
    const c = await client();
    setStatus('Running…');
    const res = await c.play(script);
    showResult(res);
    addHistory(script, started, `${res.output} : ${res.type}`, false);
    setStatus(`Ran in ${Date.now() - started.getTime()} ms on ${short(ui.circle.value)}`);
  } catch (e) {
    showError(e);
    addHistory(script, started, errorSummary(e), true);
    setStatus('The run failed.');
  } finally {
    ui.run.disabled = false;
    ui.run.removeAttribute('aria-busy');
  }
}

function showResult(res) {
  ui.output.replaceChildren();
  const value = document.createElement('pre');
  value.className = 'value';
  value.dataset.testid = 'output-value';
  value.textContent = res.output;
  const type = document.createElement('p');
  type.className = 'type';
  type.append('type ');
  const t = document.createElement('code');
  t.dataset.testid = 'output-type';
  t.textContent = res.type;
  type.append(t);
  ui.output.append(value, type);
  const prints = Array.isArray(res.prints) ? res.prints : [];
  ui.printsBox.hidden = prints.length === 0;
  ui.prints.textContent = prints.join('\n');
}

function errorSummary(e) {
  if (e?.data && typeof e.data.kind === 'string') return `${e.data.kind} error${e.data.line ? ' at line ' + e.data.line : ''}`;
  return e?.message ?? String(e);
}

function showError(e) {
  ui.output.replaceChildren();
  ui.printsBox.hidden = true;
  const box = ui.error;
  box.replaceChildren();
  const d = e?.data;
  const head = document.createElement('p');
  head.className = 'error-head';
  if ((e?.code === ErrorCode.ScriptError || e?.code === ErrorCode.ScriptTimeout) && d && typeof d.kind === 'string') {
    box.dataset.kind = d.kind;
    box.dataset.line = String(d.line ?? 0);
    box.dataset.column = String(d.column ?? 0);
    head.textContent = `${d.kind} error` + (d.line ? ` at line ${d.line}, column ${d.column}` : '');
    const msg = document.createElement('p');
    msg.className = 'error-message';
    msg.textContent = d.message;
    box.append(head, msg);
    if (d.line > 0) {
      const src = ui.script.value.split('\n')[d.line - 1];
      if (src !== undefined) {
        const pre = document.createElement('pre');
        pre.className = 'error-source';
        pre.textContent = src + '\n' + ' '.repeat(Math.max(0, (d.column || 1) - 1)) + '^';
        box.append(pre);
      }
      markLine(d.line);
    }
  } else {
    delete box.dataset.kind;
    delete box.dataset.line;
    delete box.dataset.column;
    head.textContent = e?.code === ErrorCode.AuthRequired
      ? 'Authentication required: this server runs with --enable-auth. Generate, import or connect a key first.'
      : (e?.message ?? String(e));
    box.append(head);
    if (typeof e?.code === 'number') {
      const code = document.createElement('p');
      code.className = 'note';
      code.textContent = `code ${e.code}`;
      box.append(code);
    }
  }
  box.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.replaceChildren();
  markLine(0);
}

// --- the editor ---------------------------------------------------------------

function lineCount() { return ui.script.value.split('\n').length; }

function renderGutter() {
  const n = lineCount();
  if (ui.gutter.childElementCount !== n) {
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= n; i++) {
      const d = document.createElement('div');
      d.textContent = String(i);
      frag.append(d);
    }
    ui.gutter.replaceChildren(frag);
  }
  for (const [i, d] of [...ui.gutter.children].entries()) d.classList.toggle('bad', i + 1 === state.errorLine);
  syncScroll();
}

function lineHeight() {
  return parseFloat(getComputedStyle(ui.script).lineHeight) || 20;
}

function syncScroll() {
  ui.gutter.scrollTop = ui.script.scrollTop;
  if (state.errorLine > 0) {
    const top = parseFloat(getComputedStyle(ui.script).paddingTop) || 0;
    ui.mark.style.top = `${top + (state.errorLine - 1) * lineHeight() - ui.script.scrollTop}px`;
    ui.mark.style.height = `${lineHeight()}px`;
  }
}

// markLine highlights line n (0: none) in the gutter and behind the text.
function markLine(n) {
  state.errorLine = n;
  ui.mark.hidden = n <= 0;
  renderGutter();
}

function indent(e) {
  const ta = ui.script;
  const { selectionStart: s, selectionEnd: end, value } = ta;
  const lineStart = value.lastIndexOf('\n', s - 1) + 1;
  if (!e.shiftKey && s === end) {
    ta.setRangeText('  ', s, end, 'end');
  } else {
    // Indent or unindent every line the selection touches.
    const block = value.slice(lineStart, end);
    const lines = block.split('\n');
    const out = lines.map((l) => (e.shiftKey ? l.replace(/^ {1,2}/, '') : '  ' + l)).join('\n');
    ta.setRangeText(out, lineStart, end, 'preserve');
    const first = e.shiftKey ? -(lines[0].length - lines[0].replace(/^ {1,2}/, '').length) : 2;
    ta.setSelectionRange(Math.max(lineStart, s + first), lineStart + out.length);
  }
  ta.dispatchEvent(new Event('input'));
}

ui.script.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
    return;
  }
  if (e.key === 'Escape') { state.tabEscapes = true; return; }
  if (e.key === 'Tab' && !state.tabEscapes && !e.altKey && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    indent(e);
    return;
  }
  state.tabEscapes = false;
});
ui.script.addEventListener('blur', () => { state.tabEscapes = false; });
ui.script.addEventListener('input', () => {
  if (state.errorLine) markLine(0);
  else renderGutter();
});
ui.script.addEventListener('scroll', syncScroll);
ui.run.addEventListener('click', run);

for (const [i, [name]] of EXAMPLES.entries()) {
  const o = document.createElement('option');
  o.value = String(i);
  o.textContent = name;
  ui.examples.append(o);
}
ui.examples.addEventListener('change', () => {
  const ex = EXAMPLES[Number(ui.examples.value)];
  if (!ex || ui.examples.value === '') return;
  ui.script.value = ex[1];
  ui.examples.value = ''; // so that choosing the same example again reloads it
  clearError();
  renderGutter();
  ui.script.focus();
});

// --- history --------------------------------------------------------------------

function addHistory(script, when, summary, failed) {
  const li = document.createElement('li');
  li.className = failed ? 'failed' : 'ok';
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'history-item';
  const first = script.split('\n').find((l) => l.trim() !== '') ?? '';
  const time = document.createElement('time');
  time.dateTime = when.toISOString();
  time.textContent = when.toLocaleTimeString();
  const code = document.createElement('code');
  code.textContent = first.length > 40 ? first.slice(0, 40) + '…' : first;
  const res = document.createElement('span');
  res.className = 'history-result';
  res.textContent = (failed ? '✗ ' : '→ ') + (summary.length > 60 ? summary.slice(0, 60) + '…' : summary);
  b.append(time, ' ', code, ' ', res);
  b.setAttribute('aria-label', `Put back the script run at ${time.textContent}: ${first}`);
  b.addEventListener('click', () => {
    ui.script.value = script;
    clearError();
    renderGutter();
    ui.script.focus();
  });
  li.append(b);
  ui.history.prepend(li);
  while (ui.history.childElementCount > HISTORY_MAX) ui.history.lastElementChild.remove();
  ui.historyEmpty.hidden = true;
}

// --- keys -------------------------------------------------------------------------

function setKey(key) {
  state.key = key;
  ui.keyError.textContent = '';
  ui.keyPub.textContent = key ? key.publicKey : 'none';
  ui.keySecretBox.hidden = key?.kind !== 'local';
  ui.keySecret.textContent = key?.kind === 'local' ? key.privateKey : '';
  ui.keySecretBox.open = false;
  saveKey();
  describeWhere();
  disconnect(); // the next run connects and authenticates with the new key
  setStatus(key ? `Key set (${key.kind === 'wallet' ? 'wallet' : 'in this page'}): it signs in on the next run.` : 'No key: runs are anonymous.');
}

ui.keyGenerate.addEventListener('click', () => {
  const k = generateKey();
  setKey({ kind: 'local', privateKey: k.privateKey, publicKey: k.publicKey });
});

ui.keyImportBtn.addEventListener('click', importKey);
ui.keyImport.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); importKey(); } });
function importKey() {
  const raw = ui.keyImport.value.trim().replace(/^0x/i, '');
  try {
    const publicKey = publicKeyOf(raw);
    setKey({ kind: 'local', privateKey: raw.toLowerCase(), publicKey });
    ui.keyImport.value = '';
  } catch (e) {
    ui.keyError.textContent = `Not a usable key: ${e.message}.`;
  }
}

ui.keyWallet.addEventListener('click', async () => {
  const provider = window.ethereum;
  if (!provider) {
    ui.keyError.textContent = 'No browser wallet found on this page (window.ethereum is missing).';
    return;
  }
  setKey({ kind: 'wallet', provider, publicKey: '(the wallet\'s, known after it signs)' });
  try {
    const c = await client();
    const me = await c.whoami();
    state.key.publicKey = me.pubkey;
    ui.keyPub.textContent = me.pubkey;
  } catch (e) {
    ui.keyError.textContent = `The wallet did not sign in: ${e.message}`;
    setStatus('The wallet did not sign in.');
  }
});

ui.keyForget.addEventListener('click', () => {
  setKey(null);
  ui.keyRemember.checked = false;
  saveKey();
  describeWhere();
});

ui.keyRemember.addEventListener('change', () => { saveKey(); describeWhere(); });

// --- start --------------------------------------------------------------------------

ui.circle.addEventListener('change', () => { disconnect(); setStatus(`Circle ${short(ui.circle.value)} chosen.`); });

async function start() {
  renderGutter();
  const saved = storage()?.getItem(STORE_KEY);
  if (saved) {
    try {
      ui.keyRemember.checked = true;
      setKey({ kind: 'local', privateKey: saved, publicKey: publicKeyOf(saved) });
    } catch {
      storage()?.removeItem(STORE_KEY);
      ui.keyRemember.checked = false;
    }
  }
  describeWhere();
  let info;
  try {
    const r = await fetch('/playground/circles.json', { cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    info = await r.json();
  } catch (e) {
    setStatus(`Cannot list this server's circles: ${e.message}`);
    return;
  }
  state.enableAuth = !!info.enable_auth;
  ui.circle.replaceChildren();
  for (const pk of info.circles) {
    const o = document.createElement('option');
    o.value = pk;
    o.textContent = pk;
    ui.circle.append(o);
  }
  ui.circle.disabled = info.circles.length === 0;
  ui.circleNote.textContent = (info.circles.length === 0 ? 'This server serves no circle yet. ' : '') +
    (state.enableAuth ? 'This server requires a key: scripts run only in an authenticated session.' : 'Scripts run without a key here; with one, they see it as CALLER_PUBLIC_KEY.');
  document.body.dataset.ready = 'true';
  setStatus(info.circles.length ? 'Ready.' : 'No circle to run on.');
}

start();

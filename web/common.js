// common.js — what the three pages share: the header's server status, error messages that are
// always visible (never a blank page), JSON fetches that turn every failure into a sentence,
// and a tiny element builder (text goes in as text: nothing from the server becomes HTML).

const errorBox = () => document.getElementById('error');

export function showError(message) {
  const box = errorBox();
  if (!box) return;
  box.textContent = message;
  box.classList.remove('hidden');
  box.scrollIntoView({ block: 'nearest' });
}

export function clearError() {
  const box = errorBox();
  if (box) { box.textContent = ''; box.classList.add('hidden'); }
}

// Errors that escape a handler still reach the page.
window.addEventListener('error', (e) => showError(`The page hit an error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showError(`The page hit an error: ${e.reason?.message ?? e.reason}`));

export function unreachableMessage() {
  return `Server unreachable: cannot connect to ${location.origin}. Is \`insightv serve\` (or \`insightv browse\`) still running? Start it again, then retry.`;
}

// An Error whose message is what the user should read; status 0 = no answer at all.
export class ApiFailure extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

// The OpenAI-style error body's message, or the status line.
export async function errorMessage(res) {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text);
    if (j?.error?.message) return j.error.message;
  } catch { /* not JSON */ }
  return text.trim() || res.statusText || `HTTP ${res.status}`;
}

// fetch() with the API key the user gave (insightv serve --api-key): on a 401 the page asks for
// the key once, keeps it for this tab (sessionStorage) and retries.
export async function apiFetch(path, options = {}) {
  const withKey = () => {
    const key = sessionStorage.getItem('insightv.apiKey');
    const headers = { ...(options.headers || {}) };
    if (key) headers.Authorization = `Bearer ${key}`;
    return fetch(path, { ...options, headers });
  };
  let res = await withKey();
  if (res.status === 401 && path.startsWith('/v1/')) {
    const key = window.prompt('This server needs an API key (insightv serve --api-key). Key:');
    if (key) {
      sessionStorage.setItem('insightv.apiKey', key.trim());
      res = await withKey();
    }
  }
  return res;
}

export async function fetchJson(path, options = {}) {
  let res;
  try {
    res = await apiFetch(path, options);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    setStatus(false);
    throw new ApiFailure(unreachableMessage(), 0);
  }
  setStatus(true);
  if (!res.ok) throw new ApiFailure(`${await errorMessage(res)} (HTTP ${res.status})`, res.status);
  return res.json();
}

// el('li', {class: 'step'}, 'text', child, ...): attributes and children; strings are text nodes.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n));

// The header's pill: "connected" or "server unreachable", from /health every 5 s.
let statusPill = null;
export function setStatus(up) {
  if (!statusPill) return;
  statusPill.textContent = up ? 'connected' : 'server unreachable';
  statusPill.classList.toggle('down', !up);
}

export function watchServer() {
  statusPill = document.getElementById('server-status');
  const poll = async () => {
    try {
      const r = await fetch('/health', { cache: 'no-store' });
      setStatus(r.ok);
    } catch {
      setStatus(false);
    }
  };
  poll();
  setInterval(poll, 5000);
}

// chat.js — the chat page: an image (file, drop or paste) and a question go to
// /v1/chat/completions with stream: true; the reasoning agent's chain arrives as
// reasoning_content deltas (shown as steps, one per "title: content" line, as generated), then
// the summary agent's answer as content deltas; with N chains each chain has its own column and
// the server's vote (stream_options.include_insightv) closes the turn.
import { apiFetch, clearError, el, errorMessage, fetchJson, setStatus, showError, unreachableMessage, watchServer } from './common.js';

const $ = (id) => document.getElementById(id);
const conversation = { server: location.origin, model: null, turns: [] };
let image = null;        // {name, type, bytes, width, height, dataUrl}
let controller = null;   // AbortController of the request in flight

// "<thoughts>\nStep one: saw 3 circles\n...\n</thoughts>" → [{title, content}] (the format of
// the reasoning set, pipeline/assess.h thoughts_text; a line without ": " is all content).
export function stepsFromChain(text) {
  const body = text.replace(/<\/?thoughts>/g, '\n');
  const steps = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf(': ');
    if (at > 0 && at < 80) steps.push({ title: line.slice(0, at), content: line.slice(at + 2) });
    else steps.push({ title: `Step ${steps.length + 1}`, content: line });
  }
  return steps;
}

function setImage(file) {
  clearError();
  if (!file) return;
  if (!file.type.startsWith('image/')) {
    clearImage();
    showError(`“${file.name}” is not an image (${file.type || 'unknown type'}). Choose a PNG or JPEG image.`);
    return;
  }
  const reader = new FileReader();
  reader.onerror = () => showError(`Could not read “${file.name}”: ${reader.error?.message ?? 'unknown error'}.`);
  reader.onload = () => {
    const probe = new Image();
    probe.onload = () => {
      image = { name: file.name, type: file.type, bytes: file.size, width: probe.naturalWidth, height: probe.naturalHeight,
                dataUrl: reader.result };
      $('image-preview').src = reader.result;
      $('image-preview').classList.remove('hidden');
      $('clear-image').classList.remove('hidden');
      $('image-info').textContent = `${file.name} — ${image.width}×${image.height}, ${(file.size / 1024).toFixed(1)} KiB`;
    };
    probe.onerror = () => {
      clearImage();
      showError(`“${file.name}” is not a readable image: the browser could not decode it. Choose a PNG or JPEG image.`);
    };
    probe.src = reader.result;
  };
  reader.readAsDataURL(file);
}

function clearImage() {
  image = null;
  $('image-file').value = '';
  $('image-preview').removeAttribute('src');
  $('image-preview').classList.add('hidden');
  $('clear-image').classList.add('hidden');
  $('image-info').textContent = '';
}

function intField(id) {
  const v = $(id).value.trim();
  return v === '' ? undefined : Number(v);
}

function renderJson() {
  $('conversation-json').value = JSON.stringify(conversation, null, 2);
}

// One turn's DOM and state.
function newTurn(question, settings) {
  $('empty-note')?.remove();
  const turn = { question, image: image ? { name: image.name, type: image.type, bytes: image.bytes, width: image.width,
                                             height: image.height } : null,
                 settings, chains: [], vote: null, usage: null, error: null, started: new Date().toISOString(), elapsed_ms: null };
  const node = el('article', { class: 'turn', 'aria-label': 'turn' },
    el('p', { class: 'q' }, image ? el('img', { src: image.dataUrl, alt: image.name }) : null, question),
    el('div', { class: 'chains' }), el('div', { class: 'vote hidden' }), el('p', { class: 'turn-status muted', role: 'status' }));
  $('conversation').append(node);
  conversation.turns.push(turn);
  return { turn, node };
}

function chainView(t, i) {
  if (!t.turn.chains[i]) {
    t.turn.chains[i] = { index: i, reasoning: '', steps: [], answer: '', finish_reason: null, reasoning_deltas: 0, answer_deltas: 0 };
    const box = el('section', { class: 'chain', 'data-chain': i, 'aria-label': `chain ${i + 1}` },
      el('h3', {}, t.turn.settings.n > 1 ? `Chain ${i + 1}` : 'Reasoning'),
      el('ol', { class: 'steps' }), el('h3', {}, 'Answer'), el('div', { class: 'answer' }));
    const boxes = t.node.querySelector('.chains');
    const after = [...boxes.children].find((c) => Number(c.dataset.chain) > i);
    boxes.insertBefore(box, after ?? null);
  }
  return { state: t.turn.chains[i], box: t.node.querySelector(`.chain[data-chain="${i}"]`) };
}

function renderSteps(state, box, streaming) {
  state.steps = stepsFromChain(state.reasoning);
  const ol = box.querySelector('.steps');
  ol.replaceChildren(...state.steps.map((s, k) => el('li', { class: `step${streaming && k === state.steps.length - 1 ? ' streaming' : ''}` },
    el('span', { class: 'step-title' }, s.title), ': ', el('span', { class: 'step-content' }, s.content))));
  box.dataset.reasoningDeltas = state.reasoning_deltas;
}

function renderVote(t) {
  const v = t.turn.vote;
  const box = t.node.querySelector('.vote');
  if (!v || t.turn.settings.n < 2) return;
  t.node.querySelectorAll('.chain').forEach((c) => c.classList.toggle('best', Number(c.dataset.chain) === v.best));
  const rows = (v.votes ?? []).map((g) => el('tr', {}, el('td', {}, g.answer || '(empty)'), el('td', {}, String(g.count)),
    el('td', {}, g.chains.map((c) => c + 1).join(', '))));
  box.replaceChildren(el('h3', {}, 'Vote'),
    el('p', {}, 'Majority answer: ', el('strong', { class: 'vote-answer' }, v.answer || '(empty)'),
      ` — agreement ${(100 * v.agreement).toFixed(0)}% (chain ${v.best + 1} shown as best)`),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'answer'), el('th', {}, 'votes'), el('th', {}, 'chains'))), el('tbody', {}, rows)));
  box.classList.remove('hidden');
}

function handleChunk(t, obj) {
  if (obj.error) throw new Error(obj.error.message ?? 'the server reported an error');
  for (const c of obj.choices ?? []) {
    const { state, box } = chainView(t, c.index ?? 0);
    const d = c.delta ?? {};
    if (d.reasoning_content) {
      state.reasoning += d.reasoning_content;
      state.reasoning_deltas += 1;
      renderSteps(state, box, true);
    }
    if (d.content) {
      if (state.answer === '') renderSteps(state, box, false);
      state.answer += d.content;
      state.answer_deltas += 1;
      box.querySelector('.answer').textContent = state.answer;
    }
    if (c.finish_reason) {
      state.finish_reason = c.finish_reason;
      renderSteps(state, box, false);
      box.dataset.done = 'true';
    }
  }
  if (obj.insightv) { t.turn.vote = obj.insightv; renderVote(t); }
  if (obj.usage) t.turn.usage = obj.usage;
}

async function ask(ev) {
  ev.preventDefault();
  clearError();
  const question = $('question').value.trim();
  if (!question) { showError('Type a question first.'); $('question').focus(); return; }
  const settings = { temperature: Number($('temperature').value), max_tokens: intField('max-tokens'), n: intField('chains') ?? 1,
                     seed: intField('seed') };
  const content = [];
  if (image) content.push({ type: 'image_url', image_url: { url: image.dataUrl } });
  content.push({ type: 'text', text: question });
  const body = { model: conversation.model ?? 'insightv', messages: [{ role: 'user', content }], stream: true,
                 stream_options: { include_usage: true, include_insightv: true }, ...settings };
  const t = newTurn(question, settings);
  const status = t.node.querySelector('.turn-status');
  const t0 = performance.now();
  controller = new AbortController();
  $('ask').disabled = true;
  $('stop').disabled = false;
  status.textContent = 'waiting for the reasoning agent…';
  try {
    let res;
    try {
      res = await apiFetch('/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                                  body: JSON.stringify(body), signal: controller.signal });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      setStatus(false);
      throw new Error(unreachableMessage());
    }
    setStatus(true);
    if (!res.ok) throw new Error(`The server refused the request (HTTP ${res.status}): ${await errorMessage(res)}`);
    status.textContent = 'streaming…';
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '', done = false;
    while (!done) {
      let part;
      try {
        part = await reader.read();
      } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw new Error(`The connection to the server was lost mid-answer (${e.message}). ${unreachableMessage()}`);
      }
      if (part.done) break;
      buffer += decoder.decode(part.value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of event.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const data = line.slice(6);
          if (data === '[DONE]') { done = true; break; }
          handleChunk(t, JSON.parse(data));
        }
      }
    }
    if (!done) throw new Error(`The stream ended before the answer was complete. ${unreachableMessage()}`);
    t.turn.elapsed_ms = Math.round(performance.now() - t0);
    status.textContent = `answered in ${(t.turn.elapsed_ms / 1000).toFixed(1)} s` +
      (t.turn.usage ? `, ${t.turn.usage.completion_tokens} tokens generated` : '');
    t.node.dataset.done = 'true';
  } catch (e) {
    const message = e.name === 'AbortError' ? 'Stopped.' : e.message;
    t.turn.error = message;
    status.textContent = message;
    if (e.name !== 'AbortError') showError(message);
    t.node.dataset.failed = 'true';
  } finally {
    controller = null;
    $('ask').disabled = false;
    $('stop').disabled = true;
    renderJson();
  }
}

async function copyJson() {
  renderJson();
  const text = $('conversation-json').value;
  try {
    await navigator.clipboard.writeText(text);
    $('copy-status').textContent = `Copied ${conversation.turns.length} turn(s) as JSON.`;
  } catch {
    // No clipboard permission: select the text so Ctrl+C copies it.
    $('conversation-json').closest('details').open = true;
    $('conversation-json').select();
    $('copy-status').textContent = 'Select-all done: press Ctrl+C to copy.';
  }
}

async function init() {
  watchServer();
  $('ask-form').addEventListener('submit', ask);
  $('stop').addEventListener('click', () => controller?.abort());
  $('image-file').addEventListener('change', (e) => setImage(e.target.files[0]));
  $('clear-image').addEventListener('click', clearImage);
  $('copy-json').addEventListener('click', copyJson);
  $('clear-conversation').addEventListener('click', () => {
    conversation.turns = [];
    $('conversation').replaceChildren();
    renderJson();
  });
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); setImage(e.dataTransfer.files[0]); });
  document.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files ?? [])][0];
    if (file) { e.preventDefault(); setImage(file); }
  });
  renderJson();
  try {
    const info = await fetchJson('/api/info');
    conversation.model = info.model;
    if (info.limits?.max_n) $('chains').max = info.limits.max_n;
    if (info.defaults?.temperature !== undefined) $('temperature').value = Math.round(info.defaults.temperature * 100) / 100;
    if (info.defaults?.max_tokens) $('max-tokens').value = info.defaults.max_tokens;
    if (info.mode === 'browse') {
      $('mode-note').textContent = 'No model is loaded: this server was started with `insightv browse`. The data browser and report work; to chat, start `insightv serve --reason CKPT --summary CKPT`.';
      $('mode-note').classList.remove('hidden');
      $('ask').disabled = true;
    } else if (info.mode === 'single-model') {
      $('mode-note').textContent = 'Single-model mode: one model answers directly (no reasoning agent).';
      $('mode-note').classList.remove('hidden');
    }
  } catch (e) {
    showError(e.message);
  }
}

init();

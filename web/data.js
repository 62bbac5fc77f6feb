// data.js — the data browser: filters and pages over /api/data/paths (the server keeps the
// index and does the filtering: a page costs the same on 100,000 paths as on 100), and one
// path per view from /api/data/paths/N with its task image, steps and per-step verdicts.
import { clearError, el, fetchJson, fmt, showError, watchServer } from './common.js';

const $ = (id) => document.getElementById(id);
const state = { offset: 0, limit: 50, total: 0, rows: [], selected: null };
const filterIds = { family: 'f-family', bucket: 'f-bucket', min_score: 'f-min', max_score: 'f-max', mistake: 'f-mistake', task: 'f-task' };

function filters() {
  const f = {};
  for (const [key, id] of Object.entries(filterIds)) {
    const v = $(id).value.trim();
    if (v !== '') f[key] = v;
  }
  return f;
}

function syncUrl() {
  const p = new URLSearchParams(filters());
  if (state.offset) p.set('offset', state.offset);
  if (state.limit !== 50) p.set('limit', state.limit);
  if (state.selected !== null) p.set('path', state.selected);
  history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
}

const badge = (text, cls = text) => el('span', { class: `badge ${String(cls).replace(/\s+/g, '-')}` }, text);
const score = (s) => (s === null || s === undefined ? '—' : Number(s).toFixed(0));

async function loadPage() {
  clearError();
  const p = new URLSearchParams({ ...filters(), offset: state.offset, limit: state.limit });
  const t0 = performance.now();
  let page;
  try {
    page = await fetchJson(`/api/data/paths?${p}`);
  } catch (e) {
    showError(e.message);
    return;
  }
  $('query-time').textContent = `(${Math.round(performance.now() - t0)} ms)`;
  state.total = page.total;
  state.rows = page.rows;
  const first = page.total ? page.offset + 1 : 0, last = page.offset + page.rows.length;
  const pages = Math.max(1, Math.ceil(page.total / state.limit));
  $('page-info').textContent = `Paths ${fmt(first)}–${fmt(last)} of ${fmt(page.total)} · page ${fmt(Math.floor(state.offset / state.limit) + 1)} of ${fmt(pages)}`;
  $('goto-page').max = pages;
  $('prev-page').disabled = state.offset === 0;
  $('next-page').disabled = last >= page.total;
  $('paths-body').replaceChildren(...page.rows.map((r) => el('tr', {
    class: 'path-row', tabindex: 0, 'data-index': r.index, 'aria-selected': String(r.index === state.selected),
    onclick: () => select(r.index), onkeydown: (e) => { if (e.key === 'Enter') select(r.index); },
  }, el('td', {}, String(r.index)), el('td', {}, `${r.task_id} #${r.sample}`), el('td', { class: 'family' }, r.family),
     el('td', { class: 'bucket' }, badge(r.bucket)), el('td', {}, score(r.path_score)),
     el('td', {}, r.final_answer || '—', ' ', r.answer_correct === null ? '' : badge(r.answer_correct ? '✓' : '✗', r.answer_correct ? 'ok' : 'bad')),
     el('td', {}, r.mistakes.join(', ') || '—'))));
  if (!page.rows.length) $('paths-body').replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No path passes these filters.')));
  syncUrl();
}

async function select(index) {
  state.selected = index;
  document.querySelectorAll('tr.path-row').forEach((tr) => tr.setAttribute('aria-selected', String(Number(tr.dataset.index) === index)));
  syncUrl();
  let p;
  try {
    p = await fetchJson(`/api/data/paths/${index}`);
  } catch (e) {
    showError(e.message);
    return;
  }
  const rec = p.record, task = p.task ?? null;
  const steps = (rec.steps ?? []).map((s, k) => {
    const v = p.verdicts[k];
    return el('li', { class: `step${v && v.score < 85 ? ' flagged' : ''}` },
      el('span', { class: 'step-title' }, s.title ?? `Step ${k + 1}`), ': ', el('span', { class: 'step-content' }, s.content ?? ''),
      ' ', v ? badge(`${v.verdict} · ${score(v.score)}`, v.verdict) : badge('not scored', 'unscored'));
  });
  const mistakes = rec.provenance?.mistakes ?? [];
  const options = Array.isArray(task?.options) ? task.options : null;
  // replaceChildren would turn a null into the text "null": absent parts are filtered out.
  $('path-detail').replaceChildren(...[
    el('div', { class: 'row' },
      el('button', { id: 'prev-path', type: 'button', class: 'secondary', onclick: () => step(-1) }, '‹ previous path'),
      el('button', { id: 'next-path', type: 'button', class: 'secondary', onclick: () => step(1) }, 'next path ›')),
    el('h2', { id: 'detail-title' }, `${p.task_id} · path ${p.sample}`),
    p.image_url ? el('img', { id: 'detail-image', class: 'task-image', src: p.image_url, alt: `image of task ${p.task_id}` })
                : el('p', { class: 'muted' }, 'No image: the task records were not found beside this folder (use --tasks DIR).'),
    task ? el('p', { id: 'detail-question' }, el('strong', {}, 'Question: '), task.question) : null,
    options ? el('p', {}, el('strong', {}, 'Options: '), options.map((o, i) => `${String.fromCharCode(65 + i)}. ${o}`).join(' · ')) : null,
    el('div', { class: 'answers' },
      el('div', { id: 'final-answer' }, el('strong', {}, 'Final answer: '), rec.final_answer || '—', ' ',
        p.answer_correct === null ? '' : badge(p.answer_correct ? 'correct' : 'wrong', p.answer_correct ? 'ok' : 'bad')),
      el('div', { id: 'ground-truth' }, el('strong', {}, 'Ground truth: '), task ? task.answer : '(task not found)')),
    el('dl', {},
      el('dt', {}, 'family'), el('dd', {}, p.family), el('dt', {}, 'difficulty'), el('dd', {}, task?.difficulty ?? '—'),
      el('dt', {}, 'bucket'), el('dd', {}, badge(p.bucket)), el('dt', {}, 'path score'), el('dd', {}, score(p.path_score)),
      el('dt', {}, 'backend'), el('dd', {}, rec.backend ?? '—'), el('dt', {}, 'retries'), el('dd', {}, String(rec.retries ?? 0)),
      el('dt', {}, 'injected mistakes'),
      el('dd', { id: 'detail-mistakes' }, mistakes.length ? mistakes.map((m) => `${m.kind}${m.step !== undefined ? ` (solution step ${m.step + 1})` : ''}`).join('; ') : 'none'),
      rec.provenance?.self_corrected ? [el('dt', {}, 'self-corrected'), el('dd', {}, 'yes')] : null),
    el('h3', {}, `Steps (${steps.length}) with the verifier's verdicts`),
    el('ol', { id: 'detail-steps', class: 'steps' }, steps),
    task?.solution ? el('details', {}, el('summary', {}, 'Ground-truth solution'),
      el('ol', { class: 'steps' }, task.solution.map((s) => el('li', {}, el('strong', {}, s.title), ': ', s.content)))) : null,
    el('details', {}, el('summary', {}, 'Raw record'), el('pre', { class: 'raw' }, JSON.stringify(rec, null, 2)))].filter(Boolean));
  $('detail-image')?.addEventListener('error', () => showError(`The image of ${p.task_id} could not be loaded.`));
}

// The next/previous path in the filtered list, across pages.
async function step(delta) {
  const at = state.rows.findIndex((r) => r.index === state.selected);
  const k = at < 0 ? 0 : at + delta;
  if (k >= 0 && k < state.rows.length) return select(state.rows[k].index);
  const offset = state.offset + (k < 0 ? -state.limit : state.limit);
  if (offset < 0 || offset >= state.total) return;
  state.offset = offset;
  await loadPage();
  if (state.rows.length) select(state.rows[k < 0 ? state.rows.length - 1 : 0].index);
}

async function init() {
  watchServer();
  const url = new URLSearchParams(location.search);
  let summary;
  try {
    summary = await fetchJson('/api/data/summary');
  } catch (e) {
    $('summary').textContent = 'No data loaded.';
    showError(e.message);
    return;
  }
  for (const [name, n] of Object.entries(summary.families)) $('f-family').append(el('option', { value: name }, `${name} (${fmt(n)})`));
  for (const [name, n] of Object.entries(summary.mistakes)) $('f-mistake').append(el('option', { value: name }, `${name} (${fmt(n)})`));
  for (const o of $('f-bucket').options) if (o.value && summary.buckets[o.value] !== undefined) o.textContent = `${o.value} (${fmt(summary.buckets[o.value])})`;
  $('summary').textContent = `${fmt(summary.paths)} paths of ${fmt(summary.tasks)} tasks from ${summary.paths_file}` +
    (summary.assessed ? '' : ' (not assessed yet: no buckets or scores)') + `, indexed in ${summary.load_seconds.toFixed(2)} s.`;
  for (const [key, id] of Object.entries(filterIds)) if (url.has(key)) $(id).value = url.get(key);
  state.limit = Number(url.get('limit') ?? 50) || 50;
  $('f-limit').value = String(state.limit);
  state.offset = Number(url.get('offset') ?? 0) || 0;
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); state.limit = Number($('f-limit').value); state.offset = 0; loadPage(); });
  $('reset').addEventListener('click', () => { $('filters').reset(); state.offset = 0; state.limit = 50; loadPage(); });
  $('prev-page').addEventListener('click', () => { state.offset = Math.max(0, state.offset - state.limit); loadPage(); });
  $('next-page').addEventListener('click', () => { state.offset += state.limit; loadPage(); });
  $('goto-page').addEventListener('change', () => {
    const page = Math.max(1, Math.floor(Number($('goto-page').value) || 1));
    state.offset = Math.min((page - 1) * state.limit, Math.max(0, Math.floor((state.total - 1) / state.limit) * state.limit));
    loadPage();
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, select, textarea') || state.selected === null) return;
    if (e.key === 'j') step(1);
    if (e.key === 'k') step(-1);
  });
  await loadPage();
  if (url.has('path')) select(Number(url.get('path')));
}

init();

// report.js — the report viewer: the pipeline's report.md (what `insightv pipeline` writes)
// rendered as a page — headings, paragraphs, lists, tables, **bold**, `code`, and its charts
// (charts/NAME.png, served by name from /api/report/charts/). A small Markdown reader for the
// constructs the report uses, building DOM nodes: no text from the file becomes HTML.
import { el, fetchJson, showError, watchServer } from './common.js';

// Inline spans: **bold**, `code`, [text](url) → nodes.
export function inline(text) {
  const out = [];
  const re = /\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(el('strong', {}, inline(m[1])));
    else if (m[2] !== undefined) out.push(el('code', {}, m[2]));
    else out.push(/^(https?:|#)/.test(m[4]) ? el('a', { href: m[4], rel: 'noopener noreferrer' }, m[3]) : m[3]);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const cells = (line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

function chartUrl(src) {
  const name = src.replace(/^\.?\/?charts\//, '');
  return /^[A-Za-z0-9_.-]+\.png$/.test(name) ? `/api/report/charts/${name}` : null;
}

export function renderMarkdown(md) {
  const nodes = [];
  const lines = md.replace(/\r/g, '').split('\n');
  let para = [];
  const flush = () => { if (para.length) nodes.push(el('p', {}, inline(para.join(' ')))); para = []; };
  for (let i = 0; i < lines.length; ++i) {
    const line = lines[i];
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    const img = /^!\[([^\]]*)\]\(([^)\s]+)\)\s*$/.exec(line.trim());
    if (h) { flush(); nodes.push(el(`h${Math.min(4, h[1].length)}`, {}, inline(h[2]))); continue; }
    if (img) {
      flush();
      const url = chartUrl(img[2]);
      nodes.push(url ? el('figure', {}, el('img', { src: url, alt: img[1], loading: 'lazy', class: 'chart' }), el('figcaption', {}, img[1]))
                     : el('p', { class: 'muted' }, `(image not served: ${img[2]})`));
      continue;
    }
    if (line.trim().startsWith('|')) {
      flush();
      const rows = [];
      while (i < lines.length && lines[i].trim().startsWith('|')) rows.push(cells(lines[i++]));
      --i;
      const sep = rows.length > 1 && rows[1].every((c) => /^:?-{2,}:?$/.test(c));
      const head = sep ? rows[0] : null, body = sep ? rows.slice(2) : rows;
      nodes.push(el('table', {}, head ? el('thead', {}, el('tr', {}, head.map((c) => el('th', { scope: 'col' }, inline(c))))) : null,
        el('tbody', {}, body.map((r) => el('tr', {}, r.map((c) => el('td', {}, inline(c))))))));
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const items = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i])) items.push(lines[i++].replace(/^\s*[-*]\s+/, ''));
      --i;
      nodes.push(el('ul', {}, items.map((t) => el('li', {}, inline(t)))));
      continue;
    }
    if (!line.trim()) { flush(); continue; }
    para.push(line.trim());
  }
  flush();
  return nodes;
}

async function init() {
  watchServer();
  let r;
  try {
    r = await fetchJson('/api/report');
  } catch (e) {
    document.getElementById('report-source').textContent = 'No report loaded.';
    showError(e.message);
    return;
  }
  document.getElementById('report-source').textContent = `From ${r.folder}`;
  const nodes = r.markdown ? renderMarkdown(r.markdown) : [el('pre', { class: 'raw' }, JSON.stringify(r.report ?? {}, null, 2))];
  // Charts the text does not show still get a place at the end.
  const shown = new Set((r.markdown.match(/charts\/[A-Za-z0-9_.-]+\.png/g) ?? []).map((s) => s.slice(7)));
  const rest = r.charts.filter((c) => !shown.has(c));
  if (rest.length) {
    nodes.push(el('h2', {}, 'More charts'));
    for (const c of rest) nodes.push(el('figure', {}, el('img', { src: `/api/report/charts/${c}`, alt: c, class: 'chart' }), el('figcaption', {}, c)));
  }
  document.getElementById('report').replaceChildren(...nodes);
  document.querySelectorAll('#report img').forEach((img) => img.addEventListener('error', () => showError(`The chart ${img.alt} could not be loaded.`)));
}

init();

// The web page end to end in Debian's headless Chromium, driven by playwright-core, against a
// running `insightv serve` (tests/integration/web_browser_test.cpp starts it and checks the
// JSON this prints). usage:
//   node browser_e2e.mjs NODE_MODULES BASE_URL FIXTURES_DIR ARTIFACTS_DIR SERVER_PID
// FIXTURES_DIR holds image.png (under the server's pixel limit), huge.png (over it),
// notes.txt and fake.png (text bytes under an image name). Screenshots go to ARTIFACTS_DIR.
// Prints one JSON object; exits 1 with the failing step's message on stderr.
import { createRequire } from 'module';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const [nodeModules, base, fixtures, artifacts, serverPid] = process.argv.slice(2);
const require = createRequire(nodeModules + '/');
const { chromium } = require('playwright-core');

const out = { external_requests: [], page_errors: [] };
let step = 'launch';
let current = null;  // the page in use, described when a step fails
const userDataDir = mkdtempSync(join(tmpdir(), 'insightv-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const watch = (page) => {
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) out.external_requests.push(u);
  });
  page.on('pageerror', (e) => out.page_errors.push(e.message));
  return page;
};
const shot = (page, name) => page.screenshot({ path: join(artifacts, name), fullPage: false });
const errorText = (page) => page.$eval('#error', (e) => (e.classList.contains('hidden') ? '' : e.textContent));
const waitError = (page, needle, timeout = 30000) =>
  page.waitForFunction((n) => { const e = document.getElementById('error'); return !e.classList.contains('hidden') && e.textContent.includes(n); },
                       needle, { timeout });

try {
  const page = watch(context.pages()[0] ?? (await context.newPage()));
  current = page;
  page.setDefaultTimeout(60000);

  // ---- chat: upload, ask, streamed steps, answer ----
  step = 'chat page';
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.getElementById('server-status').textContent === 'connected');
  await page.setInputFiles('#image-file', join(fixtures, 'image.png'));
  await page.waitForSelector('#image-preview:not(.hidden)');
  await page.fill('#question', 'How many circles are there?');
  await page.fill('#seed', '1');
  step = 'chat ask';
  await page.click('#ask');
  await page.waitForSelector('.turn .chain .step');
  await page.waitForSelector('.turn[data-done="true"]');
  out.chat = await page.$eval('.turn', (t) => ({
    steps: [...t.querySelectorAll('.step')].map((s) => ({ title: s.querySelector('.step-title').textContent,
                                                          content: s.querySelector('.step-content').textContent })),
    answer: t.querySelector('.answer').textContent,
    reasoning_deltas: Number(t.querySelector('.chain').dataset.reasoningDeltas),
    chain_done: t.querySelector('.chain').dataset.done === 'true',
    status: t.querySelector('.turn-status').textContent,
    error: document.getElementById('error').classList.contains('hidden') ? '' : document.getElementById('error').textContent,
  }));
  await shot(page, 'chat.png');

  // ---- best-of-N ----
  step = 'best-of-n';
  await page.fill('#chains', '3');
  await page.fill('#question', 'Which shape is largest?');
  await page.click('#ask');
  await page.waitForSelector('.turn:nth-of-type(2)[data-done="true"]');
  out.best_of_n = await page.$eval('.turn:nth-of-type(2)', (t) => ({
    chains: t.querySelectorAll('.chain').length,
    vote_visible: !t.querySelector('.vote').classList.contains('hidden'),
    vote_answer: t.querySelector('.vote-answer')?.textContent ?? null,
    vote_rows: t.querySelectorAll('.vote tbody tr').length,
    best_marked: t.querySelectorAll('.chain.best').length,
  }));
  await shot(page, 'chat-best-of-n.png');

  step = 'copy json';
  await page.click('#copy-json');
  const conv = JSON.parse(await page.$eval('#conversation-json', (e) => e.value));
  out.conversation = { turns: conv.turns.length, first_steps: conv.turns[0].chains[0].steps.length,
                       second_chains: conv.turns[1].chains.length, vote: conv.turns[1].vote !== null,
                       image: conv.turns[0].image };

  // ---- bad input ----
  step = 'non-image';
  await page.setInputFiles('#image-file', join(fixtures, 'notes.txt'));
  await waitError(page, 'is not an image');
  out.non_image = await errorText(page);
  await shot(page, 'error-non-image.png');
  step = 'fake png';
  await page.setInputFiles('#image-file', join(fixtures, 'fake.png'));
  await waitError(page, 'not a readable image');
  out.fake_png = await errorText(page);
  step = 'huge image';
  await page.fill('#chains', '1');
  await page.setInputFiles('#image-file', join(fixtures, 'huge.png'));
  await page.waitForSelector('#image-preview:not(.hidden)');
  await page.fill('#question', 'Too big?');
  await page.click('#ask');
  await waitError(page, 'HTTP 4');
  out.huge_image = await errorText(page);
  await shot(page, 'error-huge-image.png');

  // ---- data browser: filter, page, one path ----
  step = 'data page';
  const data = watch(await context.newPage());
  current = data;
  data.setDefaultTimeout(60000);
  await data.goto(`${base}/data`);
  await data.waitForSelector('tr.path-row');
  out.data = { first_page_rows: await data.$$eval('tr.path-row', (r) => r.length) };
  // The family and bucket with the most paths (from the API, as the page shows them).
  const rows = (await (await fetch(`${base}/api/data/paths?limit=500`)).json()).rows;
  const counts = {};
  for (const r of rows) counts[`${r.family}|${r.bucket}`] = (counts[`${r.family}|${r.bucket}`] ?? 0) + 1;
  const [family, bucket] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0].split('|');
  step = 'data filter';
  await data.selectOption('#f-family', family);
  await data.selectOption('#f-bucket', bucket);
  await data.selectOption('#f-limit', '10');
  await data.click('#apply');
  await data.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('Paths 1–'));
  await data.waitForFunction(([f, b]) => [...document.querySelectorAll('tr.path-row')].every(
    (r) => r.querySelector('.family').textContent === f && r.querySelector('.bucket').textContent === b), [family, bucket]);
  const expected = (await (await fetch(`${base}/api/data/paths?family=${family}&bucket=${bucket}&limit=1`)).json()).total;
  out.data.filter = { family, bucket, expected_total: expected,
                      page_info: await data.$eval('#page-info', (e) => e.textContent),
                      families: await data.$$eval('tr.path-row .family', (c) => [...new Set(c.map((x) => x.textContent))]),
                      buckets: await data.$$eval('tr.path-row .bucket', (c) => [...new Set(c.map((x) => x.textContent))]),
                      rows: await data.$$eval('tr.path-row', (r) => r.length) };
  step = 'data next page';
  const firstIndex = await data.$eval('tr.path-row', (r) => r.dataset.index);
  if (expected > 10) {
    await data.click('#next-page');
    await data.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('Paths 11–'));
  }
  out.data.paged = { page_info: await data.$eval('#page-info', (e) => e.textContent),
                     first_index_before: Number(firstIndex),
                     first_index_after: Number(await data.$eval('tr.path-row', (r) => r.dataset.index)),
                     url: data.url() };
  step = 'data path view';
  await data.click('tr.path-row');
  await data.waitForSelector('#detail-steps li');
  await data.waitForFunction(() => { const i = document.getElementById('detail-image'); return i && i.complete && i.naturalWidth > 0; });
  out.data.detail = await data.evaluate(() => ({
    title: document.getElementById('detail-title').textContent,
    image_width: document.getElementById('detail-image').naturalWidth,
    steps: document.querySelectorAll('#detail-steps li').length,
    verdicts: document.querySelectorAll('#detail-steps li .badge').length,
    final_answer: document.getElementById('final-answer').textContent,
    ground_truth: document.getElementById('ground-truth').textContent,
    stray_null: /(^|\n)null(\n|$)/.test(document.getElementById('path-detail').innerText),
  }));
  await shot(data, 'data.png');
  step = 'data score filter';
  await data.fill('#f-min', '90');
  await data.selectOption('#f-bucket', '');
  await data.click('#apply');
  await data.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('Paths 1–') ||
                                   document.getElementById('page-info').textContent.startsWith('Paths 0–'));
  out.data.min_score_90 = await data.$$eval('tr.path-row td:nth-child(5)', (c) => c.map((x) => Number(x.textContent)));

  // ---- report ----
  step = 'report';
  const report = watch(await context.newPage());
  current = report;
  report.setDefaultTimeout(60000);
  await report.goto(`${base}/report`);
  await report.waitForSelector('#report table');
  await report.waitForFunction(() => [...document.querySelectorAll('#report img')].some((i) => i.complete && i.naturalWidth > 0));
  out.report = await report.evaluate(() => ({
    headings: [...document.querySelectorAll('#report h1, #report h2')].map((h) => h.textContent),
    tables: document.querySelectorAll('#report table').length,
    charts_loaded: [...document.querySelectorAll('#report img')].filter((i) => i.naturalWidth > 0).length,
  }));
  await shot(report, 'report.png');

  // ---- the server goes down ----
  step = 'server down';
  await page.bringToFront();
  await page.fill('#question', 'Are you there?');
  process.kill(Number(serverPid), 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  await page.click('#ask');
  await waitError(page, 'Server unreachable');
  await page.waitForFunction(() => document.getElementById('server-status').textContent === 'server unreachable', null, { timeout: 15000 });
  out.server_down = { chat: await errorText(page), status: await page.$eval('#server-status', (e) => e.textContent) };
  await shot(page, 'error-server-down.png');
  await data.bringToFront();
  await data.click('#apply');
  await waitError(data, 'Server unreachable');
  out.server_down.data = await errorText(data);
  out.blank = await page.evaluate(() => document.body.innerText.trim().length === 0);
} catch (e) {
  console.error(`step "${step}" failed: ${e.stack ?? e}`);
  if (current) {
    out.failure = await current.evaluate(() => ({ url: location.href, text: document.body.innerText.slice(0, 4000) })).catch((x) => String(x));
    await shot(current, 'failure.png').catch(() => {});
  }
  console.log(JSON.stringify(out));
  await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
}
await context.close();
rmSync(userDataDir, { recursive: true, force: true });
console.log(JSON.stringify(out));

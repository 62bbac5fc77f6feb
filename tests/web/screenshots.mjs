// The screenshots in docs/screenshots/ (docs/web.md), made against a real run:
//   insightv serve --reason RUN/reason --summary RUN/summary --data RUN --port 8000 &
//   node tests/web/screenshots.mjs .cache/npm/node_modules http://127.0.0.1:8000 IMAGE.png "QUESTION" docs/screenshots
// Same browser set-up as browser_e2e.mjs (Debian's headless Chromium, fresh profile).
import { createRequire } from 'module';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const [nodeModules, base, image, question, outDir] = process.argv.slice(2);
const { chromium } = createRequire(resolve(nodeModules) + '/')('playwright-core');
const userDataDir = mkdtempSync(join(tmpdir(), 'insightv-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1200, height: 820 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(120000);
  await page.goto(`${base}/`);
  await page.setInputFiles('#image-file', image);
  await page.waitForSelector('#image-preview:not(.hidden)');
  await page.fill('#question', question);
  await page.fill('#chains', '3');
  await page.fill('#seed', '7');
  await page.click('#ask');
  await page.waitForSelector('.turn[data-done="true"]');
  await page.screenshot({ path: join(outDir, 'chat.png'), fullPage: true });

  await page.goto(`${base}/data?family=shapes&bucket=mid&limit=10`);
  await page.waitForSelector('tr.path-row');
  await page.click('tr.path-row');
  await page.waitForSelector('#detail-steps li');
  await page.waitForFunction(() => document.getElementById('detail-image')?.naturalWidth > 0);
  await page.screenshot({ path: join(outDir, 'data.png') });

  await page.goto(`${base}/report`);
  await page.waitForSelector('#report table');
  await page.screenshot({ path: join(outDir, 'report.png') });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

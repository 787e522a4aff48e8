import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { type RunningHttpServer, startHttpServer } from '../../src/http/server.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { repoRoot } from '../helpers/cli.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { inCi, which } from '../helpers/servers.js';

/** Debian's chromium: the test drives a real browser, never a downloaded one. */
const browserPath = which('chromium') ?? which('chromium-browser');
if (!browserPath) {
  const message = 'chromium is not installed (apt-get install -y chromium)';
  if (inCi) throw new Error(`CI=true and ${message}`);
  console.warn(`\n!!!!!!!! SKIPPING the dashboard browser TESTS: ${message} !!!!!!!!\n`);
}

/** Screenshots land here, for a person to look at after a run. */
const artifacts = join(repoRoot, 'test-results', 'dashboard');

function inkShare(png: PNG): number {
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (png.data[i]! < 230 || png.data[i + 1]! < 230 || png.data[i + 2]! < 230) ink++;
  return ink / (png.width * png.height);
}

describe.skipIf(!browserPath)('the dashboard in a real browser', () => {
  let engines: TestEngines;
  let server: RunningHttpServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const authHeaders: string[] = [];

  beforeAll(async () => {
    engines = await makeEngines();
    server = await startHttpServer({
      engines,
      tools,
      createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
      port: 0,
      logger: engines.logger,
    });
    profile = mkdtempSync(join(tmpdir(), 'tsiot-chromium-'));
    mkdirSync(artifacts, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: browserPath!,
      headless: true,
      acceptDownloads: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => {
      if (r.url().includes('/v1/')) authHeaders.push(r.headers().authorization ?? '');
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await engines?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('generates from the form, shows the plot, compares two devices and downloads a CSV', async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.textContent('#series-status')).toMatch(/0 series stored/);

    // bad input: the schema's message, naming the field
    await page.fill('input[name=devices]', '0');
    await page.click('#generate-button');
    await expect.poll(() => page.textContent('#generate-status'), { timeout: 20_000 }).toMatch(/devices/);
    expect(await page.getAttribute('#generate-status', 'class')).toContain('error');

    await page.fill('input[name=devices]', '2');
    await page.fill('input[name=duration]', '12h');
    await page.fill('input[name=interval]', '5m');
    await page.fill('input[name=spikes]', '2');
    await page.click('#generate-button');
    await expect
      .poll(() => page.textContent('#generate-status'), { timeout: 30_000 })
      .toMatch(/Generated 2 series.*Seed 42/);
    await expect.poll(() => page.textContent('#look-status'), { timeout: 30_000 }).toMatch(/144 rows, 2 labelled/);
    const natural = await page.$eval('#plot', (img) => (img as HTMLImageElement).naturalWidth);
    expect(natural).toBeGreaterThan(700);
    const shot = await page.locator('#plot').screenshot({ path: join(artifacts, 'look.png') });
    expect(inkShare(PNG.sync.read(shot))).toBeGreaterThan(0.02);
    await page.screenshot({ path: join(artifacts, 'page-look.png'), fullPage: true });

    // compare with the other device
    const rows = page.locator('#series tbody tr');
    expect(await rows.count()).toBe(2);
    await rows.filter({ hasText: 'device-002' }).locator('input.tick').check();
    await page.click('#compare-button');
    await expect.poll(() => page.textContent('#look-status'), { timeout: 30_000 }).toMatch(/Compared with 1 series/);
    expect(await page.textContent('#report .score')).toMatch(/Score \d+(\.\d+)? \/ 100/);
    expect(await page.locator('#compare-table tr').count()).toBe(2);
    await page.screenshot({ path: join(artifacts, 'page-compare.png'), fullPage: true });

    // download the series as CSV
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(profile, 'download.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^timestamp,series,temperature/);
    expect(lines).toHaveLength(1 + 144);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
  }, 120_000);

  it('sends a token it is given as a Bearer header, and forgets it', async () => {
    authHeaders.length = 0;
    await page.fill('#token', 'k-123');
    await page.click('#auth button[type=submit]');
    await expect.poll(() => authHeaders.includes('Bearer k-123')).toBe(true);
    authHeaders.length = 0;
    await page.click('#logout');
    await expect.poll(() => authHeaders.length).toBeGreaterThan(0);
    expect(authHeaders.every((h) => h === '')).toBe(true);
  }, 60_000);
});

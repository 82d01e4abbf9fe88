// `npm start` end to end: a real process on a free port over in-memory PGlite, migrated
// and seeded, answering the README's example query, serving GraphiQL and the dashboard,
// both driven in Debian's Chromium (playwright-core; never a browser download), failing on
// any console error or failed request.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_QUERY } from '../../schema/yoga.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('the dev server', () => {
  let child: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), PGLITE_DIR: 'memory://', DEV_ISSUER_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'issuer-')), 'key.json') };
    delete env.DATABASE_URL;
    child = spawn(process.execPath, ['--import', 'tsx', 'functions/dev.ts'], { env, cwd: new URL('../..', import.meta.url).pathname });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed within 90 s:\n${output}`)), 90_000);
      child.stdout!.on('data', () => {
        if (output.includes('GraphiQL: http://localhost')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
  }, 120_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints the URL and seeds the empty embedded database', () => {
    expect(output).toContain(`GraphiQL: http://localhost:${port}/graphql`);
    expect(output).toMatch(/Empty database: loading demo data… \d+ units, 78000 members/);
  });

  it('answers the example query: APP_ADOPTION for Lạng Sơn and its communes', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: EXAMPLE_QUERY }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    const unit = body.data.unit;
    expect(unit.name).toBe('Đoàn Thanh niên Tỉnh Lạng Sơn');
    expect(unit.kpi.denominator).toBeGreaterThan(40_000);
    expect(unit.kpi.value).toBeCloseTo((100 * unit.kpi.numerator) / unit.kpi.denominator, 10);
    expect(unit.children.nodes).toHaveLength(5);
    // The province's parts are the sums of its communes' and bloc's parts, not an average.
    for (const c of unit.children.nodes) expect(c.kpi.denominator).toBeGreaterThan(0);
  });

  it('prints a central admin’s dev token that the server takes, and puts it in GraphiQL’s headers', async () => {
    const token = /Authorization: Bearer (\S+)/.exec(output)?.[1];
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { kind role unit { code } } }' }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { kind: 'USER', role: 'CENTRAL_ADMIN', unit: { code: 'TW' } } } });
    const html = await (await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain(token);
  });

  it('serves GraphiQL with the example query to a browser', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Youth Union KPIs');
    expect(html).toContain('AppAdoption');
  });

  describe('in a browser', () => {
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const shots = new URL('../../.data/screenshots/', import.meta.url).pathname;
    const base = () => `http://localhost:${port}`;
    const api = async (query: string) => {
      const token = /Authorization: Bearer (\S+)/.exec(output)![1];
      const response = await fetch(`${base()}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      return ((await response.json()) as { data: any }).data;
    };

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
      page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
      page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
      // A download of a blob: URL (the CSV, the Excel file) is told as an aborted request: it never travels the network.
      page.on('requestfailed', (r) => void (!r.url().startsWith('blob:') && problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`)));
      page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`)));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      expect(problems).toEqual([]);
    });

    it('runs the example query in GraphiQL, served from the package (no other host is asked)', async () => {
      const hosts = new Set<string>();
      page.on('request', (r) => {
        const url = new URL(r.url());
        // GraphiQL's workers are blob: URLs, its icon a data: URL: only what goes over the network counts.
        if (url.protocol.startsWith('http')) hosts.add(url.host);
      });
      await page.goto(`${base()}/graphql`);
      await page.locator('.graphiql-execute-button').click();
      // The result editor writes its spaces as no-break spaces: \s takes both.
      await expect.poll(() => page.locator('.result-window').innerText(), { timeout: 20_000 }).toMatch(/"name":\s"Đoàn\sThanh\sniên\sTỉnh\sLạng\sSơn"/);
      await page.screenshot({ path: `${shots}graphiql.png` });
      expect([...hosts].filter((h) => h !== `localhost:${port}`)).toEqual([]);
    }, 60_000);

    it('opens the dashboard, finds "lang son", drills into a commune and shows the API’s numbers', async () => {
      const started = Date.now();
      await page.goto(`${base()}/dashboard`);
      await page.waitForSelector('#cards .card');
      await page.waitForFunction(() => document.body.dataset.loading === 'false');
      const loaded = Date.now() - started;
      const bytes = await page.evaluate(() => performance.getEntriesByType('resource').reduce((a, e) => a + (e as PerformanceResourceTiming).transferSize, 0) + (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).transferSize);
      console.log(`dashboard: first screen in ${loaded} ms, ${(bytes / 1024).toFixed(0)} KiB transferred`);
      expect(await page.textContent('#unit-name')).toBe('Trung ương Đoàn TNCS Hồ Chí Minh (TW)');

      await page.fill('#search', 'lang son');
      await page.locator('#suggestions li', { hasText: 'Lạng Sơn' }).first().click();
      await page.waitForFunction(() => document.querySelector('#unit-name')?.textContent?.includes('(LS)') && document.body.dataset.loading === 'false');
      // The province's communes, by APP_ADOPTION in October 2026: the first row is a commune.
      const first = page.locator('#breakdown tbody tr').first();
      const code = (await first.getAttribute('data-code'))!;
      await first.click();
      await page.waitForFunction((c) => document.querySelector('#unit-name')?.textContent?.includes(`(${c})`) && document.body.dataset.loading === 'false', code);
      await page.screenshot({ path: `${shots}dashboard.png`, fullPage: true });

      const direct = await api(`{ unit(code: "${code}") { kpi(id: APP_ADOPTION, period: "2026-10") { value } targetProgress(period: "2026", today: "2026-10-31") { kpis { kpi { id } status } } } }`);
      const card = page.locator('#cards .card[data-kpi="APP_ADOPTION"]');
      expect(Number(await card.locator('.value').getAttribute('data-value'))).toBe(direct.unit.kpi.value);
      const statuses = await page.$$eval('#cards .card', (cards) => cards.map((c) => [(c as HTMLElement).dataset.kpi, (c as HTMLElement).dataset.status]));
      expect(statuses).toEqual(direct.unit.targetProgress.kpis.map((k: { kpi: { id: string }; status: string }) => [k.kpi.id, k.status]));
      expect(await page.locator('#trend').getAttribute('data-points')).toBe('24');
    }, 90_000);

    it('speaks English when asked, with numbers in the reader’s format', async () => {
      const card = page.locator('#cards .card[data-kpi="APP_ADOPTION"]');
      const value = Number(await card.locator('.value').getAttribute('data-value'));
      const inLocale = (locale: string) => `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value)} %`;
      // vi-VN writes a decimal comma (99,6 %), English a point (99.6 %).
      expect(inLocale('vi-VN')).toContain(',');
      expect(await card.locator('.value').textContent()).toBe(inLocale('vi-VN'));
      await page.click('#lang');
      expect(await page.textContent('h1')).toBe('Youth Union digital transformation — dashboard');
      expect(await page.textContent('#lang')).toBe('Tiếng Việt');
      expect(await card.locator('.status').textContent()).toMatch(/^(Achieved|On track|At risk|Behind|No target|No data)$/);
      expect(await card.locator('.value').textContent()).toBe(inLocale('en-GB'));
      await page.click('#lang');
      expect(await page.textContent('h1')).toBe('Chuyển đổi số của Đoàn — bảng điều khiển');
    });

    it('downloads the table as CSV (with a byte-order mark) and as an Excel file, each with its header', async () => {
      // Back to the province, whose communes make a table.
      await page.locator('#crumbs a[data-code="LS"]').click();
      await page.waitForFunction(() => document.querySelector('#unit-name')?.textContent?.includes('(LS)') && document.body.dataset.loading === 'false');
      const rows = await page.$$eval('#breakdown tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
      const text = readFileSync((await csv.path())!, 'utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const lines = text.slice(1).split('\r\n');
      expect(lines.slice(0, 2)).toEqual(['Kỳ,2026-10', 'Đơn vị,Đoàn Thanh niên Tỉnh Lạng Sơn (LS)']);
      expect(lines[6]).toBe('Hạng,Đơn vị,Giá trị,Tử số,Mẫu số');
      expect(lines.length).toBe(7 + rows.length + 1);
      expect(lines[7]!.split(',')[1]).toBe(rows[0]![1]);

      const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('#xlsx')]);
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile((await xlsx.path())!);
      const sheet = book.worksheets[0]!;
      expect(sheet.getRow(1).values).toEqual([undefined, 'Kỳ', '2026-10']);
      expect(sheet.getRow(4).getCell(2).value).toBe('Tỷ lệ đoàn viên sử dụng ứng dụng Thanh niên Việt Nam (APP_ADOPTION)');
      expect(sheet.getRow(8).getCell(2).value).toBe(rows[0]![1]);
      expect(sheet.rowCount).toBe(7 + rows.length);
    }, 60_000);
  });
});

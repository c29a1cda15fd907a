// What every browser test shares: the server under test (the mock unless FINESTRA_URL
// names one), Debian's Chromium through playwright-core, sign-in, axe and screenshots.

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { STAFF } from './fixtures.mjs';
import { startMockServer } from './mock-server.mjs';

const require = createRequire(import.meta.url);
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

export const DESKTOP = { width: 1280, height: 800 };
export const TABLET = { width: 768, height: 1024 };
export const WAIT_MS = 10_000;

const [agent, newcomer] = STAFF;
export const ACCOUNTS = {
  agent: {
    username: process.env.FINESTRA_USERNAME ?? agent.username,
    password: process.env.FINESTRA_PASSWORD ?? agent.password,
  },
  newcomer: {
    username: process.env.FINESTRA_NEW_USERNAME ?? newcomer.username,
    password: process.env.FINESTRA_NEW_PASSWORD ?? newcomer.password,
  },
};

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Start what a test file needs: the server (a fresh mock unless FINESTRA_URL is set, or
 * always a mock when `mock` options are given) and one browser.
 */
export async function start(mock = null) {
  const own = mock !== null || !process.env.FINESTRA_URL;
  const server = own ? await startMockServer(mock ?? {}) : null;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  return {
    url: server?.url ?? process.env.FINESTRA_URL.replace(/\/$/, ''),
    server,
    browser,
    async stop() {
      await browser.close();
      await server?.close();
    },
  };
}

/** A new page in its own context (fresh storage), at `viewport`, in `locale`. */
export async function open(env, { viewport = DESKTOP, locale = 'ca-ES', language = null } = {}) {
  const context = await env.browser.newContext({ viewport, locale });
  if (language) {
    await context.addInitScript((chosen) => window.localStorage.setItem('finestra.language', chosen), language);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.problems = problems;
  return page;
}

/**
 * Sign in through the form and wait for the worklist: for its first row, or with
 * `{ rows: false }` (a group that may have no open request) for its result count.
 */
export async function signIn(page, env, account = ACCOUNTS.agent, { rows = true } = {}) {
  await page.goto(`${env.url}/`);
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await page.locator('form button[type=submit]').click();
  const ready = rows ? 'table.worklist-table tbody tr' : '#results-title';
  await page.locator(ready).first().waitFor({ timeout: rows ? WAIT_MS : 3 * WAIT_MS });
}

/** Run axe on the page as it is and fail on any serious or critical violation. */
export async function assertAccessible(page, screen) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    }),
  );
  const bad = result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  assert.deepEqual(bad, [], `axe found serious or critical problems on ${screen}`);
  return result;
}

/** Save a full-page screenshot as e2e/screenshots/<name>.png. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Fail when the page threw an uncaught error. */
export function assertNoPageErrors(page) {
  assert.deepEqual(page.problems, [], 'the page threw');
}

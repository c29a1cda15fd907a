import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start, TABLET } from './harness.mjs';

const ROWS = 'table.worklist-table tbody tr';

async function column(page, index) {
  return page.locator(`${ROWS} > :nth-child(${index})`).allInnerTexts();
}

describe('worklist', () => {
  let env;
  before(async () => {
    env = await start();
  });
  after(async () => {
    await env.stop();
  });

  it('lists the first group’s requests, soonest due first, with SLA counts', async () => {
    const page = await open(env);
    await signIn(page, env);
    const due = await page.locator(`${ROWS} td:nth-child(5)`).evaluateAll((cells) =>
      cells.map((cell) => cell.querySelector('time')?.getAttribute('datetime') ?? null),
    );
    const dated = due.filter(Boolean);
    assert.ok(dated.length > 1);
    assert.deepEqual(dated, [...dated].sort(), 'sorted by due time');
    assert.deepEqual(due.slice(dated.length).filter(Boolean), [], 'requests without a due time come last');
    const counts = await page.locator('.count .count-number').allInnerTexts();
    assert.equal(counts.length, 3);
    assert.equal(await page.locator('.count-buttons').getAttribute('aria-live'), 'polite');
    const header = await page.locator('table.worklist-table thead th').allInnerTexts();
    assert.deepEqual(header, ['Referència', 'Tema', 'Canal', 'Districte', 'Venciment', 'Prioritat', 'SLA']);
    await assertAccessible(page, 'worklist');
    await screenshot(page, 'worklist');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('filters by SLA from the counts and by channel from the filters', async () => {
    const page = await open(env);
    await signIn(page, env);
    const breached = page.locator('.count.sla-breached');
    const expected = Number((await breached.locator('.count-number').innerText()).replace(/\D/g, ''));
    await breached.click();
    assert.equal(await breached.getAttribute('aria-pressed'), 'true');
    await page.waitForURL(/sla=breached/);
    // Wait for the filtered list itself: the count's text alone may match the list before it.
    await page.waitForFunction((shown) => {
      const rows = [...document.querySelectorAll('table.worklist-table tbody tr')];
      return rows.length === shown && rows.every((row) => row.querySelector('td:nth-child(7)')?.textContent === 'Vençuda');
    }, Math.min(expected, 25));
    const badges = await column(page, 7);
    assert.ok(badges.length > 0);
    assert.ok(badges.every((text) => text === 'Vençuda'), badges.join());
    await breached.click();
    await page.waitForURL((url) => !url.search.includes('sla='));
    await page.locator('#filter-channel').selectOption('sms');
    await page.waitForURL(/channel=sms/);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('table.worklist-table tbody tr td:nth-child(3)')].every((cell) => cell.textContent === 'SMS'),
    );
    assert.ok((await column(page, 3)).every((text) => text === 'SMS'));
    await page.reload();
    assert.equal(await page.locator('#filter-channel').inputValue(), 'sms', 'the filter survives a reload');
    await page.getByRole('button', { name: 'Esborra els filtres' }).click();
    await page.waitForURL((url) => !url.search.includes('channel='));
    await page.context().close();
  });

  it('moves with j and k, opens with Enter, searches with / and explains itself with ?', async () => {
    const page = await open(env);
    await signIn(page, env);
    const references = await page.locator(`${ROWS} th a`).allInnerTexts();
    await page.locator('h1').click();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), references[2]);
    assert.equal(await page.locator(`${ROWS}.row-active th`).innerText(), references[2]);
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Dreceres de teclat' });
    await dialog.waitFor();
    await assertAccessible(page, 'shortcuts');
    await screenshot(page, 'worklist-shortcuts');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-q');
    const prefix = references[0].slice(0, -1);
    await page.keyboard.type(prefix);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`q=${prefix}`));
    await page.waitForFunction(
      (start) => [...document.querySelectorAll('table.worklist-table tbody th a')].every((a) => a.textContent.startsWith(start)),
      prefix,
    );
    await page.locator('h1').click();
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/requests\//);
    assert.match(await page.locator('h1').innerText(), new RegExp(prefix));
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('loads more with the cursor, keeping the rows already shown', async () => {
    const page = await open(env);
    await signIn(page, env);
    const first = await page.locator(`${ROWS} th a`).allInnerTexts();
    assert.equal(first.length, 25);
    await page.getByRole('button', { name: 'Més' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.worklist-table tbody tr').length > 25);
    const all = await page.locator(`${ROWS} th a`).allInnerTexts();
    assert.deepEqual(all.slice(0, 25), first);
    assert.equal(new Set(all).size, all.length, 'no request twice');
    await page.context().close();
  });

  it('polls the counts every 30 seconds', async () => {
    const page = await open(env);
    await page.clock.install();
    await signIn(page, env);
    const poll = page.waitForRequest((request) => request.url().includes('/worklist') && request.url().includes('limit=1'));
    await page.clock.fastForward(30_000);
    const request = await poll;
    assert.match(request.headers().authorization, /^Bearer .+\..+\..+$/);
    await page.context().close();
  });

  it('switches group and language in place', async () => {
    const page = await open(env);
    await signIn(page, env);
    const groups = await page.locator('#group option').count();
    assert.ok(groups >= 1);
    if (groups > 1) {
      const before = await page.locator(`${ROWS} th a`).first().innerText();
      await page.locator('#group').selectOption({ index: 1 });
      await page.waitForURL(/group=/);
      await page.waitForFunction((old) => document.querySelector('table.worklist-table tbody th a')?.textContent !== old, before);
    }
    await page.locator('#language').selectOption('es');
    assert.equal(await page.locator('h1').innerText(), 'Bandeja de trabajo');
    assert.equal(await page.locator('.count.sla-at_risk .count-label').innerText(), 'A punto de vencer');
    const when = await page.locator(`${ROWS} td:nth-child(5) time`).first().innerText();
    assert.match(when, /^(hace|dentro de|ayer|mañana|hoy|este)/);
    await page.locator('#language').selectOption('en');
    assert.equal(await page.locator('h1').innerText(), 'Worklist');
    await page.context().close();
  });

  it('works on a tablet', async () => {
    const page = await open(env, { viewport: TABLET });
    await signIn(page, env);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= TABLET.width, `no sideways scrolling (page is ${width}px wide)`);
    await assertAccessible(page, 'worklist on a tablet');
    await screenshot(page, 'worklist-tablet');
    await page.context().close();
  });
});

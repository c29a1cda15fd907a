// Worklist views with counts, bulk validation and reassignment, alarm filter and clearing.
// Always against a mock of its own: these tests change requests and make others hold locks.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start, WAIT_MS } from './harness.mjs';

const ROWS = 'table.worklist-table tbody tr';
const IN_SCOPE = ['2', '6'];

/** Wait, with a deadline, until `check()` holds of the mock's state. */
async function eventually(check, what) {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function viewCount(page, view) {
  return Number((await page.locator(`.view-${view} .view-count`).innerText()).replace(/\D/g, ''));
}

async function showView(page, view) {
  await page.locator(`.view-${view}`).click();
  await page.waitForURL(new RegExp(`view=${view}`));
  await page.locator(`.view-${view}[aria-pressed="true"]`).waitFor();
}

describe('bulk work and alarms on the worklist', () => {
  let env;
  const requestOf = (reference) => env.server.city.requests.find((request) => request.reference === reference);
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('validates the selected requests, names the one that failed and updates the counts', async () => {
    const pending = env.server.city.requests
      .filter((request) => request.group === 'lighting' && request.state === 'pending_validation' && IN_SCOPE.includes(request.district))
      .map((request) => request.reference);
    assert.ok(pending.length >= 3, 'the demo city has requests pending validation');
    const [first, held, third] = pending;
    env.server.holdLock(held, 'agent.new');
    const page = await open(env);
    await signIn(page, env);
    const before = await viewCount(page, 'pending_validation');
    assert.equal(await page.locator('.view-buttons').getAttribute('role'), 'group');

    await showView(page, 'pending_validation');
    await page.locator('#bulk-title').waitFor();
    for (const reference of [first, held, third]) {
      await page.getByRole('checkbox', { name: `Selecciona ${reference}` }).check();
    }
    assert.equal(await page.locator('.bulk-selected').innerText(), '3 sol·licituds seleccionades');
    await assertAccessible(page, 'worklist with a selection');
    await page.getByRole('button', { name: 'Valida les seleccionades' }).click();

    const result = page.locator('.bulk-result');
    await result.waitFor();
    assert.match(await result.innerText(), /S’han fet 2 sol·licituds\./);
    const failures = await result.locator('.bulk-failures li').allInnerTexts();
    assert.deepEqual(failures, [`${held}: Una altra persona està treballant en aquesta sol·licitud ara mateix.`]);
    assert.equal(requestOf(first).state, 'planned');
    assert.equal(requestOf(held).state, 'pending_validation');
    await page.waitForFunction(
      (expected) => document.querySelector('.view-pending_validation .view-count')?.textContent?.replace(/\D/g, '') === String(expected),
      before - 2,
    );
    const shown = await page.locator(`${ROWS} th a`).allInnerTexts();
    assert.ok(!shown.includes(first) && shown.includes(held), shown.join());
    await assertAccessible(page, 'worklist after a bulk validation');
    await screenshot(page, 'worklist-bulk');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('asks for the reason before reassigning the selection, then reassigns it', async () => {
    const [reference] = env.server.city.requests
      .filter((request) => request.group === 'paving' && request.state === 'pending_validation' && IN_SCOPE.includes(request.district))
      .map((request) => request.reference);
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/?group=paving&view=pending_validation`);
    await page.getByRole('checkbox', { name: `Selecciona ${reference}` }).check();
    const group = page.locator('#bulk-group');
    await page.waitForFunction(() => document.querySelectorAll('#bulk-group option').length > 1);
    const target = await group.locator('option').nth(1).getAttribute('value');
    await group.selectOption(target);
    await page.getByRole('button', { name: 'Reassigna les seleccionades' }).click();
    assert.equal(await page.getByRole('alert').innerText(), 'Indiqueu el motiu de la reassignació.');
    assert.equal(requestOf(reference).group, 'paving');

    await page.locator('#bulk-reason').fill('Brigada de tota la ciutat');
    await page.getByRole('button', { name: 'Reassigna les seleccionades' }).click();
    await page.locator('.bulk-result').waitFor();
    assert.match(await page.locator('.bulk-result').innerText(), /S’ha fet 1 sol·licitud\./);
    assert.equal(requestOf(reference).group, target);
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('filters by an alarm, shows it as text, and clears it from the request', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.locator('#filter-alarm').selectOption('citizen_replied');
    await page.waitForURL(/alarm=citizen_replied/);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('table.worklist-table tbody tr')];
      return rows.length > 0 && rows.every((row) => row.querySelector('.alarm-badges')?.textContent?.includes('El ciutadà ha respost'));
    });
    const flagged = await page.locator(`${ROWS} th a`).allInnerTexts();
    const [reference] = flagged.filter((ref) => IN_SCOPE.includes(requestOf(ref).district));
    assert.ok(reference, 'a request with the alarm in the agent’s districts');
    await assertAccessible(page, 'worklist filtered by an alarm');

    await page.goto(`${env.url}/requests/${reference}`);
    await page.locator('#alarms-title').waitFor();
    await page.locator('#alarm-note').fill('Hem trucat al veí');
    await page.getByRole('button', { name: 'Treu l’alarma «El ciutadà ha respost»' }).click();
    await page.getByText('S’ha tret l’alarma «El ciutadà ha respost».').waitFor();
    await eventually(() => !requestOf(reference).flags.includes('citizen_replied'), 'the alarm is cleared');
    const cleared = requestOf(reference).timeline.at(-1);
    assert.equal(cleared.text, 'alarm citizen_replied cleared');
    assert.equal(cleared.reason, 'Hem trucat al veí');
    await assertAccessible(page, 'request alarms');

    await page.goto(`${env.url}/?alarm=citizen_replied`);
    await page.locator('#results-title').waitFor();
    await page.waitForFunction(
      (gone) => ![...document.querySelectorAll('table.worklist-table tbody tr th a')].some((link) => link.textContent === gone),
      reference,
    );
    assert.equal(await page.locator('#filter-alarm').inputValue(), 'citizen_replied');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

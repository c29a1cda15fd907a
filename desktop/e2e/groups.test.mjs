import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { STAFF } from './fixtures.mjs';
import { assertAccessible, assertNoPageErrors, open, signIn, start } from './harness.mjs';

const COORDINATOR = STAFF.find((member) => member.username === 'coordinator.maintenance');
const ROWS = 'table.worklist-table tbody tr';

describe('switching groups', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('lets a coordinator switch to a group below theirs, and remembers it for the session', async () => {
    const page = await open(env);
    await signIn(page, env, COORDINATOR, { rows: false });
    const switcher = page.locator('#group');
    const lighting = switcher.locator('optgroup[label="Manteniment i serveis urbans"] option[value="lighting"]');
    await lighting.waitFor({ state: 'attached' });
    assert.equal(await lighting.getAttribute('data-depth'), '1');
    assert.match(await lighting.innerText(), /^\s+Enllumenat públic$/u);
    assert.equal(await switcher.locator('option[value="parks"]').count(), 0, 'groups of other areas are not offered');

    await switcher.selectOption('lighting');
    await page.waitForURL(/group=lighting/);
    await page.locator(ROWS).first().waitFor();
    await assertAccessible(page, 'worklist of a group below the coordinator’s');

    await page.goto(`${env.url}/`);
    await page.locator(ROWS).first().waitFor();
    assert.equal(await switcher.inputValue(), 'lighting', 'the choice holds for the session');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('offers only the configured groups when a request is reassigned', async () => {
    const page = await open(env);
    await signIn(page, env, COORDINATOR, { rows: false });
    await page.goto(`${env.url}/?group=lighting`);
    await page.locator('table.worklist-table tbody th a').first().click();
    await page.locator('.request-head').waitFor();
    const offered = page.locator('#assign-group option');
    await offered.nth(1).waitFor({ state: 'attached' });
    const values = await offered.evaluateAll((items) => items.map((item) => item.getAttribute('value')));
    assert.deepEqual(values, ['', 'urban-maintenance', 'triage']);
    await page.context().close();
  });

  it('refuses the worklist of a group outside the caller’s', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/?group=parks`);
    await page.getByRole('alert').first().waitFor();
    assert.equal(await page.locator(ROWS).count(), 0);
    await page.context().close();
  });
});

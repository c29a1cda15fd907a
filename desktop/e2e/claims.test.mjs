import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, signIn, start } from './harness.mjs';

const RECENT = 'BCN-2026-000910';
const OLD = 'BCN-2026-000911';
const DAY = 86_400_000;

/** Two closed requests: one closed 10 days ago, one closed 75 days ago. */
function givenClosedRequests(city) {
  const model = city.requests.find((request) => request.group === 'paving' && request.citizen_id);
  const closed = (reference, daysAgo) => {
    const at = new Date(Date.now() - daysAgo * DAY).toISOString();
    return {
      ...model,
      reference,
      state: 'closed',
      district: '2',
      group: 'paving',
      location: { ...model.location, district: '2' },
      received_at: new Date(Date.now() - (daysAgo + 5) * DAY).toISOString(),
      attachments: [],
      snapshots: [],
      duplicates: [],
      timeline: [{ at, kind: 'state_change', channel: null, actor: 'agent.eixample', text: null, from_state: 'pending_answer', to_state: 'closed', reason: null }],
    };
  };
  city.requests.push(closed(RECENT, 10), closed(OLD, 75));
}

describe('claims on closed requests', () => {
  let env;
  before(async () => {
    env = await start({});
    givenClosedRequests(env.server.city);
  });
  after(async () => {
    await env.stop();
  });

  it('opens a claim as <reference>-R1 with the claimed alarm', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/requests/${RECENT}`);
    await page.locator('.request-head').waitFor();
    await page.getByRole('button', { name: 'Reclamació…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Registra una reclamació' });
    await dialog.getByLabel('Què reclama el ciutadà').fill('El forat ha tornat a sortir.');
    await assertAccessible(page, 'claim dialog');
    await dialog.getByRole('button', { name: 'Obre la reclamació' }).click();
    await page.getByRole('status').filter({ hasText: `S’ha obert la reclamació ${RECENT}-R1.` }).waitFor();
    await page.locator('section.links').getByRole('link', { name: `${RECENT}-R1` }).waitFor();
    const claim = env.server.city.requests.find((request) => request.reference === `${RECENT}-R1`);
    assert.deepEqual(claim.alarms, ['claimed']);
    assert.equal(claim.claim_of, RECENT);
    assert.equal(claim.state, 'pending_validation');
    await page.locator('section.links').getByRole('link', { name: `${RECENT}-R1` }).click();
    await page.waitForURL(new RegExp(`/requests/${RECENT}-R1$`));
    await page.locator('section.links').getByRole('link', { name: RECENT }).waitFor();
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('refuses a claim more than 60 days after closing, saying why', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/requests/${OLD}`);
    await page.locator('.request-head').waitFor();
    await page.getByRole('button', { name: 'Reclamació…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Registra una reclamació' });
    await dialog.getByLabel('Què reclama el ciutadà').fill('Encara hi és.');
    await dialog.getByRole('button', { name: 'Obre la reclamació' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /No es pot obrir la reclamació/);
    assert.match(await alert.innerText(), /more than 60 days ago/);
    assert.ok(!env.server.city.requests.some((request) => request.reference === `${OLD}-R1`));
    await page.context().close();
  });
});

// Request locks on the desktop: opening a request takes its lock, the holder's page
// renews it while they work and releases it when they leave, and everyone else sees who
// holds it with the actions disabled. Always against a mock of its own: these tests make
// other staff hold locks.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { STAFF } from './fixtures.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start, WAIT_MS } from './harness.mjs';

const AGENT = STAFF.find((member) => member.username === 'agent.eixample');
const SUPERVISOR = STAFF.find((member) => member.roles.includes('supervisor'));
const WRITE_BUTTONS = ['Envia la resposta', 'Canvia l’estat', 'Reassigna', 'Corregeix el tema', 'Desa la prioritat', 'Afegeix la nota', 'Puja el fitxer'];

/** Open requests of the agent's districts answered by SMS, so every action is on screen. */
function requestsInScope(env) {
  return env.server.city.requests
    .filter((request) => ['2', '6'].includes(request.district) && request.response_channel === 'sms' && request.state !== 'pending_answer')
    .map((request) => request.reference);
}

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

async function openRequest(page, env, reference) {
  await page.goto(`${env.url}/requests/${reference}`);
  await page.locator('.request-head').waitFor();
}

function lockCalls(env, reference, method) {
  return env.server.calls.filter((call) => call.method === method && call.path === `/api/desk/v1/requests/${reference}/lock`);
}

describe('request locks on the desktop', () => {
  let env;
  let references;
  before(async () => {
    env = await start({});
    references = requestsInScope(env);
    assert.ok(references.length >= 5, 'the demo city has requests enough');
  });
  after(async () => {
    await env.stop();
  });

  it('shows who holds a request until when, disables its actions, and takes it once free', async () => {
    const [reference] = references;
    const held = env.server.holdLock(reference, 'agent.new');
    const page = await open(env);
    await signIn(page, env);
    await openRequest(page, env, reference);

    const banner = page.locator('#lock-banner');
    await banner.filter({ hasText: 'agent.new està treballant en aquesta sol·licitud fins a les' }).waitFor();
    assert.equal(await banner.getAttribute('role'), 'status');
    const until = await page.evaluate(
      (iso) => new Intl.DateTimeFormat('ca-ES', { timeStyle: 'short', timeZone: 'Europe/Madrid' }).format(new Date(iso)),
      held.expires_at,
    );
    assert.match(await banner.innerText(), new RegExp(`fins a les ${until}`));
    for (const name of WRITE_BUTTONS) {
      const button = page.getByRole('button', { name, exact: true });
      assert.equal(await button.isDisabled(), true, `${name} is disabled`);
      assert.equal(await button.getAttribute('aria-describedby'), 'lock-banner', `${name} says why`);
    }
    assert.equal(await page.getByRole('button', { name: 'Assumeix-la' }).count(), 0, 'only supervisors take over');
    assert.equal(env.server.locks.get(reference).holder, 'u-agent-new', 'opening did not take it');
    await assertAccessible(page, 'a request another agent is working on');
    await screenshot(page, 'request-locked');

    env.server.locks.delete(reference);
    await page.getByRole('button', { name: 'Torna-ho a provar' }).click();
    await page.waitForFunction(() => document.getElementById('lock-banner')?.textContent === '');
    assert.equal(await page.getByRole('button', { name: 'Afegeix la nota' }).isDisabled(), false);
    assert.equal(env.server.locks.get(reference).holder, AGENT.user_id);
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('takes the lock on opening, renews it while the holder is active, and releases it on leaving', async () => {
    const reference = references[1];
    const page = await open(env);
    await page.clock.install();
    await signIn(page, env);
    await openRequest(page, env, reference);
    assert.equal(env.server.locks.get(reference)?.holder, AGENT.user_id);
    const taken = lockCalls(env, reference, 'POST').length;
    assert.equal(await page.locator('#lock-banner').innerText(), '', 'no banner for the holder');

    await page.mouse.move(200, 300);
    await page.clock.fastForward('03:00');
    assert.equal(lockCalls(env, reference, 'POST').length, taken, 'not before four minutes');
    await page.clock.fastForward('01:30');
    await eventually(() => lockCalls(env, reference, 'POST').length === taken + 1, 'the lock is renewed');

    await page.clock.fastForward('05:00');
    assert.equal(lockCalls(env, reference, 'POST').length, taken + 1, 'an idle user does not renew it');
    await page.keyboard.press('Shift');
    await eventually(() => lockCalls(env, reference, 'POST').length === taken + 2, 'coming back renews it at once');

    await page.getByRole('link', { name: 'Torna a la safata de treball' }).first().click();
    await page.locator('table.worklist-table').waitFor();
    await eventually(() => !env.server.locks.has(reference), 'leaving the request releases it');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('releases the lock when the page itself goes away', async () => {
    const reference = references[2];
    const page = await open(env);
    await signIn(page, env);
    await openRequest(page, env, reference);
    assert.equal(env.server.locks.get(reference)?.holder, AGENT.user_id);
    const released = lockCalls(env, reference, 'DELETE').length;

    await page.goto('about:blank');

    await eventually(() => !env.server.locks.has(reference), 'pagehide releases it');
    assert.equal(lockCalls(env, reference, 'DELETE').length, released + 1);
    await page.context().close();
  });

  it('shows the banner when a write finds that someone else took the request meanwhile', async () => {
    const reference = references[3];
    const page = await open(env);
    await signIn(page, env);
    await openRequest(page, env, reference);
    env.server.locks.delete(reference);
    env.server.holdLock(reference, SUPERVISOR.username);
    const entries = await page.locator('.timeline-entry').count();

    await page.locator('#note-text').fill('Trucat al veí: continua apagat.');
    await page.getByRole('button', { name: 'Afegeix la nota' }).click();

    await page.locator('#lock-banner').filter({ hasText: 'supervisor.eixample està treballant' }).waitFor();
    assert.match(await page.locator('.action').getByRole('alert').innerText(), /Una altra persona està treballant/);
    assert.equal(await page.locator('.timeline-entry').count(), entries, 'nothing was written');
    assert.equal(await page.locator('#note-text').inputValue(), 'Trucat al veí: continua apagat.');
    await page.context().close();
  });

  it('lets a supervisor take a request over, and the timeline records who broke whose lock', async () => {
    const reference = references[4];
    env.server.holdLock(reference, AGENT.username);
    const page = await open(env);
    await signIn(page, env, { username: SUPERVISOR.username, password: SUPERVISOR.password });
    await openRequest(page, env, reference);
    const banner = page.locator('#lock-banner');
    await banner.filter({ hasText: 'agent.eixample està treballant' }).waitFor();
    await assertAccessible(page, 'a supervisor before taking a request over');

    await page.getByRole('button', { name: 'Assumeix-la' }).click();

    await page.getByRole('status').filter({ hasText: 'Heu assumit la sol·licitud que tenia agent.eixample' }).waitFor();
    await page.waitForFunction(() => document.getElementById('lock-banner')?.textContent === '');
    await page.locator('.timeline-system', { hasText: 'lock of agent.eixample broken by supervisor.eixample' }).waitFor();
    assert.equal(env.server.locks.get(reference)?.holder, SUPERVISOR.user_id);
    assert.equal(await page.getByRole('button', { name: 'Afegeix la nota' }).isDisabled(), false);
    await screenshot(page, 'request-taken-over');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

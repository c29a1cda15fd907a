import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { open, signIn, start } from './harness.mjs';

// These run against a mock pool of their own, whose tokens live just past the desktop's
// five-minute refresh margin, so the refresh happens within seconds.
describe('the session', () => {
  let env;
  before(async () => {
    env = await start({ tokenSeconds: 302 });
  });
  after(async () => {
    await env.stop();
  });

  it('refreshes the ID token before it expires', async () => {
    const page = await open(env);
    const bearers = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/desk/')) {
        bearers.push(request.headers().authorization);
      }
    });
    await signIn(page, env);
    const first = bearers[0];
    await page.waitForTimeout(3_000);
    await page.getByRole('button', { name: 'Actualitza' }).click();
    await page.waitForFunction(() => document.querySelector('table.worklist-table tbody tr'));
    await page.waitForTimeout(500);
    assert.ok(env.server.calls.some((call) => call.cognito === 'refresh'), 'the user pool was asked for a new token');
    assert.notEqual(bearers.at(-1), first, 'the later call carries the new token');
    await page.context().close();
  });

  it('keeps the session across a reload of the tab', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.reload();
    await page.locator('table.worklist-table tbody tr').first().waitFor();
    assert.equal(await page.locator('#username').count(), 0);
    await page.context().close();
  });

  it('sends the user back to sign-in when the API says the token is no good', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.route('**/api/desk/v1/worklist**', (route) =>
      route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ code: 'unauthorised', message: 'no claims' }) }),
    );
    await page.getByRole('button', { name: 'Actualitza' }).click();
    await page.locator('#username').waitFor();
    assert.equal(await page.getByRole('alert').innerText(), 'La sessió ha acabat. Torneu a iniciar la sessió.');
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ACCOUNTS, assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

describe('sign-in', () => {
  let env;
  before(async () => {
    env = await start();
  });
  after(async () => {
    await env.stop();
  });

  it('refuses a wrong password with a clear message and keeps the form', async () => {
    const page = await open(env);
    await page.goto(`${env.url}/`);
    await assertAccessible(page, 'sign-in');
    await screenshot(page, 'signin');
    await page.locator('#username').fill(ACCOUNTS.agent.username);
    await page.locator('#password').fill(`${ACCOUNTS.agent.password}-wrong`);
    await page.locator('form button[type=submit]').click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').innerText(), 'El nom d’usuari o la contrasenya no són correctes.');
    assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('table.worklist-table').count(), 0);
    await assertAccessible(page, 'sign-in with an error');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('asks for both fields before calling the user pool', async () => {
    const page = await open(env);
    await page.goto(`${env.url}/`);
    const calls = [];
    page.on('request', (request) => request.url().includes('cognito-idp') && calls.push(request.url()));
    await page.locator('form button[type=submit]').click();
    assert.equal(await page.getByRole('alert').innerText(), 'Escriviu el nom d’usuari i la contrasenya.');
    assert.deepEqual(calls, []);
    await page.context().close();
  });

  it('signs in with SRP, names the user, and signs out again', async () => {
    const page = await open(env);
    const cognito = [];
    page.on('request', (request) => {
      if (request.url().includes('cognito-idp')) {
        cognito.push({ target: request.headers()['x-amz-target'], body: request.postData() ?? '' });
      }
    });
    await signIn(page, env);
    assert.ok(cognito.some((call) => call.body.includes('USER_SRP_AUTH')), 'used the SRP flow');
    assert.ok(cognito.every((call) => !call.body.includes(ACCOUNTS.agent.password)), 'the password never left the browser');
    assert.match(await page.locator('.user').innerText(), new RegExp(ACCOUNTS.agent.username.replace('.', '\\.')));
    await page.getByRole('button', { name: 'Tanca la sessió' }).click();
    await page.locator('#username').waitFor();
    await page.reload();
    await page.locator('#username').waitFor();
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('answers the new-password challenge, checking the two passwords match', async () => {
    const page = await open(env);
    await page.goto(`${env.url}/`);
    await page.locator('#username').fill(ACCOUNTS.newcomer.username);
    await page.locator('#password').fill(ACCOUNTS.newcomer.password);
    await page.locator('form button[type=submit]').click();
    await page.locator('#new-password').waitFor();
    await assertAccessible(page, 'new password');
    await screenshot(page, 'signin-new-password');
    await page.locator('#new-password').fill('Una-Contrasenya-Nova-1');
    await page.locator('#repeat-password').fill('Una-Contrasenya-Nova-2');
    await page.locator('form button[type=submit]').click();
    assert.equal(await page.getByRole('alert').innerText(), 'Les dues contrasenyes no coincideixen.');
    await page.locator('#new-password').fill('curta');
    await page.locator('#repeat-password').fill('curta');
    await page.locator('form button[type=submit]').click();
    await page.getByText('La contrasenya nova no compleix les normes.').waitFor();
    await page.locator('#new-password').fill('Una-Contrasenya-Nova-1');
    await page.locator('#repeat-password').fill('Una-Contrasenya-Nova-1');
    await page.locator('form button[type=submit]').click();
    await page.locator('table.worklist-table tbody tr').first().waitFor();
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('switches language at any time and remembers the choice', async () => {
    const page = await open(env);
    await page.goto(`${env.url}/`);
    assert.equal(await page.locator('label[for=username]').innerText(), 'Nom d’usuari');
    await page.locator('#language').selectOption('en');
    assert.equal(await page.locator('label[for=username]').innerText(), 'Username');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    assert.equal(await page.locator('label[for=username]').innerText(), 'Username');
    await page.locator('#language').selectOption('es');
    assert.equal(await page.locator('label[for=username]').innerText(), 'Nombre de usuario');
    await page.context().close();
  });
});

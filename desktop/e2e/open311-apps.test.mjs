// The administrators' Open311 client apps against the mock: register an app and see its key
// once, copy it, revoke the app after confirming, and keep the screen from everyone else.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { STAFF } from './fixtures.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

const ADMIN = STAFF.find((member) => member.roles.includes('administrator'));
const APPS = '/api/desk/v1/open311/apps';

describe('Open311 client apps', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('registers an app, shows its key once, and revokes it after a confirmation', async () => {
    const page = await open(env);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.url });
    await signIn(page, env, ADMIN);
    await page.getByRole('navigation').getByRole('link', { name: 'Apps Open311' }).click();
    await page.getByRole('heading', { level: 1, name: 'Apps client d’Open311' }).waitFor();
    await page.locator('tr[data-app="demo-app"]').waitFor();
    await assertAccessible(page, 'Open311 client apps');

    await page.getByLabel('Identificador de l’app').fill('Barri App');
    await page.getByLabel('Nom', { exact: true }).fill('App del barri');
    await page.getByRole('button', { name: 'Registra l’app' }).click();
    await page.locator('#open311-id-problem').filter({ hasText: 'de 3 a 40 lletres minúscules' }).waitFor();
    assert.equal(await page.locator('#open311-id').getAttribute('aria-invalid'), 'true');
    assert.ok(!env.server.calls.some((call) => call.method === 'POST' && call.path === APPS), 'a bad id is not sent');

    await page.getByLabel('Identificador de l’app').fill('barri-app');
    await page.getByRole('button', { name: 'Registra l’app' }).click();
    const issued = page.getByRole('region', { name: 'La clau de App del barri' });
    await issued.waitFor();
    await issued.getByText('no es tornarà a mostrar').waitFor();
    const key = await page.locator('#open311-key').inputValue();
    assert.match(key, /^barri-app\.[A-Za-z0-9_-]{20,}$/);
    await issued.getByRole('button', { name: 'Copia la clau' }).click();
    await issued.getByRole('status').filter({ hasText: 'S’ha copiat la clau.' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
    await page.locator('tr[data-app="barri-app"][data-revoked="false"]').waitFor();
    assert.equal(await page.locator('#open311-id').inputValue(), '', 'the form is ready for the next app');
    await assertAccessible(page, 'an Open311 app’s key, shown once');
    await screenshot(page, 'open311-apps-key');

    await issued.getByRole('button', { name: 'Ja he desat la clau' }).click();
    await issued.waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(key), 'the key is gone once closed');

    await page.getByLabel('Identificador de l’app').fill('barri-app');
    await page.getByLabel('Nom', { exact: true }).fill('Una altra');
    await page.getByRole('button', { name: 'Registra l’app' }).click();
    await page.getByRole('alert').filter({ hasText: 'Aquest identificador ja està agafat' }).waitFor();

    await page.getByRole('button', { name: 'Revoca barri-app' }).click();
    const dialog = page.getByRole('dialog', { name: 'Voleu revocar App del barri?' });
    await dialog.waitFor();
    await assertAccessible(page, 'the revocation’s confirmation');
    await screenshot(page, 'open311-apps-revoke');
    await dialog.getByRole('button', { name: 'Revoca l’app' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('status').filter({ hasText: 'L’app barri-app està revocada' }).waitFor();
    const row = page.locator('tr[data-app="barri-app"][data-revoked="true"]');
    await row.waitFor();
    assert.match(await row.innerText(), /Revocada el/);
    assert.equal(await row.getByRole('button').count(), 0, 'a revoked app has nothing left to revoke');
    const revocations = env.server.calls.filter((call) => call.path === `${APPS}/barri-app/revoke`);
    assert.equal(revocations.length, 1);
    await assertAccessible(page, 'Open311 client apps after a revocation');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('leaves the app as it was when the revocation is cancelled', async () => {
    const page = await open(env, { language: 'en' });
    await signIn(page, env, ADMIN);
    await page.goto(`${env.url}/open311-apps`);
    await page.getByRole('button', { name: 'Revoke demo-app' }).click();
    const dialog = page.getByRole('dialog', { name: /^Revoke / });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('tr[data-app="demo-app"][data-revoked="false"]').waitFor();
    assert.ok(!env.server.calls.some((call) => call.path === `${APPS}/demo-app/revoke`));
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('keeps the screen and its link from staff who are not administrators', async () => {
    const page = await open(env);
    await signIn(page, env);
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Apps Open311' }).count(), 0);
    const before = env.server.calls.length;
    await page.goto(`${env.url}/open311-apps`);
    await page.getByRole('alert').filter({ hasText: 'Només el personal administrador gestiona' }).waitFor();
    assert.ok(!env.server.calls.slice(before).some((call) => call.path.startsWith(APPS)), 'the screen asks nothing it may not read');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

/** Open the record of the citizen behind the first identified request on the worklist. */
async function openSomeCitizen(page, env) {
  for (const reference of (await page.locator('table.worklist-table tbody th a').allInnerTexts()).slice(0, 10)) {
    await page.goto(`${env.url}/requests/${reference}`);
    await page.locator('.request-head').waitFor();
    const link = page.getByRole('link', { name: 'Obre la fitxa de la persona' });
    if ((await link.count()) > 0) {
      await link.click();
      await page.locator('#profile-title').waitFor();
      return reference;
    }
  }
  throw new Error('no identified citizen among the first 10 requests');
}

describe('citizen 360 and search', () => {
  let env;
  before(async () => {
    env = await start();
  });
  after(async () => {
    await env.stop();
  });

  it('shows profile, contacts, consents and every request of the citizen', async () => {
    const page = await open(env);
    await signIn(page, env);
    const reference = await openSomeCitizen(page, env);
    assert.ok((await page.locator('h1').innerText()).length > 0);
    for (const heading of ['Perfil', 'Contactes', 'Consentiments', 'Sol·licituds de tots els canals', 'Sistemes de gestió']) {
      assert.ok(await page.getByRole('heading', { name: heading, exact: true }).isVisible(), heading);
    }
    const requests = await page.locator('section[aria-labelledby=citizen-requests-title] tbody th a').allInnerTexts();
    assert.ok(requests.includes(reference), 'the request we came from is among them');
    assert.ok(await page.getByText('Obrir aquesta fitxa queda registrat').isVisible());
    await assertAccessible(page, 'citizen 360');
    await screenshot(page, 'citizen');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('finds the citizen by phone and by name, never putting the value in the address bar', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openSomeCitizen(page, env);
    const name = await page.locator('h1').innerText();
    const phone = await page
      .locator('section[aria-labelledby=contacts-title] tbody tr', { has: page.locator('td', { hasText: /^Telèfon$/ }) })
      .locator('.contact-value')
      .first()
      .innerText();
    await page.getByRole('link', { name: 'Cerca una persona' }).click();
    await page.locator('#search-value').waitFor();
    await assertAccessible(page, 'search');
    await page.locator('#search-by').selectOption('phone');
    await page.locator('#search-value').fill(phone);
    await page.getByRole('button', { name: 'Cerca', exact: true }).click();
    await page.locator('.results-count').filter({ hasText: /S’ha(n)? trobat/ }).waitFor();
    assert.ok(await page.getByRole('link', { name }).isVisible());
    assert.ok(!page.url().includes(phone.replace('+', '')), 'the phone stays out of the URL');
    await screenshot(page, 'search');
    await assertAccessible(page, 'search results');
    await page.locator('#search-by').selectOption('name');
    await page.locator('#search-value').fill(name.split(' ')[0]);
    await page.getByRole('button', { name: 'Cerca', exact: true }).click();
    await page.getByRole('link', { name }).waitFor();
    await page.locator('#search-value').fill('Ningú Es Diu Així');
    await page.getByRole('button', { name: 'Cerca', exact: true }).click();
    await page.locator('.results-count').filter({ hasText: 'No hi ha cap persona que hi coincideixi.' }).waitFor();
    await page.locator('#search-value').fill(name.split(' ')[0]);
    await page.getByRole('button', { name: 'Cerca', exact: true }).click();
    await page.getByRole('link', { name }).click();
    await page.locator('#profile-title').waitFor();
    assert.equal(await page.locator('h1').innerText(), name);
    await page.context().close();
  });
});

// Duties towards citizens' records added to the desktop: merging two records and undoing
// it, the access log, and export and erasure. Always against a mock of its own: these
// tests merge and erase citizens.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { STAFF } from './fixtures.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

const ADMIN = STAFF.find((member) => member.roles.includes('administrator'));

async function openCitizen(page, env, index) {
  const citizen = env.server.city.citizens[index];
  await page.goto(`${env.url}/citizens/${citizen.citizen_id}`);
  await page.locator('#profile-title').waitFor();
  return citizen;
}

function contacts(page) {
  return page.locator('section[aria-labelledby=contacts-title] .contact-value').allInnerTexts();
}

/** Merge the record named "Marta Puig" into Marta Puig Soler's, whose record is open. */
async function mergeDuplicate(page) {
  const panel = page.locator('section[aria-labelledby=merge-title]');
  await panel.locator('#merge-value').fill('Marta Puig');
  await panel.getByRole('button', { name: 'Cerca', exact: true }).click();
  const others = panel.locator('input[name=merge-other]');
  await others.first().waitFor();
  assert.equal(await others.count(), 1, 'the open record is not offered as the other');
  await others.first().check();
  assert.ok(await page.getByLabel('Mantén aquesta fitxa (Marta Puig Soler); l’altra s’hi fusiona').isChecked());
  await panel.locator('#merge-reason').fill('Mateix DNI al taulell; dos telèfons');
  await panel.getByRole('button', { name: 'Revisa la fusió' }).click();
  const dialog = page.getByRole('dialog', { name: 'Voleu fusionar aquestes fitxes?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /les sol·licituds \(1 sol·licitud\) de Marta Puig passen a Marta Puig Soler/);
  return dialog;
}

describe('citizens’ records', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('merges two records of one person after a confirmation, and undoes it', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openCitizen(page, env, 0);
    const requests = await page.locator('section[aria-labelledby=citizen-requests-title] tbody tr').count();
    const dialog = await mergeDuplicate(page);
    await assertAccessible(page, 'merge confirmation');
    await screenshot(page, 'citizen-merge-confirm');
    await dialog.getByRole('button', { name: 'Fusiona les fitxes' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Fitxes fusionades: 1 sol·licitud, 2 contactes i 1 consentiment han passat a Marta Puig Soler.' })
      .waitFor();
    assert.equal(await dialog.isVisible(), false);
    await page.waitForFunction(
      (n) => document.querySelectorAll('section[aria-labelledby=citizen-requests-title] tbody tr').length === n + 1,
      requests,
    );
    assert.ok((await contacts(page)).includes('+34699111222'), 'the other record’s phone moved here');
    const [record] = [...env.server.merges.values()];
    assert.equal(record.state, 'done');
    await assertAccessible(page, 'citizen after a merge');

    await page.getByRole('button', { name: 'Desfés la fusió' }).click();
    await page.getByRole('status').filter({ hasText: 'S’ha desfet la fusió' }).waitFor();
    await page.waitForFunction(
      (n) => document.querySelectorAll('section[aria-labelledby=citizen-requests-title] tbody tr').length === n,
      requests,
    );
    assert.ok(!(await contacts(page)).includes('+34699111222'), 'the phone went back');
    assert.equal(record.state, 'undone');
    assert.equal(await page.getByRole('button', { name: 'Desfés la fusió' }).count(), 0);
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('explains an undo the API refuses, naming what changed', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openCitizen(page, env, 0);
    const dialog = await mergeDuplicate(page);
    await dialog.getByRole('button', { name: 'Fusiona les fitxes' }).click();
    await page.getByRole('status').filter({ hasText: 'Fitxes fusionades' }).waitFor();
    await page.route('**/undo', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: JSON.stringify({
          code: 'conflict',
          message: 'survivor changed since the merge (a contact point or consent)',
          errors: [{ field: 'survivor', rule: 'changed since the merge (a contact point or consent)' }],
        }),
      }),
    );
    await page.getByRole('button', { name: 'Desfés la fusió' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'La fusió no es pot desfer amb seguretat' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /survivor: changed since the merge/);
    await page.unroute('**/undo');
    await page.getByRole('button', { name: 'Desfés la fusió' }).click();
    await page.getByRole('status').filter({ hasText: 'S’ha desfet la fusió' }).waitFor();
    await page.context().close();
  });

  it('keeps the access log, export and erasure from staff who are not administrators', async () => {
    const page = await open(env);
    await signIn(page, env);
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Registre d’accessos' }).count(), 0);
    await openCitizen(page, env, 3);
    assert.ok(await page.getByRole('heading', { name: 'Fusiona amb una altra fitxa' }).isVisible());
    assert.equal(await page.getByRole('heading', { name: 'Protecció de dades' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Qui ha obert aquesta fitxa' }).count(), 0);
    await page.goto(`${env.url}/access-log?citizen_id=${env.server.city.citizens[3].citizen_id}`);
    await page.getByRole('alert').filter({ hasText: 'Només el personal administrador' }).waitFor();
    assert.ok(!env.server.calls.some((call) => call.path.endsWith('/access-log')), 'the screen asks nothing it may not read');
    await page.context().close();
  });

  it('reads the access log by citizen, staff member and days, page by page', async () => {
    const watched = env.server.city.citizens[6].citizen_id;
    for (let minute = 0; minute < 55; minute += 1) {
      env.server.accessLog.push({
        at: new Date(Date.UTC(2026, 1, 10, 9, minute)).toISOString(),
        user_id: 'u-agent-eixample',
        username: 'agent.eixample',
        citizen_id: watched,
        route: '/api/desk/v1/citizens/{citizen_id}',
        reason: 'profile',
      });
    }
    for (let hour = 8; hour < 13; hour += 1) {
      env.server.accessLog.push({
        at: new Date(Date.UTC(2026, 2, 2, hour)).toISOString(),
        user_id: ADMIN.user_id,
        username: ADMIN.username,
        citizen_id: watched,
        route: '/api/desk/v1/citizens',
        reason: 'search',
      });
    }
    const page = await open(env);
    await signIn(page, env, ADMIN);
    await page.getByRole('navigation').getByRole('link', { name: 'Registre d’accessos' }).click();
    await page.getByRole('heading', { level: 1, name: 'Registre d’accessos' }).waitFor();
    await assertAccessible(page, 'access log');
    await page.locator('#access-citizen').fill(watched);
    await page.getByRole('button', { name: 'Mostra' }).click();
    const count = page.locator('#access-results-title');
    await count.filter({ hasText: 'Es mostren 50 accessos' }).waitFor();
    assert.match(page.url(), new RegExp(`citizen_id=${watched}`));
    await page.getByRole('button', { name: 'Més', exact: true }).click();
    await count.filter({ hasText: 'Es mostren 60 accessos' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Més', exact: true }).count(), 0, 'the last page has no cursor');

    await page.locator('#access-since').fill('2026-03-01');
    await page.getByRole('button', { name: 'Mostra' }).click();
    await count.filter({ hasText: 'Es mostren 5 accessos' }).waitFor();
    const reasons = await page.locator('.access-table tbody td:nth-child(4)').allInnerTexts();
    assert.deepEqual([...new Set(reasons)], ['Cerca']);
    await page.getByRole('button', { name: `Només aquesta persona (${ADMIN.username})` }).first().click();
    await page.waitForURL(new RegExp(`user_id=${ADMIN.user_id}`));
    await count.filter({ hasText: 'Es mostren 5 accessos' }).waitFor();
    await screenshot(page, 'access-log');
    await page.locator('#access-until').fill('2026-02-28');
    await page.getByRole('button', { name: 'Mostra' }).click();
    await page.getByRole('alert').filter({ hasText: 'El primer dia és posterior a l’últim.' }).waitFor();

    await page.goto(`${env.url}/citizens/${watched}`);
    await page.locator('#profile-title').waitFor();
    await page.getByRole('link', { name: 'Qui ha obert aquesta fitxa' }).click();
    await page.locator('#access-results-title').waitFor();
    const newest = page.locator('.access-table tbody tr').first();
    assert.match(await newest.innerText(), new RegExp(`${ADMIN.username}[\\s\\S]*Fitxa oberta`));
    await assertAccessible(page, 'access log results');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('exports everything held on a citizen as a JSON file, then erases the citizen', async () => {
    const page = await open(env);
    await signIn(page, env, ADMIN);
    const citizen = await openCitizen(page, env, 1);
    const name = citizen.display_name;
    const requests = await page.locator('section[aria-labelledby=citizen-requests-title] tbody tr').count();
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporta tot el que es guarda (JSON)' }).click(),
    ]);
    assert.match(file.suggestedFilename(), new RegExp(`^citizen-${citizen.citizen_id}-\\d{4}-\\d{2}-\\d{2}\\.json$`));
    const exported = JSON.parse(await readFile(await file.path(), 'utf8'));
    assert.equal(exported.format, 'finestra.citizen-export/1');
    assert.equal(exported.citizen_id, citizen.citizen_id);
    assert.equal(exported.requests.length, requests);
    await page.getByRole('status').filter({ hasText: `L’exportació s’ha desat com a ${file.suggestedFilename()}.` }).waitFor();

    await page.getByRole('button', { name: 'Esborra aquesta persona…' }).click();
    const dialog = page.getByRole('dialog', { name: `Voleu esborrar ${name}?` });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /No es pot desfer\./);
    await assertAccessible(page, 'erasure confirmation');
    await screenshot(page, 'citizen-erasure-confirm');
    await dialog.getByRole('button', { name: 'Esborra definitivament' }).click();
    assert.ok(await dialog.isVisible(), 'nothing is erased without a reason and the confirmation');
    assert.equal(env.server.city.citizens[1].display_name, name);
    await dialog.locator('#erasure-reason').fill('Sol·licitud de supressió, registre 2026/1234');
    await dialog.getByLabel('Entenc que l’esborrament no es pot desfer.').check();
    await dialog.getByRole('button', { name: 'Esborra definitivament' }).click();
    const status = page.getByRole('status').filter({ hasText: 'S’ha esborrat la persona.' });
    await status.waitFor();
    assert.match(await status.innerText(), /Punts de contacte\s*3/);
    await page.getByRole('heading', { level: 1, name: 'Sense nom' }).waitFor();
    assert.ok(await page.getByText('No hi ha cap contacte.').isVisible());
    assert.equal(await page.locator('section[aria-labelledby=citizen-requests-title] tbody tr').count(), requests, 'requests stay for statistics');
    await assertAccessible(page, 'erased citizen');
    await screenshot(page, 'citizen-erased');
    await page.locator('section[aria-labelledby=citizen-requests-title] tbody th a').first().click();
    await page.locator('.request-head').waitFor();
    assert.equal(await page.locator('.description').innerText(), '[erased]');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

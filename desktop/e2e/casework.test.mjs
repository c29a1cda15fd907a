// Case work added to the desktop: files on a request, theme correction, and logging a
// phone call or a visit as a new request. Always against a mock of its own: these tests
// upload files and open requests.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const TEN_MB = 10 * 1024 * 1024;
const FILE_ROUTE = '/api/desk/v1/requests/{reference}/attachments/{attachment_id}';
const TOO_LARGE =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>';

/** Requests of the agent's districts, with files or without, as the mock's city holds them. */
function requestsInScope(env, { withFiles }) {
  return env.server.city.requests.filter(
    (request) => ['2', '6'].includes(request.district) && request.citizen_id && (request.attachments.length > 0) === withFiles,
  );
}

/** Open the request `reference` and return the row of its file named `name`. */
async function fileRow(page, env, reference, name) {
  await page.goto(`${env.url}/requests/${reference}`);
  await page.locator('.request-head').waitFor();
  const row = page.locator('section[aria-labelledby=files-title] tbody tr', { hasText: name });
  await row.waitFor();
  return row;
}

/** The value of the fact labelled exactly `term` in the request's header. */
function fact(page, term) {
  return page.locator('.request-head .fact').filter({ has: page.getByText(term, { exact: true }) }).locator('dd');
}

/** Open the first request of the worklist in the Eixample, a district of the agent's. */
async function openRequestInScope(page, env, nth = 0) {
  await page.goto(`${env.url}/?district=2`);
  const link = page.locator('table.worklist-table tbody th a').nth(nth);
  const reference = await link.innerText();
  await link.click();
  await page.locator('.request-head').waitFor();
  return reference;
}

describe('case work on the desktop', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('uploads a file to a request through the presigned POST, after checking its size and type', async () => {
    const page = await open(env);
    await signIn(page, env);
    const reference = await openRequestInScope(page, env);
    assert.ok(await page.getByText('Fins a 10 MB: PDF, JPEG, PNG').isVisible(), 'the limits are shown');
    const upload = page.getByRole('button', { name: 'Puja el fitxer' });

    await page.locator('#files-pick').setInputFiles({ name: 'expedient.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(TEN_MB + 1) });
    await page.locator('#files-problem').filter({ hasText: 'com a màxim' }).waitFor();
    assert.ok(await upload.isDisabled(), 'a file over the limit is never sent');
    await page.locator('#files-pick').setInputFiles({ name: 'programa.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    await page.locator('#files-problem').filter({ hasText: 'no guarda aquest tipus de fitxer' }).waitFor();

    const entries = await page.locator('.timeline-entry').count();
    await page.locator('#files-pick').setInputFiles({ name: 'fanal-fosc.png', mimeType: 'image/png', buffer: PNG });
    assert.equal(await page.locator('#files-problem').innerText(), '');
    await upload.click();
    await page.getByRole('status').filter({ hasText: 'S’ha afegit fanal-fosc.png a la sol·licitud.' }).waitFor();
    const row = page.locator('section[aria-labelledby=files-title] tbody tr', { hasText: 'fanal-fosc.png' });
    await row.waitFor();
    assert.match(await row.innerText(), /image\/png/);
    await page.waitForFunction((n) => document.querySelectorAll('.timeline-entry').length === n + 1, entries);
    assert.ok(await page.locator('.timeline-note').last().getByRole('link', { name: 'S’hi ha afegit un fitxer: vegeu Fitxers.' }).isVisible());
    const stored = [...env.server.uploads.entries()].filter(([key]) => key.startsWith(`requests/${reference}/`));
    assert.equal(stored.length, 1, 'the bucket holds the file under the request');
    assert.deepEqual([stored[0][1].size, stored[0][1].type], [PNG.length, 'image/png']);
    assert.deepEqual(stored[0][1].bytes, PNG);
    await assertAccessible(page, 'request with a file');
    await screenshot(page, 'request-files');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('says so when the bucket refuses the upload, and that the request lists the file anyway', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openRequestInScope(page, env, 1);
    await page.route('**/_mock/s3/**', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/xml',
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>',
      }),
    );
    await page.locator('#files-pick').setInputFiles({ name: 'plànol.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n') });
    await page.getByRole('button', { name: 'Puja el fitxer' }).click();
    const alert = page.locator('form[aria-labelledby=files-form-title]').getByRole('alert').filter({ hasText: 'rebutjat la mida' });
    await alert.waitFor();
    assert.ok(await page.getByText('La sol·licitud ja mostra el fitxer').isVisible());
    await page.context().close();
  });

  it('opens a file through a short-lived link, downloads it under its name and records the read', async () => {
    const page = await open(env);
    await signIn(page, env);
    const [request] = requestsInScope(env, { withFiles: true });
    const [file] = request.attachments;
    const row = await fileRow(page, env, request.reference, file.filename);
    assert.equal(await row.locator('.badge').count(), 0, 'a file the bucket holds carries no warning');
    const before = env.server.accessLog.length;

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: `Obre ${file.filename}` }).click(),
    ]);

    assert.equal(download.suggestedFilename(), file.filename);
    assert.deepEqual(await readFile(await download.path()), env.server.uploads.get(file.key).bytes);
    assert.match(page.url(), new RegExp(`/requests/${request.reference}$`), 'the desktop stays on the request');
    const logged = env.server.accessLog.slice(before).map((record) => [record.citizen_id, record.reason, record.route]);
    assert.deepEqual(logged, [[request.citizen_id, 'attachment', FILE_ROUTE]]);
    const opened = env.server.calls.filter((call) => call.path.startsWith(`/api/desk/v1/requests/${request.reference}/attachments/`));
    assert.deepEqual(opened.map((call) => [call.method, call.path.split('/').pop()]), [['GET', file.attachment_id]]);
    await assertAccessible(page, 'request files');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('marks a file whose upload never finished, and says so when it is opened', async () => {
    const page = await open(env);
    await signIn(page, env);
    const [request] = requestsInScope(env, { withFiles: false });
    await page.goto(`${env.url}/requests/${request.reference}`);
    await page.locator('.request-head').waitFor();
    await page.route('**/_mock/s3/**', (route) => route.fulfill({ status: 400, contentType: 'application/xml', body: TOO_LARGE }));
    await page.locator('#files-pick').setInputFiles({ name: 'acta.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n') });
    await page.getByRole('button', { name: 'Puja el fitxer' }).click();
    await page.locator('form[aria-labelledby=files-form-title]').getByRole('alert').waitFor();
    await page.unroute('**/_mock/s3/**');
    const before = env.server.accessLog.length;

    await page.reload();
    const row = page.locator('section[aria-labelledby=files-title] tbody tr', { hasText: 'acta.pdf' });
    await row.locator('.badge', { hasText: 'No s’ha pujat' }).waitFor();
    await row.getByRole('button', { name: 'Obre acta.pdf' }).click();

    const alert = page.locator('section[aria-labelledby=files-title]').getByRole('alert');
    await alert.filter({ hasText: 'No s’ha pogut obrir acta.pdf. La pujada del fitxer no es va acabar' }).waitFor();
    assert.equal(env.server.accessLog.length, before, 'a file never stored is never read');
    await assertAccessible(page, 'request with a file never uploaded');
    await screenshot(page, 'request-file-not-uploaded');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('says the request no longer has a file that went after the list was shown', async () => {
    const page = await open(env);
    await signIn(page, env);
    const request = requestsInScope(env, { withFiles: true })[1];
    const [file] = request.attachments;
    const row = await fileRow(page, env, request.reference, file.filename);
    request.attachments = [];

    await row.getByRole('button', { name: `Obre ${file.filename}` }).click();

    const alert = page.locator('section[aria-labelledby=files-title]').getByRole('alert');
    await alert.filter({ hasText: 'La sol·licitud ja no té aquest fitxer.' }).waitFor();
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('corrects the theme, and lets go of a request that moves to another group', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openRequestInScope(page, env, 2);
    const before = await fact(page, 'Tema').innerText();
    const options = page.locator('#theme-to option');
    await options.nth(1).waitFor({ state: 'attached' });
    const lighting = await page.locator('#theme-to optgroup[label="Enllumenat públic"] option').evaluateAll((items) =>
      items.map((item) => ({ value: item.getAttribute('value'), label: item.textContent })),
    );
    assert.ok(lighting.length >= 2, 'the other lighting themes are offered');
    assert.ok(!lighting.some((item) => item.label === before), 'the current theme is not offered');
    await page.locator('#theme-to').selectOption(lighting[0].value);
    await page.locator('#theme-reason').fill('El veí diu que és tot el tram');
    await page.getByRole('button', { name: 'Corregeix el tema' }).click();
    await page.getByRole('status').filter({ hasText: `El tema ara és ${lighting[0].label}; la sol·licitud és de Enllumenat públic.` }).waitFor();
    await fact(page, 'Tema').filter({ hasText: lighting[0].label }).waitFor();
    assert.ok(await page.locator('.timeline-assignment', { hasText: 'Motiu: El veí diu que és tot el tram' }).isVisible());
    await assertAccessible(page, 'request after a theme correction');

    const waste = await page.locator('#theme-to option[value^="waste."]').first().getAttribute('value');
    await page.locator('#theme-to').selectOption(waste);
    await page.locator('#theme-reason').fill('És un contenidor, no un fanal');
    await page.getByRole('button', { name: 'Corregeix el tema' }).click();
    await page.getByRole('status').filter({ hasText: 'ha sortit de la vostra safata' }).waitFor();
    assert.equal(await page.locator('.request-actions').count(), 0, 'no action is offered on a request that left');
    await page.getByRole('link', { name: 'Torna a la safata de treball' }).last().click();
    await page.locator('table.worklist-table').waitFor();
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('logs a phone call as a new request from the worklist, showing the API’s field errors', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.getByRole('link', { name: 'Registra una trucada o visita' }).click();
    await page.getByRole('heading', { level: 1, name: 'Registra una trucada o una visita' }).waitFor();
    assert.ok(await page.getByLabel('Trucada telefònica').isChecked(), 'a phone call is the default');
    await page.locator('#intake-theme option[value="lighting.streetlight-off"]').waitFor({ state: 'attached' });
    await assertAccessible(page, 'log a call');
    await page.locator('#intake-given').fill('Rosa');
    await page.locator('#intake-family').fill('Serra Vila');
    await page.locator('#intake-phone').fill('123');
    await page.locator('#intake-theme').selectOption('lighting.streetlight-off');
    assert.deepEqual(await page.locator('#intake-type option').evaluateAll((items) => items.map((item) => item.value)), ['incident', 'complaint']);
    await page.locator('#intake-description').fill('Truca per dir que el fanal de la cantonada fa tres dies que no s’encén.');
    await page.locator('#intake-address').fill('Carrer de Mallorca, 200');
    await page.locator('#intake-district').selectOption('2');
    await screenshot(page, 'new-request');
    await page.getByRole('button', { name: 'Obre la sol·licitud' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Alguns camps no són vàlids.' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /phone: phone_number/);

    await page.locator('#intake-phone').fill('612 000 111');
    await page.getByRole('button', { name: 'Obre la sol·licitud' }).click();
    await page.waitForURL(/\/requests\/BCN-2026-\d{6}$/);
    const reference = new URL(page.url()).pathname.split('/').pop();
    await page.getByRole('status').filter({ hasText: `S’ha obert la sol·licitud ${reference}.` }).waitFor();
    await page.locator('.request-head').waitFor();
    assert.equal(await fact(page, 'Canal').innerText(), 'Telèfon');
    assert.ok(await page.locator('.timeline-inbound', { hasText: 'fa tres dies que no s’encén' }).isVisible());
    const created = env.server.city.requests.find((request) => request.reference === reference);
    assert.equal(created.theme, 'lighting.streetlight-off');
    assert.equal(env.server.city.citizens.find((citizen) => citizen.citizen_id === created.citizen_id)?.display_name, 'Rosa Serra Vila');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('logs a visit for the citizen whose record is open', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/citizens/${env.server.city.citizens[1].citizen_id}`);
    await page.locator('#profile-title').waitFor();
    const name = await page.locator('h1').innerText();
    await page.getByRole('link', { name: 'Registra una trucada o visita' }).click();
    await page.getByText(`Per a ${name}.`).waitFor();
    assert.equal(await page.locator('#intake-phone').count(), 0, 'a known citizen needs no details typed');
    await page.getByLabel('Visita presencial').check();
    await page.locator('#intake-theme option[value="roads.loose-paving"]').waitFor({ state: 'attached' });
    await page.locator('#intake-theme').selectOption('roads.loose-paving');
    await page.locator('#intake-description').fill('Ve a la finestreta: hi ha panots moguts davant de l’escola.');
    await page.locator('#intake-address').fill('Carrer de Balmes, 110');
    await page.locator('#intake-district').selectOption('6');
    await page.getByRole('button', { name: 'Obre la sol·licitud' }).click();
    await page.waitForURL(/\/requests\/BCN-2026-\d{6}$/);
    await page.locator('.request-head').waitFor();
    assert.equal(await fact(page, 'Canal').innerText(), 'Presencial');
    await page.getByRole('link', { name: 'Obre la fitxa de la persona' }).click();
    await page.locator('#profile-title').waitFor();
    assert.equal(await page.locator('h1').innerText(), name);
    await page.context().close();
  });
});

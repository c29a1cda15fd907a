import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { OPEN311_MEDIA } from './fixtures.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start, TABLET } from './harness.mjs';

/** The value of the fact labelled `term` in the request's header. */
function fact(page, term) {
  return page.locator('.request-head .fact').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd');
}

async function references(page) {
  return page.locator('table.worklist-table tbody th a').allInnerTexts();
}

/** The first request on the worklist whose response channel is `channel`. */
async function requestAnsweredBy(page, env, channel) {
  for (const reference of (await references(page)).slice(0, 20)) {
    await page.goto(`${env.url}/requests/${reference}`);
    await page.locator('.request-head').waitFor();
    if ((await fact(page, 'Canal de resposta').innerText()) === channel) {
      return reference;
    }
  }
  throw new Error(`no request answered by ${channel} among the first 20`);
}

describe('request detail', () => {
  let env;
  before(async () => {
    env = await start();
  });
  after(async () => {
    await env.stop();
  });

  it('shows the header, timeline, back-office snapshots, duplicates and location', async () => {
    const page = await open(env);
    await signIn(page, env);
    const [reference] = await references(page);
    await page.locator('table.worklist-table tbody th a').first().click();
    await page.waitForURL(new RegExp(`/requests/${reference}$`));
    assert.equal(await page.locator('h1').innerText(), `Sol·licitud ${reference}`);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new screen');
    for (const term of ['Tema', 'Estat', 'Prioritat', 'Grup responsable', 'Venciment']) {
      assert.notEqual((await fact(page, term).innerText()).trim(), '', term);
    }
    assert.ok((await page.locator('.timeline-entry').count()) >= 1);
    assert.ok(await page.getByRole('heading', { name: 'Sistemes de gestió' }).isVisible());
    assert.ok(await page.getByRole('heading', { name: 'Possibles duplicats' }).isVisible());
    assert.ok(await page.getByRole('heading', { name: 'Ubicació' }).isVisible());
    await assertAccessible(page, 'request detail');
    await screenshot(page, 'request');
    await page.getByRole('link', { name: 'Torna a la safata de treball' }).click();
    await page.locator('table.worklist-table').waitFor();
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('links the photo an Open311 app hosts, to open in a new tab, and never fetches it', async () => {
    const page = await open(env);
    const outside = [];
    page.on('request', (request) => {
      if (new URL(request.url()).hostname === new URL(OPEN311_MEDIA).hostname) {
        outside.push(request.url());
      }
    });
    await signIn(page, env);
    await page.locator('#filter-channel').selectOption('open311');
    await page.waitForURL(/channel=open311/);
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('table.worklist-table tbody tr td:nth-child(3)')];
      return cells.length > 0 && cells.every((cell) => cell.textContent === 'Open311');
    });
    const [reference] = await references(page);
    await page.locator('table.worklist-table tbody th a').first().click();
    await page.waitForURL(new RegExp(`/requests/${reference}$`));
    await page.locator('.request-head').waitFor();
    assert.equal(await fact(page, /^Canal$/).innerText(), 'Open311');

    const link = page.locator('.timeline-inbound .timeline-media a');
    assert.equal(await link.count(), 1, 'the message from the app carries one link');
    assert.equal(await link.getAttribute('href'), `${OPEN311_MEDIA}${Number(reference.slice(-6))}.jpg`);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.equal(await link.innerText(), 'Imatge o fitxer enllaçat (fora de l’Ajuntament): fotos.app-veinal.example.com');
    assert.equal(await page.locator('.timeline img, .timeline iframe, .timeline object').count(), 0, 'nothing outside is embedded');
    assert.equal(await page.locator('.timeline-state_change .timeline-media, .timeline-system .timeline-media').count(), 0);
    const author = page.locator('.timeline-inbound .timeline-actor');
    assert.equal((await author.innerText()).trim(), '· per la persona', 'the citizen is named in words, never by id');
    assert.deepEqual(outside, [], 'the desktop asks the app’s server for nothing');
    await assertAccessible(page, 'request detail with an outside link');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('changes state only to an allowed one, with a reason, and records it', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.locator('table.worklist-table tbody th a').first().click();
    await page.locator('.request-head').waitFor();
    const before = await fact(page, 'Estat').innerText();
    const options = await page.locator('#transition-to option').allInnerTexts();
    assert.ok(options.length > 0);
    assert.ok(!options.includes(before), 'the current state is not offered');
    const entries = await page.locator('.timeline-entry').count();
    await page.locator('#transition-reason').fill('Revisat amb la brigada');
    await page.locator('#transition-to').selectOption({ label: options[0] });
    await page.getByRole('button', { name: 'Canvia l’estat' }).click();
    await page.getByRole('status').filter({ hasText: `L’estat ara és ${options[0]}.` }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('.timeline-entry').length > n, entries);
    await fact(page, 'Estat').filter({ hasText: new RegExp(`^${options[0]}$`) }).waitFor();
    assert.ok(await page.locator('.timeline-state_change').last().innerText().then((text) => text.includes('Revisat amb la brigada')));
    await page.context().close();
  });

  it('adds an internal note and sets the priority', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.locator('table.worklist-table tbody th a').nth(1).click();
    await page.locator('.request-head').waitFor();
    await page.locator('#note-text').fill('Trucat al veí: confirma que continua apagat.');
    await page.getByRole('button', { name: 'Afegeix la nota' }).click();
    await page.locator('.timeline-note', { hasText: 'Trucat al veí' }).waitFor();
    await page.locator('#priority-value').selectOption('urgent');
    await page.getByRole('button', { name: 'Desa la prioritat' }).click();
    await page.getByRole('status').filter({ hasText: 'La prioritat ara és Urgent.' }).waitFor();
    // the header follows once the request is read again
    await fact(page, 'Prioritat').filter({ hasText: /^Urgent$/ }).waitFor();
    await page.context().close();
  });

  it('replies by SMS with a live segment, encoding and cost counter', async () => {
    const page = await open(env);
    await signIn(page, env);
    await requestAnsweredBy(page, env, 'SMS');
    const counter = page.locator('#reply-counter');
    await page.locator('#reply-text').fill('Hem revisat el fanal i ja funciona.');
    await counter.filter({ hasText: 'GSM-7' }).waitFor();
    assert.match(await counter.innerText(), /1 segment\b/);
    await page.locator('#reply-text').fill('La sol·licitud està resolta; gràcies per avisar-nos.');
    await counter.filter({ hasText: 'UCS-2' }).waitFor();
    assert.ok(await page.getByText('fan que el missatge sigui UCS-2').isVisible());
    await page.locator('#reply-text').fill('La sol·licitud està resolta. '.repeat(3));
    await counter.filter({ hasText: '2 segments' }).waitFor();
    assert.match(await counter.innerText(), /€/);
    await page.locator('#reply-language').selectOption('es');
    await page.locator('#reply-template option').nth(1).waitFor({ state: 'attached' });
    await page.locator('#reply-template').selectOption({ index: 1 });
    const text = await page.locator('#reply-text').inputValue();
    assert.ok(text.length > 10, 'the template fills the message');
    await assertAccessible(page, 'reply box');
    await screenshot(page, 'request-reply');
    await page.getByRole('button', { name: 'Envia la resposta' }).click();
    await page.getByRole('status').filter({ hasText: 'Resposta enviada per SMS' }).waitFor();
    await page.locator('.timeline-outbound', { hasText: text.slice(0, 20) }).waitFor();
    assert.equal(await page.locator('#reply-text').inputValue(), '');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('shows a field error from the server without losing what was typed', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.locator('table.worklist-table tbody th a').first().click();
    await page.locator('.request-head').waitFor();
    await page.route('**/notes', (route) =>
      route.fulfill({
        status: 422,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'invalid_request', message: 'some fields break the rules', errors: [{ field: 'text', rule: 'too_long' }] }),
      }),
    );
    await page.locator('#note-text').fill('Nota massa llarga');
    await page.getByRole('button', { name: 'Afegeix la nota' }).click();
    const alert = page.locator('.action').getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Alguns camps no són vàlids\.[\s\S]*text: too_long/);
    assert.equal(await page.locator('#note-text').inputValue(), 'Nota massa llarga');
    await page.context().close();
  });

  it('says so when the request does not exist', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/requests/BCN-1999-999999`);
    await page.getByRole('alert').filter({ hasText: 'No s’ha trobat.' }).waitFor();
    await page.context().close();
  });

  it('works on a tablet', async () => {
    const page = await open(env, { viewport: TABLET });
    await signIn(page, env);
    await page.locator('table.worklist-table tbody th a').first().click();
    await page.locator('.request-head').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= TABLET.width, `no sideways scrolling (page is ${width}px wide)`);
    await assertAccessible(page, 'request detail on a tablet');
    await screenshot(page, 'request-tablet');
    await page.context().close();
  });
});

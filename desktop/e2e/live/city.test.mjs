// The desktop against the running local city (`make run`, or the city that
// tests/browser/ starts): a citizen's SMS comes in through the outside world, an agent
// finds the request it made, reads it, answers it and moves it on, and the answer
// leaves through the city's outbox; a file goes up to the bucket and comes back down.
// Run with FINESTRA_URL naming the city.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { ACCOUNTS, assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from '../harness.mjs';

if (!process.env.FINESTRA_URL) {
  throw new Error('live tests need FINESTRA_URL: the address of a running local city');
}

// A phone the demo city does not know yet: a known citizen's SMS would be threaded onto
// the request of theirs that awaits an answer instead of making a new one.
const CITIZEN_PHONE = process.env.FINESTRA_CITIZEN_PHONE ?? '+34611000099';
const GROUP = process.env.FINESTRA_GROUP ?? 'lighting';
const SMS_TEXT = "Fanal apagat al carrer de Mallorca 250: no s'encén des de fa tres nits.";
const REPLY_TEXT = 'Bon dia. La brigada revisara el fanal aquesta setmana. Gracies per avisar-nos.';
const REASON = 'Brigada assignada per a la revisio';
const FILE_BYTES = Buffer.from('%PDF-1.7\n% a photo of the street light, as a citizen sends it\n');
const REFERENCE = /\b[A-Z]{2,5}-\d{4}-\d{6}\b/;
const DEADLINE_MS = 60_000;

/** The value of the fact labelled `term` in the request's header. */
function fact(page, term) {
  return page.locator('.request-head .fact').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd');
}

async function outside(env, method, path, body = undefined) {
  const response = await fetch(`${env.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** What the city sent to `to` since `since`, polled until `found` picks something. */
async function sentTo(env, to, since, found) {
  const ends = Date.now() + DEADLINE_MS;
  const query = new URLSearchParams({ to, channel: 'sms', since: since.toISOString() });
  while (Date.now() < ends) {
    const { items } = await outside(env, 'GET', `/_local/outbox?${query}`);
    const hit = items.find(found);
    if (hit) {
      return hit;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the city sent ${to} nothing matching within ${DEADLINE_MS / 1000} s`);
}

describe('the desktop on the local city', () => {
  let env;
  let reference;
  let sent;
  before(async () => {
    env = await start();
    sent = new Date(Date.now() - 1_000);
    await outside(env, 'POST', '/_local/sms', { from: CITIZEN_PHONE, text: SMS_TEXT });
    const ack = await sentTo(env, CITIZEN_PHONE, sent, (message) => REFERENCE.test(message.text));
    reference = ack.text.match(REFERENCE)[0];
  });
  after(async () => {
    await env?.stop();
  });

  it('finds the request an SMS just made, reads it, answers it and moves it on', async () => {
    const page = await open(env);
    await page.goto(`${env.url}/`);
    await assertAccessible(page, 'sign-in (live)');
    await signIn(page, env, ACCOUNTS.agent, { rows: false });
    await page.locator('#group').selectOption(GROUP);
    await page.waitForURL(new RegExp(`group=${GROUP}`));
    await page.locator('#filter-q').fill(reference);
    await page.locator('#filter-q').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === reference);
    await page.waitForFunction(
      (wanted) => {
        const rows = [...document.querySelectorAll('table.worklist-table tbody th a')];
        return rows.length === 1 && rows[0].textContent === wanted;
      },
      reference,
      { timeout: DEADLINE_MS },
    );
    const row = page.locator('table.worklist-table tbody tr').first();
    await assertAccessible(page, 'worklist (live)');
    await screenshot(page, 'live-worklist');

    await row.locator('th a').click();
    await page.waitForURL(new RegExp(`/requests/${reference}$`));
    await page.locator('.request-head').waitFor();
    assert.equal(await page.locator('h1').innerText(), `Sol·licitud ${reference}`);
    assert.equal(await fact(page, 'Canal de resposta').innerText(), 'SMS');
    assert.match(await fact(page, 'Grup responsable').innerText(), /\S/);
    const inbound = page.locator('.timeline-inbound').first();
    assert.ok((await inbound.innerText()).includes('Fanal apagat al carrer de Mallorca 250'), 'the SMS is on the timeline');
    const snapshots = page.locator('section[aria-labelledby=snapshots-title] .snapshot');
    await snapshots.first().waitFor();
    assert.ok((await snapshots.count()) >= 1, 'the back office was asked about the request');
    assert.match(await snapshots.first().locator('.snapshot-head').innerText(), /\S/);
    await assertAccessible(page, 'request detail (live)');
    await screenshot(page, 'live-request');

    await page.locator('#reply-text').fill(REPLY_TEXT);
    await page.locator('#reply-counter').filter({ hasText: 'GSM-7' }).waitFor();
    assert.match(await page.locator('#reply-counter').innerText(), /1 segment\b/);
    await page.getByRole('button', { name: 'Envia la resposta' }).click();
    await page.getByRole('status').filter({ hasText: 'Resposta enviada per SMS' }).waitFor({ timeout: DEADLINE_MS });
    await page.locator('.timeline-outbound', { hasText: 'La brigada revisara el fanal' }).waitFor();
    const reply = await sentTo(env, CITIZEN_PHONE, sent, (message) => message.text.includes('La brigada revisara el fanal'));
    assert.equal(reply.encoding, 'GSM-7');
    assert.equal(reply.segments, 1);

    const attached = 'veina-fanal.pdf';
    await page.locator('#files-pick').setInputFiles({ name: attached, mimeType: 'application/pdf', buffer: FILE_BYTES });
    await page.getByRole('button', { name: 'Puja el fitxer' }).click();
    await page.getByRole('status').filter({ hasText: `S’ha afegit ${attached} a la sol·licitud.` }).waitFor({ timeout: DEADLINE_MS });
    const file = page.locator('section[aria-labelledby=files-title] tbody tr', { hasText: attached });
    await file.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: DEADLINE_MS }),
      file.getByRole('button', { name: `Obre ${attached}` }).click(),
    ]);
    assert.equal(download.suggestedFilename(), attached);
    assert.deepEqual(await readFile(await download.path()), FILE_BYTES, 'the bucket gives back what was uploaded');

    const state = await fact(page, 'Estat').innerText();
    const options = await page.locator('#transition-to option').allInnerTexts();
    assert.ok(options.length > 0, 'the request can move on');
    assert.ok(!options.includes(state), 'the current state is not offered');
    const changes = await page.locator('.timeline-state_change').count();
    await page.locator('#transition-to').selectOption({ label: options[0] });
    await page.locator('#transition-reason').fill(REASON);
    await page.getByRole('button', { name: 'Canvia l’estat' }).click();
    await page.getByRole('status').filter({ hasText: `L’estat ara és ${options[0]}.` }).waitFor({ timeout: DEADLINE_MS });
    await page.locator('.timeline-state_change', { hasText: REASON }).waitFor();
    assert.equal(await page.locator('.timeline-state_change').count(), changes + 1);
    assert.match(await page.locator('.timeline-state_change').last().innerText(), new RegExp(`→ ${options[0]}`));
    assert.equal(await fact(page, 'Estat').innerText(), options[0]);
    const change = page.locator('.timeline-state_change').last();
    assert.equal(await change.locator('.timeline-channel').count(), 0, 'an internal entry names no channel');
    assert.equal((await change.locator('.timeline-actor').innerText()).trim(), `· per ${ACCOUNTS.agent.username}`);

    await page.getByRole('link', { name: 'Obre la fitxa de la persona' }).click();
    await page.locator('#profile-title').waitFor();
    const requests = await page.locator('section[aria-labelledby=citizen-requests-title] tbody th a').allInnerTexts();
    assert.ok(requests.includes(reference), 'the citizen 360 lists the new request');
    await assertAccessible(page, 'citizen 360 (live)');
    await screenshot(page, 'live-citizen');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('finds the citizen by phone and speaks Spanish and English on request', async () => {
    const page = await open(env);
    await signIn(page, env, ACCOUNTS.agent, { rows: false });
    await page.getByRole('link', { name: 'Cerca una persona' }).click();
    await page.locator('#search-value').waitFor();
    await page.locator('#search-by').selectOption('phone');
    await page.locator('#search-value').fill(CITIZEN_PHONE);
    await page.locator('#search-value').press('Enter');
    const hits = page.locator('section.results table tbody th a');
    await hits.first().waitFor({ timeout: DEADLINE_MS });
    assert.equal(await hits.count(), 1, 'one citizen has that phone');
    assert.ok(!page.url().includes(CITIZEN_PHONE.slice(1)), 'the phone number stays out of the address bar');
    await assertAccessible(page, 'search (live)');
    await screenshot(page, 'live-search');
    await hits.first().click();
    await page.locator('#profile-title').waitFor();
    const requests = await page.locator('section[aria-labelledby=citizen-requests-title] tbody th a').allInnerTexts();
    assert.deepEqual(requests, [reference], 'the citizen behind the phone made this one request');

    await page.locator('#language').selectOption('es');
    await page.getByRole('link', { name: 'Buscar una persona' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.locator('#language').selectOption('en');
    await page.getByRole('link', { name: 'Find a citizen' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await assertAccessible(page, 'search in English (live)');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

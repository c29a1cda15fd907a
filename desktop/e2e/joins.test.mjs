import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, signIn, start } from './harness.mjs';

const PRINCIPAL = 'BCN-2026-000900';
const JOINED = 'BCN-2026-000901';
const PHONE = '+34611223344';
const EMAIL = 'oliver.hart@example.org';

/** Two potholes 15 m apart: Montse's by SMS in Spanish, Oliver's by email in English. */
function givenTwoApplicants(city) {
  const model = city.requests.find((request) => request.group === 'paving');
  const citizen = (serial, language, contact) => ({
    citizen_id: `cit_01JQ8ZJOIN${String(serial).padStart(16, '0')}`,
    display_name: null,
    kind: 'provisional',
    district: '2',
    neighbourhood: model.neighbourhood,
    languages: [language],
    contacts: [contact],
    consents: [],
  });
  const montse = citizen(1, 'es', { kind: 'phone', value: PHONE, verified: true });
  const oliver = citizen(2, 'en', { kind: 'email', value: EMAIL, verified: true });
  city.citizens.push(montse, oliver);
  const now = Date.now();
  const request = (reference, who, fields) => ({
    ...model,
    reference,
    citizen_id: who.citizen_id,
    district: '2',
    group: 'paving',
    received_at: new Date(now - 3_600_000).toISOString(),
    due_at: new Date(now + 48 * 3_600_000).toISOString(),
    location: { ...model.location, lat: 41.3874, lon: 2.1686, district: '2' },
    attachments: [],
    snapshots: [],
    duplicates: [],
    timeline: [],
    ...fields,
  });
  const principal = request(PRINCIPAL, montse, { state: 'pending_answer', language: 'es', response_channel: 'sms', channel: 'sms' });
  const joined = request(JOINED, oliver, {
    state: 'pending_validation',
    language: 'en',
    response_channel: 'email',
    channel: 'email',
    location: { ...model.location, lat: 41.38753, lon: 2.1686, district: '2' },
    duplicates: [{ reference: PRINCIPAL, state: 'pending_answer', distance_m: 14.5, received_at: principal.received_at }],
  });
  city.requests.push(principal, joined);
}

describe('joining similar requests', () => {
  let env;
  before(async () => {
    env = await start({});
    givenTwoApplicants(env.server.city);
  });
  after(async () => {
    await env.stop();
  });

  it('joins a duplicate candidate, and closing the principal answers both applicants on their channels', async () => {
    const page = await open(env);
    await signIn(page, env);
    await page.goto(`${env.url}/requests/${JOINED}`);
    await page.locator('.request-head').waitFor();
    await page.getByRole('button', { name: `Uneix-la a aquesta: ${PRINCIPAL}` }).click();
    await page.getByRole('status').filter({ hasText: `Sol·licitud unida a ${PRINCIPAL}.` }).waitFor();
    const links = page.locator('section.links');
    await links.getByRole('link', { name: PRINCIPAL }).waitFor();
    assert.ok(await links.getByText(`Aquesta sol·licitud segueix la ${PRINCIPAL}`).isVisible());
    await assertAccessible(page, 'request detail with links');

    await page.goto(`${env.url}/requests/${PRINCIPAL}`);
    await page.locator('section.links').getByRole('link', { name: JOINED }).waitFor();
    await page.locator('#transition-to').selectOption({ label: 'Tancada' });
    await page.locator('#transition-reason').fill('Forat reparat');
    await page.getByRole('button', { name: 'Canvia l’estat' }).click();
    await page.getByRole('status').filter({ hasText: 'L’estat ara és Tancada.' }).waitFor();

    const sent = env.server.outbox;
    assert.equal(sent.length, 2);
    const sms = sent.find((message) => message.channel === 'sms');
    const mail = sent.find((message) => message.channel === 'email');
    assert.deepEqual([sms.reference, sms.to, sms.language], [PRINCIPAL, PHONE, 'es']);
    assert.match(sms.text, /ya está resuelta/);
    assert.deepEqual([mail.reference, mail.to, mail.language], [JOINED, EMAIL, 'en']);
    assert.match(mail.text, /has been resolved/);
    const joined = env.server.city.requests.find((request) => request.reference === JOINED);
    assert.equal(joined.state, 'closed');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

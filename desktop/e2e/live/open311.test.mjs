// An Open311 client app against the running local city: it reads the GeoReport v2
// services, files a request with a link to a photo it hosts, and reads the request back
// as open; the Eixample agent then finds the request in the desktop once the workflow
// has routed it, and reads it: input channel Open311, the citizen's words, and the photo
// as a link out of the city, never an image. Run with FINESTRA_URL naming the city and
// FINESTRA_OPEN311_KEY the api_key of a client app it registered (`make run` prints it).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ACCOUNTS, assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from '../harness.mjs';

if (!process.env.FINESTRA_URL) {
  throw new Error('live tests need FINESTRA_URL: the address of a running local city');
}
if (!process.env.FINESTRA_OPEN311_KEY) {
  throw new Error('the Open311 live test needs FINESTRA_OPEN311_KEY: the api_key of a client app the city registered');
}

const API_KEY = process.env.FINESTRA_OPEN311_KEY;
const GEOREPORT = '/api/open311/v2';
// Street lighting routes by district: its requests go to the lighting group or to the
// group's branch for the district, and the Eixample agent works both in Eixample. The
// point is on Carrer de Mallorca, in Eixample, so either way the request reaches them.
const GROUP = process.env.FINESTRA_GROUP ?? 'lighting';
const SERVICE = process.env.FINESTRA_OPEN311_SERVICE ?? 'lighting.streetlight-off';
const POINT = { lat: '41.3935', long: '2.1634' };
const RUN = Date.now().toString(36);
const DESCRIPTION = `El fanal davant del número 212 del carrer de Mallorca no s'encén (avís ${RUN}).`;
const EMAIL = `open311.${RUN}@example.org`;
const MEDIA_URL = `https://fotos.app-veinal.example.com/avisos/${RUN}.jpg`;
const DEADLINE_MS = 60_000;

/** The value of the fact labelled exactly `term` in the request's header. */
function fact(page, term) {
  const label = page.locator('dt', { hasText: new RegExp(`^${term}$`) });
  return page.locator('.request-head .fact').filter({ has: label }).locator('dd');
}

async function georeport(env, method, path, form = undefined) {
  const response = await fetch(`${env.url}${GEOREPORT}${path}`, {
    method,
    headers: {
      'Accept-Language': 'ca',
      ...(form === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded', 'Idempotency-Key': `live-open311-${RUN}` }),
    },
    body: form === undefined ? undefined : new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.json() };
}

/** The request as the client app reads it, asked again until the city answers 200. */
async function filed(env, id) {
  const ends = Date.now() + DEADLINE_MS;
  for (;;) {
    const { status, body } = await georeport(env, 'GET', `/requests/${encodeURIComponent(id)}.json`);
    if (status === 200) {
      return body;
    }
    if (Date.now() > ends) {
      throw new Error(`requests/${id}.json answered ${status} for ${DEADLINE_MS / 1000} s: ${JSON.stringify(body)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Reload the worklist, searched for `reference`, until the workflow has routed it there. */
async function routedInto(page, reference) {
  const ends = Date.now() + DEADLINE_MS;
  for (;;) {
    await page.locator('#results-title').waitFor();
    const rows = await page.locator('table.worklist-table tbody th a').allInnerTexts();
    if (rows.length === 1 && rows[0] === reference) {
      return page.locator('table.worklist-table tbody tr').first();
    }
    if (Date.now() > ends) {
      throw new Error(`${reference} was not on the ${GROUP} worklist within ${DEADLINE_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await page.reload();
  }
}

describe('an Open311 request on the local city', () => {
  let env;
  let service;
  let reference;
  before(async () => {
    env = await start();
    const services = await georeport(env, 'GET', '/services.json');
    assert.equal(services.status, 200, JSON.stringify(services.body));
    service = services.body.find((item) => item.service_code === SERVICE);
    assert.ok(service, `services.json offers ${SERVICE}`);
  });
  after(async () => {
    await env?.stop();
  });

  it('is filed by a client app and read back as open', async () => {
    const posted = await georeport(env, 'POST', '/requests.json', {
      api_key: API_KEY,
      service_code: service.service_code,
      ...POINT,
      description: DESCRIPTION,
      email: EMAIL,
      media_url: MEDIA_URL,
    });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const [opened] = posted.body;
    assert.match(opened.service_request_id, /\b[A-Z]{2,5}-\d{4}-\d{6}\b/);
    reference = opened.service_request_id;

    const [read] = await filed(env, reference);
    assert.equal(read.service_request_id, reference);
    assert.equal(read.status, 'open');
    assert.equal(read.service_code, SERVICE);
    assert.equal(read.description, null, 'the public list never shows the citizen’s words');
  });

  it('is routed to the agent, who reads its channel, words and photo link in the desktop', async () => {
    assert.ok(reference, 'the client app filed the request');
    const page = await open(env);
    await signIn(page, env, ACCOUNTS.agent, { rows: false });
    await page.locator('#group').selectOption(GROUP);
    await page.waitForURL(new RegExp(`group=${GROUP}`));
    await page.locator('#filter-q').fill(reference);
    await page.locator('#filter-q').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === reference);
    const row = await routedInto(page, reference);

    await row.locator('th a').click();
    await page.waitForURL(new RegExp(`/requests/${reference}$`));
    await page.locator('.request-head').waitFor();
    assert.equal(await page.locator('h1').innerText(), `Sol·licitud ${reference}`);
    assert.equal(await fact(page, 'Canal').innerText(), 'Open311');
    assert.ok((await fact(page, 'Tema').innerText()).includes(service.service_name), 'the theme is the service posted');
    assert.match(await fact(page, 'Grup responsable').innerText(), /\S/);
    assert.equal(await page.locator('.request-head .description').innerText(), DESCRIPTION);
    const inbound = page.locator('.timeline-inbound').first();
    assert.ok((await inbound.innerText()).includes(DESCRIPTION), 'the post is the first message on the timeline');

    const link = inbound.locator('.timeline-media a');
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), MEDIA_URL);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.match(await link.innerText(), /fora de l’Ajuntament\): fotos\.app-veinal\.example\.com$/);
    assert.equal(await page.locator('.timeline img').count(), 0, 'the photo is linked, not shown');
    await assertAccessible(page, 'Open311 request (live)');
    await screenshot(page, 'live-open311');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

// The advanced search screen against the mock: filters, the list and the map, opening a
// request from the map, the CSV export (recorded, without personal data), and the
// message of a search that names none of the indexed filters.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';
import { exports } from './mock-search.mjs';

const FINAL = ['closed', 'cancelled', 'not_processed'];

async function openSearch(page) {
  await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Cerca avançada' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cerca avançada' }).waitFor();
}

function searchCalls(env) {
  return env.server.calls.filter((call) => call.path === '/api/desk/v1/requests/search');
}

describe('advanced search', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('finds a group’s requests in a district, shows them on the map and opens one from it', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openSearch(page);

    await page.locator('#as-group').selectOption('paving');
    await page.locator('#as-district').selectOption('2');
    await page.getByRole('button', { name: 'Cerca', exact: true }).click();
    await page.waitForURL('**/advanced-search?state=open&district=2&group=paving');
    const rows = page.locator('table.search-table tbody tr');
    await rows.first().waitFor();

    const expected = env.server.city.requests
      .filter((request) => request.group === 'paving' && request.district === '2' && !FINAL.includes(request.state))
      .map((request) => request.reference)
      .sort();
    const shown = (await rows.locator('th[scope=row]').allInnerTexts()).sort();
    assert.deepEqual(shown, expected);
    assert.ok(searchCalls(env).length >= 1);
    await assertAccessible(page, 'advanced search list');

    await page.getByRole('button', { name: 'Mapa', exact: true }).click();
    const map = page.locator('section.search-map svg');
    await map.waitFor();
    const markers = map.locator('a[data-reference]');
    assert.equal(await markers.count(), expected.length);
    assert.equal(await page.locator('ul.search-map-list li').count(), expected.length);
    await assertAccessible(page, 'advanced search map');
    await screenshot(page, 'advanced-search-map');

    const chosen = await markers.first().getAttribute('data-reference');
    await markers.first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/requests/${chosen}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(chosen) }).waitFor();
    assertNoPageErrors(page);
  });

  it('exports the search as a CSV with a byte-order mark and no personal data, recorded', async () => {
    const page = await open(env);
    await signIn(page, env);
    await openSearch(page);
    await page.locator('#as-group').selectOption('lighting');
    await page.locator('#as-address').fill('Carrer');
    await page.getByRole('button', { name: 'Cerca', exact: true }).click();
    await page.locator('table.search-table tbody tr').first().waitFor();
    const before = exports.length;

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporta CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'finestra-requests.csv');
    const bytes = await readFile(await download.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark');
    const text = bytes.toString('utf8');
    const lighting = env.server.city.requests.filter((request) => request.group === 'lighting');
    for (const request of lighting.slice(0, 5)) {
      assert.ok(!text.includes(request.description), 'no message text in the export');
      assert.ok(!text.includes(request.location.address), 'no address in the export');
    }
    assert.equal(exports.length, before + 1);
    assert.deepEqual(exports.at(-1).filters, { state: 'open', address: true, group: 'lighting' });
    assertNoPageErrors(page);
  });

  it('says which filters a search needs when it names none of them', async () => {
    const page = await open(env, { language: 'en' });
    await signIn(page, env);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Advanced search' }).click();
    await page.getByRole('heading', { level: 1, name: 'Advanced search' }).waitFor();

    await page.locator('#as-district').selectOption('2');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /needs a group, an SLA state or an applicant/);
    assert.equal(await page.locator('table.search-table').count(), 0);
    await assertAccessible(page, 'advanced search refused');
    assertNoPageErrors(page);
  });
});

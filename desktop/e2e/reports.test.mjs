// The reports screen against a mock of its own: a range of days and a dimension, the
// table and its chart, the CSV download, and who may read reports at all.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { STAFF } from './fixtures.mjs';
import { ACCOUNTS, assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

const ADMIN = STAFF.find((member) => member.roles.includes('administrator'));
const CITY_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The day `days` before today on the city's calendar. */
function cityDay(days = 0) {
  return CITY_DAY.format(new Date(Date.now() - days * 86_400_000));
}

function reportCalls(env) {
  return env.server.calls.filter((call) => call.path === '/api/desk/v1/reports');
}

async function openReports(page) {
  await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Informes' }).click();
  await page.getByRole('heading', { level: 1, name: 'Informes' }).waitFor();
}

describe('reports', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('shows a range of days by group as a table and a chart, and downloads the same as CSV', async () => {
    const page = await open(env);
    await signIn(page, env, ADMIN);
    await openReports(page);
    await page.locator('table.report-table tbody tr').first().waitFor();

    const [from, to] = [cityDay(6), cityDay(0)];
    await page.locator('#report-from').fill(from);
    await page.locator('#report-to').fill(to);
    await page.locator('#report-by').selectOption('group');
    await page.getByRole('button', { name: 'Mostra', exact: true }).click();
    await page.waitForURL(`**/reports?from=${from}&to=${to}&by=group`);
    const table = page.locator('table.report-table');
    await table.locator('tbody tr[data-value=paving]').waitFor();

    const received = env.server.city.requests.filter((request) => {
      const day = CITY_DAY.format(new Date(request.received_at));
      return day >= from && day <= to;
    });
    const names = await table.locator('tbody th[scope=row]').allInnerTexts();
    assert.deepEqual(names.sort(), ['Enllumenat públic', 'Paviment i via pública']);
    const totals = await table.locator('tfoot td').allInnerTexts();
    assert.equal(totals[0], String(received.length));
    const lighting = received.filter((request) => request.group === 'lighting').length;
    assert.equal(await table.locator('tbody tr[data-value=lighting] td').first().innerText(), String(lighting));
    assert.match(await page.locator('#report-title').innerText(), /^Grup responsable, del \d+ de/);

    const chart = page.getByRole('figure', { name: 'Sol·licituds obertes i tancades per grup responsable' }).locator('svg[role=img]');
    assert.equal(await chart.locator('g[data-value]').count(), 2);
    const labels = await chart.locator('g[data-value=lighting] text').allTextContents();
    assert.deepEqual(labels, ['Enllumenat públic', `${lighting} obertes`, labels[2]]);
    assert.match(labels[2], /^\d+ tancades$/);
    const name = await chart.getAttribute('aria-labelledby');
    assert.ok(name && name.split(' ').length === 2, 'the chart is named by its caption and its description');
    await assertAccessible(page, 'reports');
    await screenshot(page, 'reports-by-group');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Baixa el CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `finestra-report-group-${from}-${to}.csv`);
    const bytes = await readFile(await download.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark');
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    assert.equal(lines[0], 'Codi;Nom;Obertes;Tancades;Tancades dins del termini;Tancades fora de termini;Reobertes;Dies de tancament (mitjana);Compliment del termini (%)');
    assert.ok(lines.some((line) => line.startsWith(`lighting;Enllumenat públic;${lighting};`)));
    assert.equal(lines.at(-1).split(';').slice(0, 3).join(';'), `;Total;${received.length}`);
    const asked = reportCalls(env).at(-1);
    assert.equal(asked.username, ADMIN.username);
    assertNoPageErrors(page);
  });

  it('refuses reversed days on the screen without asking the API, and names figures in English', async () => {
    const page = await open(env, { language: 'en', locale: 'en-GB' });
    await signIn(page, env, ADMIN);
    await page.goto(`${env.url}/reports?from=${cityDay(6)}&to=${cityDay(0)}&by=channel`);
    await page.locator('table.report-table tbody tr').first().waitFor();
    const asked = reportCalls(env).length;

    assert.match(await page.locator('#report-title').innerText(), /^Channel, \d+ \w+ \d{4} to \d+ \w+ \d{4}$/);
    const channels = await page.locator('table.report-table tbody th[scope=row]').allInnerTexts();
    assert.ok(channels.includes('Phone') && channels.includes('Social media'), channels.join(', '));
    await page.locator('#report-from').fill(cityDay(0));
    await page.locator('#report-to').fill(cityDay(6));
    await page.getByRole('button', { name: 'Show', exact: true }).click();

    await page.getByRole('alert').filter({ hasText: 'The first day comes after the last one.' }).waitFor();
    assert.equal(reportCalls(env).length, asked);
    await assertAccessible(page, 'reports with reversed days');
    assertNoPageErrors(page);
  });

  it('offers agents no reports, and the API refuses them', async () => {
    const page = await open(env);
    await signIn(page, env, ACCOUNTS.agent);
    const nav = page.getByRole('navigation', { name: 'Principal' });
    assert.equal(await nav.getByRole('link', { name: 'Informes' }).count(), 0);

    await page.goto(`${env.url}/reports`);
    await page.getByRole('alert').filter({ hasText: 'Només les persones supervisores i administradores consulten els informes.' }).waitFor();
    const signedIn = await fetch(`${env.url}/_local/cognito-idp/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: ACCOUNTS.agent.username, PASSWORD: ACCOUNTS.agent.password } }),
    }).then((answer) => answer.json());
    const answer = await fetch(`${env.url}/api/desk/v1/reports?from=2026-03-01&to=2026-03-31&by=theme`, {
      headers: { Authorization: `Bearer ${signedIn.AuthenticationResult.IdToken}` },
    });
    const status = [answer.status, (await answer.json()).code];
    assert.deepEqual(status, [403, 'forbidden']);
    await assertAccessible(page, 'reports refused');
    assertNoPageErrors(page);
  });
});

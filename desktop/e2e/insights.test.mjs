// Insights and survey results against a mock of their own: the values that differ from the
// city with their p-values, the chart drawn by the lazily loaded chart library and its table,
// "not enough data" below the minimum sample, and the open-data download.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { MANAGER, signInAs, SUPERVISOR } from './engage.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, start } from './harness.mjs';

describe('insights', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('shows the districts that differ, a chart against the city and the same figures as a table', async () => {
    const page = await open(env);
    const scripts = [];
    page.on('request', (request) => request.url().endsWith('.js') && scripts.push(request.url()));
    await signInAs(page, env, MANAGER);
    assert.ok(!scripts.some((url) => url.includes('chartSetup')), 'the chart library is not in the first load');

    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Anàlisi' }).click();
    await page.getByRole('heading', { level: 1, name: 'Anàlisi' }).waitFor();
    await page.locator('#insight-metric').selectOption('breach_rate');
    await page.getByRole('button', { name: 'Compara', exact: true }).click();
    await page.waitForURL('**/insights?*metric=breach_rate*');

    const differing = page.locator('#insight-differences tbody tr');
    await differing.first().waitFor();
    const rows = await differing.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th').textContent, tr.dataset.status, tr.children[2].textContent]));
    assert.deepEqual(rows, [
      ['Ciutat Vella', 'higher', '< 0,001'],
      ['Gràcia', 'lower', '0,004'],
    ]);
    assert.match(await page.locator('.city-figure').innerText(), /20\s%/);

    const chart = page.locator('[data-chart=insight-chart]');
    await page.locator('[data-chart=insight-chart][data-state=ready]').waitFor();
    assert.ok(scripts.some((url) => url.includes('chartSetup')), 'the chart library loads with the first chart');
    const drawn = await page.locator('#insight-chart').evaluate((canvas) => canvas.width > 0 && canvas.height > 0);
    assert.ok(drawn);
    assert.match(await chart.getByRole('img').getAttribute('aria-label'), /2 valors es diferencien/);

    const all = page.locator('#insight-all tbody tr');
    assert.equal(await all.count(), 10);
    const small = page.locator('#insight-all tbody tr[data-value="9"]');
    assert.equal(await small.getAttribute('data-status'), 'not_enough');
    assert.match(await small.innerText(), /No hi ha prou dades/);
    await assertAccessible(page, 'insights');
    await screenshot(page, 'insights');

    const tooLong = page.locator('#open-data-since');
    await tooLong.fill('2026-01-01');
    await page.locator('#open-data-until').fill('2026-03-01');
    assert.ok(await page.getByRole('button', { name: 'Baixa el CSV' }).isDisabled());
    await page.locator('#open-data-until').fill('2026-01-31');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Baixa el CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'finestra-open-data-2026-01-01-2026-01-31.csv');
    const csv = await readFile(await download.path(), 'utf8');
    assert.match(csv, /^reference,theme_code,district_code/);
    assertNoPageErrors(page);
  });

  it('shows every value with all its figures, the whole city last, sorted by a column and as CSV', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    await page.goto(`${env.url}/insights?dimension=district&metric=breach_rate&since=2026-01-01&until=2026-03-31`);
    const table = page.locator('#insight-every');
    const body = table.locator('tbody tr');
    await body.first().waitFor();

    assert.match(await table.locator('caption').innerText(), /Xifres de cada valor/);
    assert.equal(await body.count(), 11);
    const names = () => body.evaluateAll((trs) => trs.map((tr) => tr.querySelector('th[scope=row]').textContent));
    const byName = await names();
    assert.equal(byName[0], 'Ciutat Vella');
    assert.ok(byName.includes('Sense valor'), 'requests without a district have a row of their own');
    assert.equal(await table.locator('thead th[scope=col]').count(), 11);
    assert.equal(await table.locator('thead th[aria-sort=ascending]').getAttribute('data-column'), 'name');

    const city = table.locator('tfoot tr');
    assert.equal(await city.locator('th[scope=row]').innerText(), 'Tota la ciutat');
    assert.equal(await city.locator('td[data-column=opened]').innerText(), '5.707');
    assert.match(await city.locator('td[data-column=breach_rate]').innerText(), /^20\s%$/);
    const none = table.locator('tbody tr[data-value=none]');
    assert.equal(await none.locator('td[data-column=population]').innerText(), '');
    assert.equal(await none.locator('td[data-column=satisfaction]').innerText(), '');
    assert.match(await table.locator('tbody tr[data-value="1"] td[data-column=median_resolution_hours]').innerText(), /^20\sh$/);

    const opened = table.locator('thead th[data-column=opened]');
    await opened.getByRole('button').click();
    assert.equal(await opened.getAttribute('aria-sort'), 'descending');
    assert.equal(await table.locator('thead th[data-column=name]').getAttribute('aria-sort'), 'none');
    assert.deepEqual((await names()).slice(0, 2), ['Sant Martí', 'Sant Andreu']);
    await opened.getByRole('button').click();
    assert.equal(await opened.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual((await names()).slice(0, 2), ['Sense valor', 'Ciutat Vella']);
    assert.equal(await city.locator('th[scope=row]').innerText(), 'Tota la ciutat', 'the city stays last');
    await assertAccessible(page, 'insights every value');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Baixa la taula en CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'finestra-insights-district-2026-01-01-2026-03-31.csv');
    const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
    assert.equal(lines.length, 13);
    assert.match(lines[0], /^Codi,Districte,Obertes,Tancades,Residents,/);
    assert.match(lines[1], /^none,Sense valor,7,6,,,,,,,,/);
    assert.match(lines[12], /^,Tota la ciutat,5707,/);

    await page.locator('#insight-dimension').selectOption('channel');
    await page.getByRole('button', { name: 'Compara', exact: true }).click();
    await page.locator('#insight-every tbody tr[data-value=sms]').waitFor();
    assert.equal(await body.count(), 4);
    assert.equal(await page.locator('#insight-every tbody tr[data-value=email] th').innerText(), 'Correu electrònic');
    assertNoPageErrors(page);
  });

  it('lets supervisors read the insights', async () => {
    const page = await open(env, { language: 'en' });
    await signInAs(page, env, SUPERVISOR);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
    await page.locator('#insight-all tbody tr').first().waitFor();
    assert.match(await page.locator('#insight-all').innerText(), /Eixample/);
    assertNoPageErrors(page);
  });

  it('shows a survey’s results as charts with their tables', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    await page.goto(`${env.url}/surveys/srv_parks/results`);
    await page.getByRole('heading', { level: 1, name: 'Resultats de Parcs del barri' }).waitFor();
    const cards = page.locator('section.result');
    assert.equal(await cards.count(), 3);
    await page.locator('[data-chart=result-0-chart][data-state=ready]').waitFor();
    const ratings = await cards.nth(0).locator('table.result-table tbody td').allInnerTexts();
    assert.deepEqual(ratings, ['2', '3', '8', '15', '12']);
    const choices = await cards.nth(1).locator('table.result-table tbody th').allInnerTexts();
    assert.deepEqual(choices, ['Ombra', 'Fonts', 'Jocs infantils']);
    assert.match(await cards.nth(2).innerText(), /llista de paraules/);
    assert.match(await cards.nth(2).innerText(), /Positiu/);
    await assertAccessible(page, 'survey results');
    await screenshot(page, 'survey-results');
    assertNoPageErrors(page);
  });
});

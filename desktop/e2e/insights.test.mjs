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

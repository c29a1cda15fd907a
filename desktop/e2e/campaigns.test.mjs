// The campaign side against a mock of its own: who sees it, a segment's live preview, and
// a campaign composed in Catalan (UCS-2 and its cost), estimated, launched, paused and resumed.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AGENT, MANAGER, navNames, signInAs, SUPERVISOR } from './engage.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, start, TABLET } from './harness.mjs';

const PREVIEW = '/api/desk/v1/segments/preview';
const MESSAGE = 'Participeu en la votació dels pressupostos del barri: col·laboreu-hi abans del divendres.';

describe('campaigns', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('shows each role its part of the navigation', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    assert.deepEqual(await navNames(page), ['Segments', 'Campanyes', 'Enquestes', 'Anàlisi']);
    await page.getByRole('heading', { level: 1, name: 'Campanyes' }).waitFor();
    await assertAccessible(page, 'campaigns list');

    const agent = await open(env);
    await signInAs(agent, env, AGENT);
    assert.deepEqual(await navNames(agent), ['Safata de treball', 'Cerca una persona', 'Cerca avançada']);

    const supervisor = await open(env);
    await signInAs(supervisor, env, SUPERVISOR);
    assert.ok((await navNames(supervisor)).includes('Anàlisi'));
    assert.ok(!(await navNames(supervisor)).includes('Campanyes'));
    assertNoPageErrors(page);
  });

  it('previews a segment while it is edited, then saves it', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('link', { name: 'Segment nou' }).click();
    await page.getByRole('heading', { level: 1, name: 'Segment nou' }).waitFor();
    const count = page.locator('.preview-count');
    await count.waitFor();
    const whole = Number(await count.getAttribute('data-count'));
    assert.equal(whole, 400);

    const before = env.server.calls.filter((call) => call.path === PREVIEW).length;
    await page.getByRole('checkbox', { name: 'Eixample' }).check();
    await page.getByRole('checkbox', { name: 'SMS' }).first().check();
    await page.locator('.preview-live[data-counting=false] .preview-count').waitFor();
    await page.waitForFunction((all) => Number(document.querySelector('.preview-count')?.dataset.count) < all, whole);
    const narrowed = Number(await count.getAttribute('data-count'));
    assert.ok(narrowed > 0 && narrowed < whole);
    const asked = env.server.calls.filter((call) => call.path === PREVIEW).length - before;
    assert.ok(asked >= 1 && asked <= 2, `the preview is debounced (asked ${asked} times)`);
    const districts = await page.locator('.preview-sample tbody td:nth-child(2)').allInnerTexts();
    assert.ok(districts.length > 0 && districts.every((name) => name === 'Eixample'));
    assert.match(await page.locator('.preview-cost').innerText(), /lectures/);
    assert.equal(await page.locator('td[data-reach="sms:campaigns"]').innerText(), String(narrowed));

    const picker = page.getByRole('group', { name: 'Temes' });
    const chosen = picker.locator('.theme-chosen');
    assert.equal(await chosen.innerText(), 'Triat: qualsevol tema.');
    assert.ok((await picker.locator('fieldset.theme-area').count()) > 5, 'every area of the catalogue is offered');
    await picker.getByLabel('Filtreu la llista pel nom').fill('enllumenat');
    assert.deepEqual(await picker.locator('fieldset.theme-area > legend').allInnerTexts(), ['Enllumenat públic']);
    const wholeLighting = picker.getByRole('checkbox', { name: 'Tota l’àrea: Enllumenat públic' });
    await wholeLighting.focus();
    await page.keyboard.press('Space');
    assert.ok(await wholeLighting.isChecked());
    assert.equal(await chosen.getAttribute('data-chosen'), 'street-lighting');
    assert.equal(await chosen.innerText(), 'Triat: Enllumenat públic.');
    const streetlight = picker.getByRole('checkbox', { name: 'Fanal · Fanal apagat' });
    assert.ok((await streetlight.isChecked()) && (await streetlight.isDisabled()), 'the whole area covers its themes');
    await page.waitForFunction((all) => {
      const shown = document.querySelector('.preview-live[data-counting=false] .preview-count');
      return shown !== null && Number(shown.dataset.count) < all;
    }, narrowed);
    assert.ok(Number(await count.getAttribute('data-count')) > 0);
    await assertAccessible(page, 'segment editor');
    await screenshot(page, 'segment-preview');

    await page.locator('#segment-name').fill('Eixample per SMS');
    await page.getByRole('button', { name: 'Desa el segment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Eixample per SMS' }).waitFor();
    assert.ok(await page.getByRole('checkbox', { name: 'Tota l’àrea: Enllumenat públic' }).isChecked(), 'the saved themes come back ticked');
    await page.locator('#segment-description').fill('Prova');
    await page.getByRole('button', { name: 'Desa el segment' }).click();
    await page.getByRole('status').filter({ hasText: 'S’ha desat el segment.' }).waitFor();
    assertNoPageErrors(page);
  });

  it('shows a stored theme code the catalogue no longer has, and lets it be taken out', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('link', { name: 'Segment nou' }).click();
    await page.locator('#segment-name').fill('Fanals i sots');
    const picker = page.getByRole('group', { name: 'Temes' });
    await picker.getByLabel('Filtreu la llista pel nom').fill('fanal apagat');
    await picker.getByRole('checkbox', { name: 'Fanal · Fanal apagat' }).check();
    await picker.getByLabel('Filtreu la llista pel nom').fill('');
    await page.getByRole('button', { name: 'Desa el segment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fanals i sots' }).waitFor();

    await page.route('**/api/desk/v1/segments/*', async (route) => {
      if (route.request().method() !== 'GET') {
        await route.fallback();
        return;
      }
      const answer = await route.fetch();
      const segment = await answer.json();
      segment.definition.requests.themes.push('lighting.retired');
      await route.fulfill({ response: answer, json: segment });
    });
    await page.getByRole('link', { name: 'Torna als segments' }).click();
    await page.getByRole('link', { name: 'Fanals i sots' }).click();
    const unknown = page.getByRole('group', { name: 'Codis que ja no són al catàleg' });
    const retired = unknown.getByRole('checkbox', { name: 'lighting.retired' });
    assert.ok(await retired.isChecked());
    assert.ok(await page.getByRole('group', { name: 'Temes' }).getByRole('checkbox', { name: 'Fanal · Fanal apagat' }).isChecked());
    assert.equal(await page.locator('.theme-chosen').innerText(), 'Triat: Fanal · Fanal apagat i lighting.retired.');
    await assertAccessible(page, 'segment with a retired theme');
    await retired.click();
    await unknown.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.theme-chosen').getAttribute('data-chosen'), 'lighting.streetlight-off');
    await page.unroute('**/api/desk/v1/segments/*');
    assertNoPageErrors(page);
  });

  it('composes a Catalan campaign that is UCS-2, prices it, launches it and follows it', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    await page.getByRole('link', { name: 'Campanya nova' }).click();
    await page.getByRole('heading', { level: 1, name: 'Campanya nova' }).waitFor();
    await page.locator('#campaign-name').fill('Pressupostos participatius');
    const segment = page.locator('#campaign-segment');
    await segment.locator('option', { hasText: 'Tota la ciutat (400 ciutadans)' }).waitFor({ state: 'attached' });
    await segment.selectOption({ label: 'Tota la ciutat (400 ciutadans)' });
    await page.locator('#campaign-message-ca').fill(MESSAGE);

    const meter = page.locator('#campaign-meter-ca');
    const output = meter.locator('output');
    assert.equal(await output.getAttribute('data-encoding'), 'UCS-2');
    assert.equal(await output.getAttribute('data-segments'), '2');
    assert.deepEqual(await meter.locator('mark.sms-offending').allInnerTexts(), ['ó', '·']);
    assert.match(await meter.locator('.sms-suggestion').innerText(), /GSM-7 costa 1 segment/);
    await page.getByLabel('Envia SMS també en les hores de descans (de 21:00 a 09:00)').check();
    await page.locator('.quiet-warning').waitFor();
    await page.getByLabel('Envia SMS també en les hores de descans (de 21:00 a 09:00)').uncheck();
    await assertAccessible(page, 'campaign composer');
    await screenshot(page, 'campaign-composer');

    await page.getByRole('button', { name: 'Desa l’esborrany' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pressupostos participatius' }).waitFor();
    await page.getByRole('button', { name: 'Estima' }).click();
    const total = page.locator('.estimate-total');
    await total.waitFor();
    const ca = page.locator('table.estimate-sms tr[data-language=ca] td');
    assert.deepEqual(await ca.allInnerTexts(), ['UCS-2', '2', '0,145\u00a0€']);
    const sms = Number((await page.locator('table.estimate-recipients tr[data-channel=sms] td').innerText()).replace('.', ''));
    assert.ok(sms > 0);
    const expected = Number((await total.getAttribute('data-total')) ?? 'NaN');
    assert.ok(expected > 0);
    await assertAccessible(page, 'campaign estimate');
    await screenshot(page, 'campaign-estimate');

    await page.getByRole('button', { name: 'Llança…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Voleu llançar Pressupostos participatius?' });
    await dialog.waitFor();
    const summary = await dialog.locator('.launch-summary').innerText();
    assert.match(summary, /destinataris/);
    assert.ok(summary.includes((await total.innerText()).replace('Total de la campanya: ', '')), summary);
    await assertAccessible(page, 'launch confirmation');
    await dialog.getByRole('button', { name: 'Llança', exact: true }).click();

    const state = page.locator('[data-state]').first();
    await page.locator('.badge[data-state=running]').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-count=sent] dd')?.textContent?.replace('.', '')) > 0, null, { timeout: 15_000 });
    await page.getByRole('button', { name: 'Atura' }).click();
    await page.locator('.badge[data-state=paused]').waitFor();
    const paused = await page.locator('.counts-list').innerText();
    await page.waitForTimeout(4500);
    assert.equal(await page.locator('.counts-list').innerText(), paused, 'a paused campaign does not move on');
    await assertAccessible(page, 'paused campaign');
    await page.getByRole('button', { name: 'Reprèn' }).click();
    await page.locator('.badge[data-state=running]').waitFor();
    assert.ok(await state.count());
    await page.locator('#recipient-state').selectOption('sent');
    await page.locator('table.recipients-table tbody tr[data-state=sent]').first().waitFor();
    await screenshot(page, 'campaign-running');
    await assertAccessible(page, 'running campaign');

    await page.getByRole('link', { name: 'Torna a les campanyes' }).click();
    await page.locator('table.campaigns-table tbody tr').first().waitFor();
    assert.match(await page.locator('table.campaigns-table').innerText(), /Pressupostos participatius/);
    assertNoPageErrors(page);
  });

  it('works on a tablet', async () => {
    const page = await open(env, { viewport: TABLET });
    await signInAs(page, env, MANAGER);
    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Enquestes' }).click();
    await page.locator('table.surveys-table tbody tr').first().waitFor();
    await assertAccessible(page, 'surveys list on a tablet');
    await page.getByRole('link', { name: 'Parcs del barri', exact: true }).click();
    await page.locator('#survey-name').waitFor();
    await page.getByRole('button', { name: 'Afegeix una pregunta' }).click();
    await page.locator('#question-3-kind').selectOption('choice');
    await page.locator('#question-3-text-ca').fill('Hi aneu sovint?');
    await page.locator('#question-3-choice-0-label-ca').fill('Sí');
    await page.locator('#question-3-choice-1-label-ca').fill('No');
    await assertAccessible(page, 'survey editor');
    await page.getByRole('button', { name: 'Desa l’enquesta' }).click();
    await page.getByRole('status').filter({ hasText: 'S’ha desat l’enquesta.' }).waitFor();
    assertNoPageErrors(page);
  });
});

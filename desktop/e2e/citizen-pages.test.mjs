// The citizen pages on a phone: a survey link answered once and refused the second time,
// expired and forged links, the language switch, and one-click unsubscribe.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, start } from './harness.mjs';

const PHONE = { width: 375, height: 740 };

describe('citizen pages', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('answers a survey once, in the link’s language, and refuses the link the second time', async () => {
    const token = env.server.engage.issueSurveyLink({ language: 'es', campaign_id: 'cmp_x' });
    const page = await open(env, { viewport: PHONE, locale: 'ca-ES' });
    await page.goto(`${env.url}/survey.html#t=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { level: 1, name: 'Parcs del barri' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    await page.getByRole('group', { name: '¿Cómo valora el parque de su barrio?' }).waitFor();
    await assertAccessible(page, 'survey page');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(wide, 'the page fits a phone without scrolling sideways');

    await page.getByRole('button', { name: 'Enviar mis respuestas' }).click();
    await page.getByRole('alert').filter({ hasText: 'Elija una respuesta' }).waitFor();

    await page.getByRole('button', { name: 'Català' }).click();
    await page.getByRole('group', { name: 'Com valoreu el parc del vostre barri?' }).waitFor();
    await page.getByLabel('4 de 5').check();
    await page.getByLabel('Fonts').check();
    assert.equal(await page.getByRole('alert').count(), 0, 'the notice goes once every question is answered');
    await page.getByLabel('Voleu afegir-hi res?').fill('Més bancs, si us plau.');
    await screenshot(page, 'citizen-survey');
    await page.getByRole('button', { name: 'Envia les respostes' }).click();
    await page.getByRole('status').filter({ hasText: 'hem rebut les vostres respostes' }).waitFor();
    assert.equal(env.server.engage.responses.length, 1);
    assert.deepEqual(env.server.engage.responses[0].answers, [
      { question_id: 'q1', rating: 4, choice: null, text: null },
      { question_id: 'q2', rating: null, choice: 'fountains', text: null },
      { question_id: 'q3', rating: null, choice: null, text: 'Més bancs, si us plau.' },
    ]);
    await assertAccessible(page, 'survey answered');

    const again = await open(env, { viewport: PHONE });
    await again.goto(`${env.url}/survey.html#t=${encodeURIComponent(token)}`);
    await again.getByRole('alert').filter({ hasText: 'ja s’ha fet servir' }).waitFor();
    assert.equal(env.server.engage.responses.length, 1);
    assertNoPageErrors(page);
  });

  it('tells an expired, a forged and an incomplete link apart', async () => {
    const page = await open(env, { viewport: PHONE, locale: 'en-GB' });
    await page.goto(`${env.url}/survey.html#t=${encodeURIComponent(env.server.engage.issueSurveyLink({ expired: true }))}`);
    await page.getByRole('alert').filter({ hasText: 'This link has expired.' }).waitFor();
    await page.goto(`${env.url}/survey.html#t=forged.token.here`);
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'This link is not valid.' }).waitFor();
    await page.goto(`${env.url}/survey.html`);
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'This link is not complete.' }).waitFor();
    await assertAccessible(page, 'survey link refused');
    assertNoPageErrors(page);
  });

  it('unsubscribes with one button, once', async () => {
    const token = env.server.engage.issueUnsubscribeLink();
    const page = await open(env, { viewport: PHONE, locale: 'ca-ES' });
    await page.goto(`${env.url}/unsubscribe.html#t=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { level: 1, name: 'Deixar de rebre aquests missatges' }).waitFor();
    await assertAccessible(page, 'unsubscribe page');
    await page.getByRole('button', { name: 'Dona’m de baixa' }).click();
    await page.getByRole('status').filter({ hasText: 'ja no rebreu aquests missatges' }).waitFor();
    assert.deepEqual(env.server.engage.withdrawals, [{ citizen_id: env.server.engage.withdrawals[0]?.citizen_id, channel: 'email', purposes: ['campaigns'] }]);
    await screenshot(page, 'citizen-unsubscribed');
    await assertAccessible(page, 'unsubscribed');

    await page.reload();
    await page.getByRole('button', { name: 'Dona’m de baixa' }).click();
    await page.getByRole('alert').filter({ hasText: 'ja s’ha fet servir' }).waitFor();
    assert.equal(env.server.engage.withdrawals.length, 1);
    assertNoPageErrors(page);
  });
});

// The campaign side against the running local city: the campaign manager makes a segment
// of citizens reachable by email who agreed to surveys, sees it counted, composes a survey
// campaign by email, prices it and launches it; the city's outbox holds the emails, a
// citizen answers the survey from the link in theirs and another unsubscribes from theirs,
// and the campaign's page counts the answer and the recipient who left. Run with
// FINESTRA_URL naming the city and FINESTRA_MANAGER_USERNAME / FINESTRA_MANAGER_PASSWORD a
// campaign manager's account.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { signInAs } from '../engage.mjs';
import { assertAccessible, assertNoPageErrors, open, screenshot, start } from '../harness.mjs';

if (!process.env.FINESTRA_URL) {
  throw new Error('live tests need FINESTRA_URL: the address of a running local city');
}

const MANAGER = {
  username: process.env.FINESTRA_MANAGER_USERNAME ?? 'campaigns',
  password: process.env.FINESTRA_MANAGER_PASSWORD ?? '',
};
const SURVEY = process.env.FINESTRA_SURVEY ?? 'satisfaction-request';
const RUN = Date.now().toString(36);
const SEGMENT = `Enquestes per correu ${RUN}`;
const CAMPAIGN = `Com us hem atès ${RUN}`;
const SUBJECT = `Us volem escoltar (${RUN})`;
const MESSAGE = 'Bon dia. Ens agradaria saber com valoreu el servei que us hem donat.';
const SURVEY_LINK = /https?:\/\/\S+\/survey\.html#t=\S+/;
const UNSUBSCRIBE_LINK = /https?:\/\/\S+\/unsubscribe\.html#t=\S+/;
const DEADLINE_MS = 45_000;

/** A number the desktop wrote in Catalan (1.234). */
function number(text) {
  return Number(text.replace(/\./g, '').trim());
}

async function outbox(env, since) {
  const query = new URLSearchParams({ channel: 'email', since: since.toISOString() });
  const response = await fetch(`${env.url}/_local/outbox?${query}`);
  const answer = await response.json();
  assert.ok(response.ok, `the outbox answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer.items;
}

/** The campaign's emails in the outbox, polled until there are `wanted` of them. */
async function emails(env, since, wanted) {
  const ends = Date.now() + DEADLINE_MS;
  while (Date.now() < ends) {
    const ours = (await outbox(env, since)).filter((message) => message.subject === SUBJECT);
    if (ours.length >= wanted) {
      return ours;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`fewer than ${wanted} emails of the campaign within ${DEADLINE_MS / 1000} s`);
}

/** The count of recipients in `state` on the campaign's page. */
async function shown(page, state) {
  return number(await page.locator(`[data-count=${state}] dd`).innerText());
}

/** Reload the campaign's page until its count of `state` satisfies `holds`. */
async function countBecomes(page, state, holds) {
  const ends = Date.now() + DEADLINE_MS;
  for (;;) {
    await page.locator(`[data-count=${state}] dd`).waitFor();
    const count = await shown(page, state);
    if (holds(count)) {
      return count;
    }
    if (Date.now() > ends) {
      throw new Error(`the campaign's ${state} count stayed at ${count} for ${DEADLINE_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await page.reload();
  }
}

describe('a survey campaign on the local city', () => {
  let env;
  before(async () => {
    assert.ok(MANAGER.password, 'FINESTRA_MANAGER_PASSWORD names the campaign manager’s password');
    env = await start();
  });
  after(async () => {
    await env?.stop();
  });

  it('segments, launches by email, is answered and unsubscribed from, and counts the answer', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);

    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('link', { name: 'Segment nou' }).click();
    await page.getByRole('heading', { level: 1, name: 'Segment nou' }).waitFor();
    await page.locator('.preview-live[data-counting=false] .preview-count').waitFor({ timeout: DEADLINE_MS });
    const everyone = Number(await page.locator('.preview-count').getAttribute('data-count'));
    assert.ok(everyone > 0, 'the whole demo city is in the segment index');
    await page.getByRole('group', { name: 'Contactable per' }).getByRole('checkbox', { name: 'Correu electrònic' }).check();
    await page.getByRole('group', { name: 'Amb consentiment per a' }).getByRole('checkbox', { name: 'Enquestes' }).check();
    await page.waitForFunction(
      (all) => {
        const live = document.querySelector('.preview-live[data-counting=false] .preview-count');
        return live !== null && Number(live.getAttribute('data-count')) < all;
      },
      everyone,
      { timeout: DEADLINE_MS },
    );
    const members = Number(await page.locator('.preview-count').getAttribute('data-count'));
    assert.ok(members >= 2, `the demo city has citizens reachable by email for surveys (previewed ${members})`);
    assert.equal(number(await page.locator('td[data-reach="email:surveys"]').innerText()), members);
    assert.ok((await page.locator('.preview-sample tbody tr').count()) > 0, 'the preview shows a sample');
    await page.locator('#segment-name').fill(SEGMENT);
    await page.getByRole('button', { name: 'Desa el segment' }).click();
    await page.getByRole('heading', { level: 1, name: SEGMENT }).waitFor();
    await assertAccessible(page, 'segment (live)');
    await screenshot(page, 'live-segment');

    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Campanyes' }).click();
    await page.getByRole('link', { name: 'Campanya nova' }).click();
    await page.getByRole('heading', { level: 1, name: 'Campanya nova' }).waitFor();
    await page.locator('#campaign-name').fill(CAMPAIGN);
    const option = page.locator('#campaign-segment option', { hasText: SEGMENT });
    await option.waitFor({ state: 'attached' });
    await page.locator('#campaign-segment').selectOption(await option.getAttribute('value'));
    await page.getByRole('group', { name: 'Finalitat' }).getByRole('radio', { name: 'Enquestes' }).check();
    await page.locator('#campaign-channels').selectOption('email');
    await page.locator('#campaign-subject-ca').fill(SUBJECT);
    await page.locator('#campaign-message-ca').fill(MESSAGE);
    await page.locator(`#campaign-survey option[value="${SURVEY}"]`).waitFor({ state: 'attached' });
    await page.locator('#campaign-survey').selectOption(SURVEY);
    await page.getByRole('button', { name: 'Desa l’esborrany' }).click();
    await page.getByRole('heading', { level: 1, name: CAMPAIGN }).waitFor();

    await page.getByRole('button', { name: 'Estima' }).click();
    await page.locator('.estimate-total').waitFor();
    const recipients = number(await page.locator('table.estimate-recipients tr[data-channel=email] td').innerText());
    assert.equal(recipients, members, 'every member of the segment is reachable by email');
    await assertAccessible(page, 'campaign estimate (live)');

    const launched = new Date(Date.now() - 1_000);
    await page.getByRole('button', { name: 'Llança…' }).click();
    const dialog = page.getByRole('dialog', { name: `Voleu llançar ${CAMPAIGN}?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Llança', exact: true }).click();
    await page.locator('.badge[data-state=running], .badge[data-state=completed]').first().waitFor({ timeout: DEADLINE_MS });
    await countBecomes(page, 'sent', (sent) => sent > 0);
    const sent = await emails(env, launched, members);
    assert.equal(sent.length, members, 'one email per member, none twice');
    assert.equal(new Set(sent.map((message) => message.to)).size, members);
    await screenshot(page, 'live-campaign');

    const [answering, leaving] = sent;
    const optedOutBefore = await shown(page, 'opted_out');
    const survey = answering.text.match(SURVEY_LINK)?.[0];
    assert.ok(survey, 'the email carries its survey link');
    assert.ok(survey.startsWith(`${env.url}/survey.html#t=`), `the link is on the city’s desktop: ${survey}`);
    const citizen = await open(env, { viewport: { width: 375, height: 740 } });
    await citizen.goto(survey);
    // The questions come worded in the link's language; the page's own words follow the switch.
    await citizen.locator('fieldset').first().waitFor({ timeout: DEADLINE_MS });
    await citizen.getByRole('button', { name: 'Català' }).click();
    await citizen.getByRole('button', { name: 'Envia les respostes' }).waitFor();
    assert.equal(await citizen.locator('fieldset').count(), 2, 'the rating and the choice; the free text is a field');
    await citizen.getByLabel('4 de 5').check();
    await citizen.locator('input[type=radio][value=yes]').check();
    await assertAccessible(citizen, 'survey page (live)');
    await citizen.getByRole('button', { name: 'Envia les respostes' }).click();
    await citizen.getByRole('status').filter({ hasText: 'hem rebut les vostres respostes' }).waitFor({ timeout: DEADLINE_MS });
    await screenshot(citizen, 'live-survey-answered');
    assertNoPageErrors(citizen);
    await citizen.context().close();

    const unsubscribe = leaving.text.match(UNSUBSCRIBE_LINK)?.[0];
    assert.ok(unsubscribe, 'the email carries its unsubscribe link');
    const other = await open(env, { viewport: { width: 375, height: 740 } });
    await other.goto(unsubscribe);
    await other.getByRole('heading', { level: 1, name: 'Deixar de rebre aquests missatges' }).waitFor();
    await other.getByRole('button', { name: 'Dona’m de baixa' }).click();
    await other.getByRole('status').filter({ hasText: 'ja no rebreu aquests missatges' }).waitFor({ timeout: DEADLINE_MS });
    await other.reload();
    await other.getByRole('button', { name: 'Dona’m de baixa' }).click();
    await other.getByRole('alert').filter({ hasText: 'ja s’ha fet servir' }).waitFor({ timeout: DEADLINE_MS });
    assertNoPageErrors(other);
    await other.context().close();

    assert.equal(await countBecomes(page, 'answered', (answered) => answered >= 1), 1);
    const optedOut = await countBecomes(page, 'opted_out', (count) => count > optedOutBefore);
    assert.equal(optedOut, optedOutBefore + 1, 'the recipient who unsubscribed is opted out, once');
    await page.locator('#recipient-state').selectOption('answered');
    await page.locator('table.recipients-table tbody tr[data-state=answered]').first().waitFor({ timeout: DEADLINE_MS });
    assert.equal(await page.locator('table.recipients-table tbody tr').count(), 1, 'one recipient answered');
    await assertAccessible(page, 'answered campaign (live)');
    await screenshot(page, 'live-campaign-answered');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('reads the city’s insights on every metric the desk API tests, without an error', async () => {
    const page = await open(env);
    await signInAs(page, env, MANAGER);
    for (const metric of ['breach_rate', 'repeat_rate', 'resolution', 'satisfaction', 'negative_sentiment']) {
      const answers = [];
      const listen = (response) => {
        if (response.url().includes('/api/desk/v1/insights/')) {
          answers.push(response.status());
        }
      };
      page.on('response', listen);
      await page.goto(`${env.url}/insights?dimension=district&metric=${metric}`);
      await page.locator('#differ-title, .notice-error').first().waitFor({ timeout: DEADLINE_MS });
      await page.waitForLoadState('networkidle');
      page.off('response', listen);
      assert.equal(await page.locator('.notice-error').count(), 0, `the insights of ${metric} load`);
      assert.ok(answers.length >= 2, `the screen asked for the differences and the overview of ${metric}`);
      assert.deepEqual([...new Set(answers)], [200], `every insight answer of ${metric} is a 200`);
    }
    await assertAccessible(page, 'insights (live)');
    assertNoPageErrors(page);
    await page.context().close();
  });
});

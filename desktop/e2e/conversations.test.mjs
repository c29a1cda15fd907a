// Answers and conversations on the desktop: a template chosen for the request, a draft
// that survives a reload, a message to an external body whose answer (through the
// body's reply link, played by the mock) comes back unread until it is opened.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertAccessible, assertNoPageErrors, open, screenshot, signIn, start } from './harness.mjs';

/** A request the agent may act on, answered by SMS, and not locked by anybody. */
function requestInScope(env) {
  const found = env.server.city.requests.find(
    (request) => ['2', '6'].includes(request.district) && request.response_channel === 'sms' && request.state !== 'closed',
  );
  assert.ok(found, 'the demo city has a request in the agent’s scope');
  return found.reference;
}

async function openRequest(page, env, reference) {
  await page.goto(`${env.url}/requests/${reference}`);
  await page.locator('.request-head').waitFor();
}

describe('answers and conversations on the desktop', () => {
  let env;
  before(async () => {
    env = await start({});
  });
  after(async () => {
    await env.stop();
  });

  it('fills the reply from a template for the request and keeps it as a draft across a reload', async () => {
    const reference = requestInScope(env);
    const page = await open(env);
    await signIn(page, env);
    await openRequest(page, env, reference);
    await page.locator('#reply-template option').nth(1).waitFor({ state: 'attached' });
    await page.locator('#reply-template').selectOption({ index: 1 });
    const text = await page.locator('#reply-text').inputValue();
    assert.ok(text.length > 10, 'the template fills the message');
    await page.locator('.draft-status[data-draft="saved"]').waitFor();

    await page.reload();
    await page.locator('.request-head').waitFor();
    await page.locator('.draft-status[data-draft="restored"]').waitFor();
    assert.equal(await page.locator('#reply-text').inputValue(), text);
    const puts = env.server.calls.filter((call) => call.method === 'PUT' && call.path === `/api/desk/v1/requests/${reference}/draft`);
    assert.ok(puts.length >= 1, 'the draft was saved through the API');
    await assertAccessible(page, 'reply box with a draft');
    assertNoPageErrors(page);
    await page.context().close();
  });

  it('writes to an external body whose answer comes back unread until it is opened', async () => {
    const reference = requestInScope(env);
    const page = await open(env);
    await signIn(page, env);
    await openRequest(page, env, reference);
    await page.getByRole('tab', { name: 'Organisme extern' }).click();
    await page.locator('#conv-text-external').fill('Ens podeu confirmar si la incidència és vostra?');
    await page.getByRole('button', { name: 'Inicia la conversa' }).click();
    await page.locator('.conversation', { hasText: 'Ens podeu confirmar' }).waitFor();

    env.server.replyAsBody(reference, 'Sí, hi enviem un equip demà al matí.');
    await page.reload();
    await page.locator('.request-head').waitFor();
    const tab = page.getByRole('tab', { name: /Organisme extern/ });
    await tab.filter({ hasText: 'sense llegir' }).waitFor();
    await tab.click();
    const thread = page.locator('.conversation[data-unread="true"]');
    await thread.filter({ hasText: 'hi enviem un equip' }).waitFor();
    await assertAccessible(page, 'conversations panel');
    await screenshot(page, 'conversations-unread');

    await page.getByRole('button', { name: 'Marca com a llegida' }).click();
    await page.locator('.conversation[data-unread="false"]').waitFor();
    assert.equal(await tab.filter({ hasText: 'sense llegir' }).count(), 0);
    assertNoPageErrors(page);
    await page.context().close();
  });
});

/** The unsubscribe page: one button withdraws the consent the link's message was sent under. */

import './citizen.css';

import { startLanguage, tokenOf } from './messages';
import { call, el, notice, type Page, startPage } from './page';

type Phase =
  | { readonly kind: 'ready'; readonly sending: boolean; readonly failed: boolean }
  | { readonly kind: 'refused'; readonly key: 'link.missing' | 'link.used' | 'link.expired' | 'link.forged' }
  | { readonly kind: 'done' };

const REFUSALS = { used: 'link.used', expired: 'link.expired', forged: 'link.forged' } as const;
const token = tokenOf(window.location.hash);
const linkLanguage = new URLSearchParams(window.location.search).get('lang');
let phase: Phase = token === null ? { kind: 'refused', key: 'link.missing' } : { kind: 'ready', sending: false, failed: false };

function render(page: Page): void {
  const parts: HTMLElement[] = [el('h1', { tabindex: '-1' }, page.t('unsubscribe.title'))];
  if (phase.kind === 'refused') {
    parts.push(notice(page.t(phase.key), 'error'));
  } else if (phase.kind === 'done') {
    parts.push(notice(page.t('unsubscribe.done'), 'ok'));
  } else {
    parts.push(el('p', {}, page.t('unsubscribe.intro')));
    if (phase.failed) {
      parts.push(notice(page.t('link.failed'), 'error'));
    }
    const button = el('button', { type: 'button', class: 'citizen-button', disabled: phase.sending }, page.t(phase.sending ? 'unsubscribe.sending' : 'unsubscribe.button'));
    button.addEventListener('click', () => unsubscribe(page));
    parts.push(button);
  }
  page.main.replaceChildren(...parts);
}

function show(page: Page, next: Phase): void {
  phase = next;
  render(page);
  page.main.querySelector<HTMLElement>('[role=alert], [role=status]')?.focus();
}

function unsubscribe(page: Page): void {
  if (token === null || (phase.kind === 'ready' && phase.sending)) {
    return;
  }
  phase = { kind: 'ready', sending: true, failed: false };
  render(page);
  void call<unknown>('POST', '/unsubscribe', { token }).then((answered) => {
    if (answered.ok) {
      show(page, { kind: 'done' });
    } else if (answered.problem === 'failed') {
      show(page, { kind: 'ready', sending: false, failed: true });
    } else {
      show(page, { kind: 'refused', key: REFUSALS[answered.problem] });
    }
  });
}

startPage(startLanguage(navigator.languages, linkLanguage), 'unsubscribe.title', render);

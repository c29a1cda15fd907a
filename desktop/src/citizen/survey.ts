/** The survey page: answer the survey a link names, once. */

import './citizen.css';

import type { CitizenAnswer, CitizenQuestion as SurveyQuestion, CitizenSurvey } from '../api/engage';
import { type CitizenLanguage, startLanguage, tokenOf } from './messages';
import { call, el, notice, type Page, startPage } from './page';

type Phase =
  | { readonly kind: 'loading' }
  | { readonly kind: 'refused'; readonly key: 'link.missing' | 'link.used' | 'link.expired' | 'link.forged' | 'link.failed' }
  | { readonly kind: 'asking'; readonly survey: CitizenSurvey; readonly sending: boolean; readonly problem: 'survey.required' | 'link.failed' | null }
  | { readonly kind: 'thanked' };

const REFUSALS = { used: 'link.used', expired: 'link.expired', forged: 'link.forged', failed: 'link.failed' } as const;
const RATINGS = [1, 2, 3, 4, 5] as const;

/**
 * A text in `language`, else in the link's language, else in Catalan; a plain string is
 * the text the API worded in the link's language already.
 */
function textIn(texts: string | Readonly<Partial<Record<CitizenLanguage, string>>>, language: CitizenLanguage, fallback: CitizenLanguage): string {
  if (typeof texts === 'string') {
    return texts;
  }
  return texts[language] ?? texts[fallback] ?? texts.ca ?? '';
}

const token = tokenOf(window.location.hash);
let phase: Phase = token === null ? { kind: 'refused', key: 'link.missing' } : { kind: 'loading' };
const answers = new Map<string, CitizenAnswer>();

function answerOf(question: SurveyQuestion): CitizenAnswer {
  return answers.get(question.id) ?? { question_id: question.id, rating: null, choice: null, text: null };
}

/** Keep an answer; once every required question has one, the "choose an answer" notice goes. */
function answer(question: SurveyQuestion, given: Partial<CitizenAnswer>): void {
  answers.set(question.id, { ...answerOf(question), ...given });
  if (phase.kind === 'asking' && phase.problem === 'survey.required' && complete(phase.survey)) {
    phase = { ...phase, problem: null };
    document.querySelector('.citizen-form .citizen-error')?.remove();
  }
}

function questionField(page: Page, survey: CitizenSurvey, question: SurveyQuestion, index: number): HTMLElement {
  const id = `q-${index}`;
  const title = textIn(question.text, page.language, survey.language);
  const current = answerOf(question);
  if (question.kind === 'text') {
    const area = el('textarea', { id, name: id, rows: '4', maxlength: '1000', 'aria-describedby': `${id}-hint` });
    area.value = current.text ?? '';
    area.addEventListener('input', () => answer(question, { text: area.value }));
    return el(
      'div',
      { class: 'citizen-question' },
      el('label', { for: id, class: 'citizen-question-title' }, title),
      el('p', { id: `${id}-hint`, class: 'citizen-hint' }, page.t('survey.textHint')),
      area,
    );
  }
  const options =
    question.kind === 'rating'
      ? RATINGS.map((rating) => ({ value: String(rating), label: page.t('survey.rating', { n: rating }) }))
      : question.choices.map((choice) => ({ value: choice.key, label: textIn(choice.label, page.language, survey.language) }));
  const chosen = question.kind === 'rating' ? (current.rating === null ? null : String(current.rating)) : current.choice;
  return el(
    'fieldset',
    { class: `citizen-question citizen-${question.kind}` },
    el('legend', { class: 'citizen-question-title' }, title),
    question.kind === 'rating' && el('p', { class: 'citizen-hint' }, `${page.t('survey.ratingLow')} · ${page.t('survey.ratingHigh')}`),
    el(
      'div',
      { class: 'citizen-options' },
      ...options.map((option, at) => {
        const input = el('input', { type: 'radio', id: `${id}-${at}`, name: id, value: option.value, checked: option.value === chosen, required: true });
        input.addEventListener('change', () =>
          answer(question, question.kind === 'rating' ? { rating: Number(option.value) } : { choice: option.value }),
        );
        return el('label', { class: 'citizen-option', for: `${id}-${at}` }, input, el('span', {}, option.label));
      }),
    ),
  );
}

function complete(survey: CitizenSurvey): boolean {
  return survey.questions.every((question) => {
    const answer = answerOf(question);
    return question.kind === 'text' || (question.kind === 'rating' ? answer.rating !== null : answer.choice !== null);
  });
}

function render(page: Page): void {
  const heading = el('h1', { tabindex: '-1' }, phase.kind === 'asking' ? phase.survey.name : page.t('survey.title'));
  const parts: (HTMLElement | false)[] = [heading];
  if (phase.kind === 'loading') {
    parts.push(notice(page.t('loading'), 'info'));
  } else if (phase.kind === 'refused') {
    parts.push(notice(page.t(phase.key), 'error'));
  } else if (phase.kind === 'thanked') {
    parts.push(notice(page.t('survey.thanks'), 'ok'));
  } else {
    const { survey, sending, problem } = phase;
    const form = el(
      'form',
      { class: 'citizen-form', novalidate: true, 'aria-labelledby': 'survey-heading' },
      el('p', {}, page.t('survey.intro')),
      ...survey.questions.map((question, index) => questionField(page, survey, question, index)),
      problem !== null && notice(page.t(problem), 'error'),
      el('button', { type: 'submit', class: 'citizen-button', disabled: sending }, page.t(sending ? 'survey.sending' : 'survey.submit')),
    );
    heading.id = 'survey-heading';
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit(page, survey);
    });
    parts.push(form);
  }
  page.main.replaceChildren(...parts.filter((part): part is HTMLElement => part !== false));
}

function show(page: Page, next: Phase, focus = true): void {
  phase = next;
  render(page);
  if (focus) {
    page.main.querySelector<HTMLElement>('h1, [role=alert], [role=status]')?.focus();
  }
}

function submit(page: Page, survey: CitizenSurvey): void {
  if (token === null || (phase.kind === 'asking' && phase.sending)) {
    return;
  }
  if (!complete(survey)) {
    show(page, { kind: 'asking', survey, sending: false, problem: 'survey.required' }, false);
    return;
  }
  show(page, { kind: 'asking', survey, sending: true, problem: null }, false);
  // A free-text question left empty is skipped: the API refuses an answer that answers nothing.
  const body = {
    answers: survey.questions
      .map((question) => answerOf(question))
      .map((answer) => ({ ...answer, text: answer.text?.trim() || null }))
      .filter((answer) => answer.rating !== null || answer.choice !== null || answer.text !== null),
  };
  void call<unknown>('POST', `/surveys/${encodeURIComponent(token)}`, body).then((answered) => {
    if (answered.ok) {
      show(page, { kind: 'thanked' });
    } else if (answered.problem === 'failed') {
      show(page, { kind: 'asking', survey, sending: false, problem: 'link.failed' }, false);
    } else {
      show(page, { kind: 'refused', key: REFUSALS[answered.problem] });
    }
  });
}

const page = startPage(startLanguage(navigator.languages), 'survey.title', render);
if (token !== null) {
  void call<CitizenSurvey>('GET', `/surveys/${encodeURIComponent(token)}`).then((answered) => {
    if (answered.ok) {
      phase = { kind: 'asking', survey: answered.body, sending: false, problem: null };
      page.use(startLanguage(navigator.languages, answered.body.language));
      page.main.querySelector<HTMLElement>('h1')?.focus();
    } else {
      show(page, { kind: 'refused', key: REFUSALS[answered.problem] });
    }
  });
}

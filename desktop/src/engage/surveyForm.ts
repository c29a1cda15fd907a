/** Editing a survey's questions: new questions and choices, and the survey as the API takes it. */

import type { QuestionKind, SurveyChoice, SurveyOrder, SurveyQuestion, Texts } from '../api/engage';
import { LANGUAGES } from '../api/types';

/** The most questions a survey has, as the API allows. */
export const MAX_QUESTIONS = 10;

export function newQuestion(index: number, kind: QuestionKind = 'rating'): SurveyQuestion {
  return { id: `q${index + 1}`, kind, text: { ca: '' }, choices: kind === 'choice' ? [newChoice(0), newChoice(1)] : [] };
}

export function newChoice(index: number): SurveyChoice {
  return { key: `c${index + 1}`, keyword: {}, label: {} };
}

function kept(texts: Texts): Texts {
  return Object.fromEntries(
    LANGUAGES.filter((code) => (texts[code] ?? '').trim() !== '').map((code) => [code, (texts[code] ?? '').trim()]),
  );
}

/** The survey as the API takes it: ids renumbered, empty texts left out, choices only on choice questions. */
export function surveyOrderOf(order: SurveyOrder): SurveyOrder {
  return {
    name: order.name.trim(),
    purpose: order.purpose,
    questions: order.questions.map((question, index) => ({
      id: question.id || `q${index + 1}`,
      kind: question.kind,
      text: kept(question.text),
      choices:
        question.kind === 'choice'
          ? question.choices.map((choice, at) => ({
              key: choice.key || `c${at + 1}`,
              keyword: Object.fromEntries(Object.entries(kept(choice.keyword)).map(([code, word]) => [code, word.toUpperCase()])),
              label: kept(choice.label),
            }))
          : [],
    })),
  };
}

/** What keeps the survey from being saved, as a message key's last part, or null. */
export function surveyProblem(order: SurveyOrder): 'no_name' | 'no_questions' | 'no_catalan' | 'no_choices' | null {
  if (order.name.trim() === '') {
    return 'no_name';
  }
  if (order.questions.length === 0 || order.questions.length > MAX_QUESTIONS) {
    return 'no_questions';
  }
  if (order.questions.some((question) => (question.text.ca ?? '').trim() === '')) {
    return 'no_catalan';
  }
  if (order.questions.some((question) => question.kind === 'choice' && question.choices.filter((c) => (c.label.ca ?? '').trim() !== '').length < 2)) {
    return 'no_choices';
  }
  return null;
}

import { describe, expect, it } from 'vitest';

import type { SurveyOrder } from '../api/engage';
import { newQuestion, surveyOrderOf, surveyProblem } from './surveyForm';

const ORDER: SurveyOrder = {
  name: '  Parcs  ',
  purpose: 'campaign',
  questions: [
    { id: 'q1', kind: 'rating', text: { ca: ' Com valores el parc? ', es: '' }, choices: [{ key: 'x', keyword: {}, label: {} }] },
    {
      id: 'q2',
      kind: 'choice',
      text: { ca: 'Què hi falta?' },
      choices: [
        { key: 'c1', keyword: { ca: 'ombra', es: 'sombra' }, label: { ca: 'Ombra', es: 'Sombra' } },
        { key: 'c2', keyword: { ca: 'fonts' }, label: { ca: 'Fonts' } },
      ],
    },
  ],
};

describe('survey form', () => {
  it('drops empty texts, trims and keeps choices only on choice questions', () => {
    const order = surveyOrderOf(ORDER);
    expect(order.name).toBe('Parcs');
    expect(order.questions[0]).toEqual({ id: 'q1', kind: 'rating', text: { ca: 'Com valores el parc?' }, choices: [] });
    expect(order.questions[1]?.choices[0]).toEqual({ key: 'c1', keyword: { ca: 'OMBRA', es: 'SOMBRA' }, label: { ca: 'Ombra', es: 'Sombra' } });
  });

  it('names what keeps a survey from being saved', () => {
    expect(surveyProblem(ORDER)).toBeNull();
    expect(surveyProblem({ ...ORDER, name: ' ' })).toBe('no_name');
    expect(surveyProblem({ ...ORDER, questions: [] })).toBe('no_questions');
    expect(surveyProblem({ ...ORDER, questions: [newQuestion(0)] })).toBe('no_catalan');
    expect(surveyProblem({ ...ORDER, questions: [{ ...newQuestion(0, 'choice'), text: { ca: 'Tria' } }] })).toBe('no_choices');
  });
});

import { describe, expect, it } from 'vitest';

import { differencePageOf, listOf, recipientPageOf, surveyResultsOf, surveySummaryOf } from './engageWire';

const QUERY = { dimension: 'district', metric: 'breach_rate', since: '2026-01-01', until: '2026-03-31' } as const;

describe('the campaign side’s answers', () => {
  it('reads lists under items or under the route’s name', () => {
    expect(listOf({ segments: [{ id: 'a' }] }, 'segments')).toEqual([{ id: 'a' }]);
    expect(listOf({ items: [{ id: 'b' }] }, 'segments')).toEqual([{ id: 'b' }]);
    expect(listOf(null, 'segments')).toEqual([]);
  });

  it('reads a recipient page by cursor or by batch', () => {
    const recipient = { citizen_id: 'cit_1', state: 'sent', channel: 'sms', at: '2026-03-01T10:00:00Z' };
    expect(recipientPageOf({ recipients: [recipient], next_batch: 3 })).toEqual({ items: [recipient], cursor: '3' });
    expect(recipientPageOf({ items: [], cursor: null })).toEqual({ items: [], cursor: null });
  });

  it('reads a survey of the list with the number of its questions', () => {
    expect(surveySummaryOf({ id: 'srv_1', name: 'Parcs', purpose: 'satisfaction', questions: 3, version: 2 })).toEqual({
      id: 'srv_1',
      name: 'Parcs',
      purpose: 'satisfaction',
      questions: 3,
      version: 2,
    });
    expect(surveySummaryOf({ id: 'srv_2', name: 'X', purpose: 'campaign', questions: [{}, {}] }).questions).toBe(2);
  });

  it('reads results with one count per question and the survey’s sentiment beside them', () => {
    const results = surveyResultsOf({
      survey_id: 'srv_1',
      campaign_id: null,
      responses: 7,
      questions: [
        { question_id: 'q1', kind: 'rating', counts: { '4': 5, '5': 2 }, answered: 7 },
        { question_id: 'q2', kind: 'choice', counts: { shade: 3 }, answered: 3 },
        { question_id: 'q3', kind: 'text', counts: {}, answered: 4 },
      ],
      sentiment: { POSITIVE: 3, NEGATIVE: 1 },
    });
    expect(results.questions[0]).toMatchObject({ ratings: { '4': 5, '5': 2 }, choices: {}, sentiment: {} });
    expect(results.questions[1]).toMatchObject({ choices: { shade: 3 }, ratings: {} });
    expect(results.questions[2]).toMatchObject({ sentiment: { positive: 3, negative: 1 } });
    expect(results.questions[2]?.sentiment_method).toBeNull();
  });

  it('names the method that scored most of the free texts', () => {
    const texts = { question_id: 'q3', kind: 'text', counts: {}, answered: 4 };
    const scored = (methods: Record<string, number>) =>
      surveyResultsOf({ questions: [texts], sentiment: { NEUTRAL: 4 }, sentiment_methods: methods }).questions[0]?.sentiment_method;
    expect(scored({ comprehend: 0, lexicon: 4 })).toBe('lexicon');
    expect(scored({ comprehend: 3, lexicon: 1 })).toBe('comprehend');
    expect(scored({ comprehend: 0, lexicon: 0 })).toBeNull();
  });

  it('reads the back end’s differences, with their status', () => {
    const page = differencePageOf(
      {
        differences: [
          { value: '1', metric: 'breach_rate', figure: 0.31, city_figure: 0.2, sample: 420, rest_sample: 5000, z: 4.1, p_value: 0.0001, q_value: 0.001, status: 'higher' },
          { value: '9', metric: 'breach_rate', figure: 0.5, city_figure: 0.2, sample: 12, rest_sample: 5400, z: null, p_value: null, q_value: null, status: 'not_enough_data' },
          { value: '2', metric: 'breach_rate', figure: 0.2, city_figure: 0.2, sample: 600, rest_sample: 4800, z: 0.1, p_value: 0.9, q_value: 0.9, status: 'no_difference' },
        ],
      },
      QUERY,
    );
    expect(page.city_value).toBe(0.2);
    expect(page.minimum_sample).toBe(30);
    expect(page.items.map((item) => [item.value, item.significant, item.enough_data, item.segment_value, item.sample_size])).toEqual([
      ['1', true, true, 0.31, 420],
      ['9', false, false, null, 12],
      ['2', false, true, 0.2, 600],
    ]);
  });
});

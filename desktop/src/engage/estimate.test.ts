import { describe, expect, it } from 'vitest';

import type { CampaignEstimate } from '../api/engage';
import { estimateView } from './estimate';

const ESTIMATE: CampaignEstimate = {
  segments_sms: { ca: 2, es: 1 },
  encoding: { ca: 'UCS-2', es: 'GSM-7' },
  recipients: { sms: 1200, email: 34, none: 5 },
  cost_per_message: { ca: 0.145, es: 0.0725 },
  total: 158.05,
};

describe('estimateView', () => {
  it('lists the languages with a message, with encoding, segments and cost', () => {
    const view = estimateView(ESTIMATE, 'en');
    expect(view.languages).toEqual([
      { language: 'ca', encoding: 'UCS-2', segments: 2, cost: '€0.145' },
      { language: 'es', encoding: 'GSM-7', segments: 1, cost: '€0.0725' },
    ]);
  });

  it('counts recipients per channel and in all, apart from the unreachable', () => {
    const view = estimateView(ESTIMATE, 'ca');
    expect(view.recipients.map((line) => [line.channel, line.count, line.shown])).toEqual([
      ['sms', 1200, '1.200'],
      ['email', 34, '34'],
    ]);
    expect(view.recipientsTotal).toBe(1234);
    expect(view.unreachable).toBe(5);
  });

  it('formats the total in the desk language', () => {
    expect(estimateView(ESTIMATE, 'es').total).toBe('158,05\u00a0€');
    expect(estimateView(ESTIMATE, 'en').total).toBe('€158.05');
  });

  it('shares the SMS price by segments when the API prices per channel', () => {
    const view = estimateView(
      {
        segments_sms: { ca: 2, es: 1 },
        encoding: { ca: 'UCS-2', es: 'GSM-7' },
        recipients: { sms: 10, email: 4 },
        cost_per_message: { sms: 0.145, email: 0.0001 },
        total: 1.45,
      },
      'en',
    );
    expect(view.languages.map((line) => line.cost)).toEqual(['€0.145', '€0.0725']);
    expect(view.unreachable).toBe(0);
    expect(view.total).toBe('€1.45');
  });

  it('reads an estimate without email recipients or languages', () => {
    const view = estimateView({ segments_sms: {}, encoding: {}, recipients: {}, cost_per_message: {}, total: 0 }, 'en');
    expect(view.languages).toEqual([]);
    expect(view.recipientsTotal).toBe(0);
    expect(view.total).toBe('€0.00');
  });
});

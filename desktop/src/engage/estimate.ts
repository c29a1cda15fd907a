/** A campaign's estimate as the composer and the launch confirmation show it. */

import type { CampaignEstimate, ReachChannel } from '../api/engage';
import { REACH_CHANNELS } from '../api/engage';
import type { Encoding, Language } from '../api/types';
import { LANGUAGES } from '../api/types';
import { formatCost, formatNumber } from '../i18n/format';

export interface EstimateLanguageLine {
  readonly language: Language;
  readonly encoding: Encoding | null;
  readonly segments: number;
  /** What one SMS in this language costs, formatted. */
  readonly cost: string;
}

export interface EstimateView {
  readonly languages: readonly EstimateLanguageLine[];
  readonly recipients: readonly { readonly channel: ReachChannel; readonly count: number; readonly shown: string }[];
  /** Citizens of the segment no channel reaches with consent. */
  readonly unreachable: number;
  readonly recipientsTotal: number;
  readonly total: string;
}

/**
 * What one SMS in `code` costs: the API's figure for the language, else the SMS price
 * (priced on the longest language's segments) shared out by segments.
 */
function smsCost(estimate: CampaignEstimate, code: Language): number {
  const own = estimate.cost_per_message[code];
  if (own !== undefined) {
    return own;
  }
  const longest = Math.max(0, ...Object.values(estimate.segments_sms));
  const sms = estimate.cost_per_message.sms ?? 0;
  return longest === 0 ? 0 : (sms / longest) * (estimate.segments_sms[code] ?? 0);
}

/** The estimate's lines for the languages that have a message, in the desk's language. */
export function estimateView(estimate: CampaignEstimate, language: Language): EstimateView {
  const languages = LANGUAGES.filter(
    (code) => estimate.segments_sms[code] !== undefined || estimate.cost_per_message[code] !== undefined,
  ).map((code) => ({
    language: code,
    encoding: estimate.encoding[code] ?? null,
    segments: estimate.segments_sms[code] ?? 0,
    cost: formatCost(smsCost(estimate, code), language),
  }));
  const recipients = REACH_CHANNELS.map((channel) => {
    const count = estimate.recipients[channel] ?? 0;
    return { channel, count, shown: formatNumber(count, language) };
  });
  return {
    languages,
    recipients,
    unreachable: estimate.recipients.none ?? 0,
    recipientsTotal: recipients.reduce((sum, line) => sum + line.count, 0),
    total: formatCost(estimate.total, language),
  };
}

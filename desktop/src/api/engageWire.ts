/**
 * The campaign side's answers as the desk API sends them, made into the desktop's shapes
 * (`engage.ts`). Each reader takes the back end's field names and the contract's alike, so
 * one end can move without breaking the other.
 */

import type {
  Difference,
  DifferencePage,
  InsightQuery,
  QuestionResult,
  RecipientPage,
  Sentiment,
  SurveyPurpose,
  SurveyResults,
} from './engage';
import { SENTIMENTS } from './engage';

type Wire = Readonly<Record<string, unknown>>;

/** The minimum sample the insights use when the answer does not say. */
export const DEFAULT_MINIMUM_SAMPLE = 30;

function isWire(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function counts(value: unknown): Record<string, number> {
  return isWire(value) ? Object.fromEntries(Object.entries(value).map(([key, n]) => [key, numberOr(n, 0)])) : {};
}

/** The list under `items` or under the route's own name (`segments`, `campaigns`, `surveys`). */
export function listOf<T>(page: unknown, name: string): T[] {
  if (!isWire(page)) {
    return [];
  }
  const found = page['items'] ?? page[name];
  return Array.isArray(found) ? (found as T[]) : [];
}

/** A page of recipients: `{items, cursor}` or `{recipients, next_batch}`. */
export function recipientPageOf(page: unknown): RecipientPage {
  const items = listOf<RecipientPage['items'][number]>(page, 'recipients');
  const wire = isWire(page) ? page : {};
  const next = wire['cursor'] ?? wire['next_batch'];
  return { items, cursor: typeof next === 'string' || typeof next === 'number' ? String(next) : null };
}

export interface SurveySummary {
  readonly id: string;
  readonly name: string;
  readonly purpose: SurveyPurpose;
  readonly questions: number;
  readonly version: number;
}

/** A survey of the list, with its questions or only their number. */
export function surveySummaryOf(raw: Wire): SurveySummary {
  const questions = raw['questions'];
  return {
    id: String(raw['id']),
    name: String(raw['name'] ?? raw['id']),
    purpose: raw['purpose'] === 'satisfaction' ? 'satisfaction' : 'campaign',
    questions: Array.isArray(questions) ? questions.length : numberOr(questions, 0),
    version: numberOr(raw['version'], 1),
  };
}

function sentimentOf(value: unknown): Partial<Record<Sentiment, number>> {
  const found: Partial<Record<Sentiment, number>> = {};
  for (const [label, n] of Object.entries(counts(value))) {
    const key = label.toLowerCase();
    if ((SENTIMENTS as readonly string[]).includes(key)) {
      found[key as Sentiment] = n;
    }
  }
  return found;
}

/** The method that scored most of the free texts, from the API's count per method. */
function mainMethod(raw: unknown): 'comprehend' | 'lexicon' | null {
  const scored = counts(raw);
  const comprehend = scored['comprehend'] ?? 0;
  const lexicon = scored['lexicon'] ?? 0;
  if (comprehend === 0 && lexicon === 0) return null;
  return comprehend > lexicon ? 'comprehend' : 'lexicon';
}

/**
 * A survey's results: per question either `ratings`/`choices`/`sentiment`, or one `counts`
 * with the survey's free-text `sentiment` beside the questions.
 */
export function surveyResultsOf(raw: unknown): SurveyResults {
  const wire = isWire(raw) ? raw : {};
  const shared = sentimentOf(wire['sentiment']);
  const method = wire['sentiment_method'] === 'comprehend' || wire['sentiment_method'] === 'lexicon' ? wire['sentiment_method'] : mainMethod(wire['sentiment_methods']);
  const questions = listOf<Wire>(wire, 'questions').map((question): QuestionResult => {
    const kind = question['kind'] === 'choice' || question['kind'] === 'text' ? question['kind'] : 'rating';
    const own = counts(question['counts']);
    const sentiment = sentimentOf(question['sentiment']);
    return {
      question_id: String(question['question_id']),
      kind,
      answered: numberOr(question['answered'], 0),
      ratings: kind === 'rating' ? { ...own, ...counts(question['ratings']) } : {},
      choices: kind === 'choice' ? { ...own, ...counts(question['choices']) } : {},
      sentiment: kind === 'text' ? (Object.keys(sentiment).length > 0 ? sentiment : shared) : {},
      sentiment_method:
        question['sentiment_method'] === 'comprehend' || question['sentiment_method'] === 'lexicon' ? question['sentiment_method'] : method,
    };
  });
  return {
    survey_id: typeof wire['survey_id'] === 'string' ? wire['survey_id'] : '',
    campaign_id: typeof wire['campaign_id'] === 'string' ? wire['campaign_id'] : null,
    responses: numberOr(wire['responses'], 0),
    questions,
  };
}

function differenceOf(raw: Wire, query: InsightQuery): Difference {
  const status = typeof raw['status'] === 'string' ? raw['status'] : null;
  const segmentValue = numberOr(raw['segment_value'] ?? raw['figure'], null);
  const enough = typeof raw['enough_data'] === 'boolean' ? raw['enough_data'] : status !== 'not_enough_data';
  const significant = typeof raw['significant'] === 'boolean' ? raw['significant'] : status === 'higher' || status === 'lower';
  return {
    value: String(raw['value']),
    metric: query.metric,
    segment_value: enough ? segmentValue : null,
    city_value: numberOr(raw['city_value'] ?? raw['city_figure'], null),
    sample_size: numberOr(raw['sample_size'] ?? raw['sample'], 0),
    p_value: numberOr(raw['p_value'], null),
    significant: enough && significant,
    enough_data: enough,
  };
}

/** The differences page: the contract's `{items, city_value, …}` or the back end's `{differences}`. */
export function differencePageOf(raw: unknown, query: InsightQuery): DifferencePage {
  const wire = isWire(raw) ? raw : {};
  const items = listOf<Wire>(wire, 'differences').map((item) => differenceOf(item, query));
  const city = numberOr(wire['city_value'], null) ?? items.find((item) => item.city_value !== null)?.city_value ?? null;
  return {
    dimension: query.dimension,
    metric: query.metric,
    since: query.since,
    until: query.until,
    minimum_sample: numberOr(wire['minimum_sample'], DEFAULT_MINIMUM_SAMPLE),
    city_value: city,
    items,
  };
}

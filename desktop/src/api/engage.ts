/**
 * The shapes of the engagement routes (segments, campaigns, surveys, insights) and of the
 * citizen API's survey and unsubscribe routes, as the contract gives them. They are
 * kept here, in one file, so aligning them with the back end touches one place.
 */

import type { Channel, Encoding, Language, RequestState } from './types';

export const REACH_CHANNELS = ['sms', 'email'] as const;
export type ReachChannel = (typeof REACH_CHANNELS)[number];

/** What a message is for: a campaign's own message, or a survey's invitation. */
export const MESSAGE_PURPOSES = ['campaigns', 'surveys'] as const;
export type MessagePurpose = (typeof MESSAGE_PURPOSES)[number];

export const RATINGS = [1, 2, 3, 4, 5] as const;

export interface RequestCriterion {
  readonly themes: readonly string[];
  readonly states: readonly RequestState[];
  readonly input_channels: readonly Channel[];
  readonly since: string | null;
  readonly until: string | null;
}

/** Every non-empty criterion must hold; the values inside one criterion are alternatives. */
export interface SegmentDefinition {
  readonly districts: readonly string[];
  readonly neighbourhoods: readonly string[];
  readonly languages: readonly Language[];
  readonly reachable: readonly ReachChannel[];
  readonly consents: readonly MessagePurpose[];
  readonly requests: RequestCriterion | null;
  readonly satisfaction: readonly number[];
  readonly tags: readonly string[];
}

export interface SegmentSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly updated_at: string;
}

export interface Segment extends SegmentSummary {
  readonly definition: SegmentDefinition;
  readonly created_by: string;
  readonly created_at: string;
  readonly version: number;
}

export interface SegmentOrder {
  readonly name: string;
  readonly description: string;
  readonly definition: SegmentDefinition;
}

/** One citizen of a preview's sample: by id and place only, never a contact point. */
export interface SegmentMember {
  readonly citizen_id: string;
  readonly language: Language;
  readonly district: string | null;
  readonly neighbourhood: string | null;
  readonly reach: readonly string[];
}

export interface SegmentPreview {
  readonly count: number;
  readonly sample: readonly SegmentMember[];
  /** Citizens reachable per `<channel>:<purpose>`, e.g. `sms:campaigns`. */
  readonly reachable: Readonly<Record<string, number>>;
  readonly reads: number;
  readonly read_units: number;
}

export const CAMPAIGN_STATES = ['draft', 'scheduled', 'planning', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export const RECIPIENT_STATES = ['planned', 'sending', 'sent', 'delivered', 'failed', 'opted_out', 'answered'] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

/** The recipient states a campaign's page counts, in the order it shows them. */
export const COUNTED_STATES: readonly RecipientState[] = ['planned', 'sent', 'delivered', 'failed', 'opted_out', 'answered'];

/** What the composer edits of a campaign. */
export interface CampaignOrder {
  readonly name: string;
  readonly segment_id: string;
  readonly purpose: MessagePurpose;
  readonly messages: Readonly<Partial<Record<Language, string>>>;
  readonly subject: Readonly<Partial<Record<Language, string>>>;
  readonly channels: readonly ReachChannel[];
  readonly survey_id: string | null;
  readonly starts_at: string | null;
  readonly quiet_hours_override: boolean;
  readonly rate_per_second: number;
}

export interface Campaign extends CampaignOrder {
  readonly id: string;
  readonly state: CampaignState;
  readonly counts: Readonly<Partial<Record<RecipientState, number>>>;
  readonly version: number;
  readonly created_by: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface CampaignPage {
  readonly items: readonly Campaign[];
}

/** What a campaign would cost, before launch. Money is in euros. */
export interface CampaignEstimate {
  /** SMS segments of each language's message. */
  readonly segments_sms: Readonly<Partial<Record<Language, number>>>;
  readonly encoding: Readonly<Partial<Record<Language, Encoding>>>;
  /** Recipients per channel they would be reached on; `none` counts those reached on none. */
  readonly recipients: Readonly<Partial<Record<ReachChannel | 'none', number>>>;
  /**
   * What one message costs: per channel (`sms`: the longest language's segments times the
   * segment price; `email`), and per language where the API gives it.
   */
  readonly cost_per_message: Readonly<Partial<Record<Language | ReachChannel, number>>>;
  readonly total: number;
}

export interface Recipient {
  readonly citizen_id: string;
  readonly state: RecipientState;
  readonly channel: ReachChannel | null;
  readonly at: string | null;
}

export interface RecipientPage {
  readonly items: readonly Recipient[];
  readonly cursor: string | null;
}

export const QUESTION_KINDS = ['rating', 'choice', 'text'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const SURVEY_PURPOSES = ['campaign', 'satisfaction'] as const;
export type SurveyPurpose = (typeof SURVEY_PURPOSES)[number];

export type Texts = Readonly<Partial<Record<Language, string>>>;

export interface SurveyChoice {
  readonly key: string;
  readonly keyword: Texts;
  readonly label: Texts;
}

export interface SurveyQuestion {
  readonly id: string;
  readonly kind: QuestionKind;
  readonly text: Texts;
  readonly choices: readonly SurveyChoice[];
}

export interface SurveyOrder {
  readonly name: string;
  readonly purpose: SurveyPurpose;
  readonly questions: readonly SurveyQuestion[];
}

export interface Survey extends SurveyOrder {
  readonly id: string;
  readonly version: number;
  readonly created_by: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export const SENTIMENTS = ['positive', 'negative', 'neutral', 'mixed'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export interface QuestionResult {
  readonly question_id: string;
  readonly kind: QuestionKind;
  readonly answered: number;
  /** Per rating `"1"`…`"5"`. */
  readonly ratings: Readonly<Record<string, number>>;
  /** Per choice key. */
  readonly choices: Readonly<Record<string, number>>;
  /** Free-text answers per sentiment label; never the texts. */
  readonly sentiment: Readonly<Partial<Record<Sentiment, number>>>;
  readonly sentiment_method: 'comprehend' | 'lexicon' | null;
}

export interface SurveyResults {
  readonly survey_id: string;
  readonly campaign_id: string | null;
  readonly responses: number;
  readonly questions: readonly QuestionResult[];
}

export const INSIGHT_DIMENSIONS = ['district', 'neighbourhood', 'theme', 'channel', 'language'] as const;
export type InsightDimension = (typeof INSIGHT_DIMENSIONS)[number];

/**
 * The metrics the desk API tests differences on, as `finestra.insights.reader.Metric`
 * names them (a Python test holds the two lists equal): the SLA breach rate, the
 * repeat-contact rate, resolution time (the median, tested as the share resolved later
 * than the city's median), mean satisfaction and the share of negative sentiment.
 */
export const INSIGHT_METRICS = ['breach_rate', 'repeat_rate', 'resolution', 'satisfaction', 'negative_sentiment'] as const;
export type InsightMetric = (typeof INSIGHT_METRICS)[number];

/** One value of a dimension against the city, with its test. */
export interface Difference {
  readonly value: string;
  readonly metric: InsightMetric;
  /** The value's figure; null when there is not enough data to give one. */
  readonly segment_value: number | null;
  readonly city_value: number | null;
  readonly sample_size: number;
  readonly p_value: number | null;
  readonly significant: boolean;
  readonly enough_data: boolean;
}

export interface DifferencePage {
  readonly dimension: InsightDimension;
  readonly metric: InsightMetric;
  readonly since: string;
  readonly until: string;
  readonly minimum_sample: number;
  readonly city_value: number | null;
  /** Every value of the dimension, those that differ marked `significant`. */
  readonly items: readonly Difference[];
}

export interface InsightQuery {
  readonly dimension: InsightDimension;
  readonly metric: InsightMetric;
  readonly since: string;
  readonly until: string;
}

/** A question as the citizen API gives it: worded in the link's language, or in every language. */
export interface CitizenQuestion {
  readonly id: string;
  readonly kind: QuestionKind;
  readonly text: string | Texts;
  readonly choices: readonly { readonly key: string; readonly label: string | Texts }[];
}

/** The citizen API's view of a survey link: the questions, in the link's language. */
export interface CitizenSurvey {
  readonly survey_id: string;
  readonly name: string;
  readonly language: Language;
  readonly questions: readonly CitizenQuestion[];
}

export interface CitizenAnswer {
  readonly question_id: string;
  readonly rating: number | null;
  readonly choice: string | null;
  readonly text: string | null;
}

/** The desk API's shapes, as `/api/desk/v1` answers them. Times are ISO-8601 UTC. */

export const LANGUAGES = ['ca', 'es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const REQUEST_STATES = [
  'pending_validation',
  'planned',
  'in_resolution',
  'pending_answer',
  'closed',
  'cancelled',
  'not_processed',
  'externally_processed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const CHANNELS = ['web', 'app', 'open311', 'sms', 'email', 'phone', 'social', 'in_person'] as const;
export type Channel = (typeof CHANNELS)[number];

export const RESPONSE_CHANNELS = ['email', 'sms', 'letter', 'phone', 'immediate', 'none'] as const;
export type ResponseChannel = (typeof RESPONSE_CHANNELS)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SLA_STATES = ['on_time', 'at_risk', 'breached'] as const;
export type SlaState = (typeof SLA_STATES)[number];
export type Sla = SlaState | 'none';

export const TIMELINE_KINDS = ['inbound', 'outbound', 'note', 'state_change', 'assignment', 'system'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const CONTACT_KINDS = ['phone', 'email', 'social', 'document'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export const CONSENT_PURPOSES = ['service', 'campaigns', 'surveys'] as const;

export const SEARCH_FIELDS = ['phone', 'email', 'document', 'name', 'reference'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export interface Me {
  readonly user_id: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly districts: readonly string[];
  readonly groups: readonly string[];
}

export interface WorklistItem {
  readonly reference: string;
  readonly theme: string;
  readonly theme_name: string;
  readonly state: RequestState;
  readonly channel: Channel;
  readonly district: string | null;
  readonly neighbourhood: string | null;
  readonly priority: Priority;
  readonly group: string;
  readonly due_at: string | null;
  readonly sla: Sla;
  readonly received_at: string;
  readonly summary: string;
}

export type SlaCounts = Readonly<Record<SlaState, number>>;

export interface Worklist {
  readonly items: readonly WorklistItem[];
  readonly next_cursor: string | null;
  readonly counts: SlaCounts;
}

export interface WorklistFilter {
  readonly group?: string;
  readonly state?: string;
  readonly theme?: string;
  readonly district?: string;
  readonly channel?: string;
  readonly sla?: string;
  readonly priority?: string;
  readonly q?: string;
}

export interface Location {
  readonly lat: number | null;
  readonly lon: number | null;
  readonly address: string | null;
  readonly district: string | null;
  readonly neighbourhood: string | null;
}

export interface RequestRecord extends WorklistItem {
  readonly description: string;
  readonly citizen_id: string | null;
  readonly language: Language;
  readonly response_channel: ResponseChannel;
  readonly location: Location | null;
  readonly attachments: readonly unknown[];
}

export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  readonly channel: string | null;
  readonly actor: string | null;
  readonly text: string | null;
  readonly from_state: RequestState | null;
  readonly to_state: RequestState | null;
}

export interface Snapshot {
  readonly system: string;
  readonly name: string;
  readonly fetched_at: string | null;
  readonly age_s: number | null;
  readonly available: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface Duplicate {
  readonly reference: string;
  readonly state: RequestState;
  readonly distance_m: number | null;
  readonly received_at: string;
}

export interface RequestDetail {
  readonly request: RequestRecord;
  readonly timeline: readonly TimelineEntry[];
  readonly snapshots: readonly Snapshot[];
  readonly duplicates: readonly Duplicate[];
  readonly allowed_transitions: readonly RequestState[];
}

export interface CitizenMatch {
  readonly citizen_id: string;
  readonly display_name: string;
  readonly district: string | null;
  readonly languages: readonly Language[];
  readonly request_count: number;
}

export interface Contact {
  readonly kind: ContactKind;
  readonly value: string;
  readonly verified: boolean;
}

export interface Consent {
  readonly purpose: string;
  readonly channel: string;
  readonly granted: boolean;
  readonly at: string | null;
}

export interface Citizen {
  readonly citizen_id: string;
  readonly display_name: string;
  readonly kind: string;
  readonly district: string | null;
  readonly neighbourhood: string | null;
  readonly languages: readonly Language[];
  readonly contacts: readonly Contact[];
  readonly consents: readonly Consent[];
}

export interface CitizenView {
  readonly citizen: Citizen;
  readonly requests: readonly WorklistItem[];
  readonly snapshots: readonly Snapshot[];
}

export interface ReplyTemplate {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export type Encoding = 'GSM-7' | 'UCS-2';

export interface ReplyPreview {
  readonly segments: number;
  readonly encoding: Encoding;
  readonly cost_eur: number;
}

export interface SentReply extends ReplyPreview {
  readonly interaction_id: string;
  readonly channel: string;
}

export interface ThemeChoice {
  readonly code: string;
  readonly area: string;
  readonly element: string;
  readonly detail: string;
}

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

/** States a request never leaves: its theme, group and priority stay as they are. */
export const FINAL_STATES: readonly RequestState[] = ['closed', 'cancelled', 'not_processed'];

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

export const REQUEST_TYPES = ['incident', 'complaint', 'suggestion', 'thanks', 'service_request', 'enquiry'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** How staff heard from the citizen when they log a contact: `voice` is a phone call. */
export const CONTACT_CHANNELS = ['voice', 'in_person'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const ACCESS_REASONS = ['search', 'profile', 'export', 'erasure', 'merge', 'attachment'] as const;
export type AccessReason = (typeof ACCESS_REASONS)[number];

export const MERGE_STATES = ['moving', 'done', 'undoing', 'undone'] as const;
export type MergeState = (typeof MERGE_STATES)[number];

export const ROLES = ['agent', 'supervisor', 'campaign_manager', 'administrator'] as const;
export type Role = (typeof ROLES)[number];

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
  readonly attachments: readonly Attachment[];
}

/** A file of a request's history, as the request detail lists it. */
export interface Attachment {
  /** The id the attachment route takes to open the file. */
  readonly attachment_id: string;
  readonly key: string;
  readonly filename: string;
  readonly content_type: string;
  readonly size: number;
  /**
   * Whether the bucket holds the file: `false` when its upload never finished, `null`
   * when the API did not check (it checks a request's first 20 files).
   */
  readonly uploaded: boolean | null;
}

/** A short-lived presigned GET that downloads one file under its recorded name. */
export interface AttachmentLink {
  readonly url: string;
  readonly expires_at: string;
  readonly filename: string;
  readonly content_type: string;
  readonly size: number;
}

export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  readonly channel: string | null;
  readonly actor: string | null;
  /** The staff member's user name, when staff acted (`actor` then reads `staff:<user id>`). */
  readonly actor_name?: string | null;
  readonly text: string | null;
  readonly from_state: RequestState | null;
  readonly to_state: RequestState | null;
  readonly reason?: string | null;
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

/** Who is working a request now and until when; `mine` when it is the caller. */
export interface RequestLock {
  readonly holder: string;
  readonly holder_name: string;
  readonly expires_at: string;
  readonly mine: boolean;
}

export interface RequestDetail {
  readonly request: RequestRecord;
  readonly timeline: readonly TimelineEntry[];
  readonly snapshots: readonly Snapshot[];
  readonly duplicates: readonly Duplicate[];
  readonly allowed_transitions: readonly RequestState[];
  /** Null when nobody is working the request. */
  readonly lock: RequestLock | null;
}

export interface CitizenMatch {
  readonly citizen_id: string;
  readonly display_name: string | null;
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
  /** `null` once the city knows no name: an erased or a never-named citizen. */
  readonly display_name: string | null;
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
  readonly request_types?: readonly RequestType[];
  readonly response_channels?: readonly ResponseChannel[];
  readonly requires_location?: boolean;
  readonly requires_identified_citizen?: boolean;
}

/** What an action on a request answers: the request as it stands after the change. */
export interface RequestSummary {
  readonly reference: string;
  readonly theme: string | null;
  readonly state: RequestState;
  readonly group: string;
  readonly agent: string | null;
  readonly priority: Priority;
  readonly due_at: string | null;
  readonly updated_at: string;
  readonly version: number;
  readonly allowed_transitions: readonly RequestState[];
}

/** The file staff are about to upload, as the attachments route takes it. */
export interface AttachmentOrder {
  readonly filename: string;
  readonly content_type: string;
  readonly size: number;
}

/** A presigned S3 POST: send every field, then the file, as one multipart form. */
export interface PresignedUpload {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface UploadGrant {
  readonly upload: PresignedUpload;
  readonly attachment_id: string;
}

export interface ContactLocation {
  readonly address?: string;
  readonly district_code?: string;
  readonly neighbourhood_code?: string;
  readonly latitude?: number;
  readonly longitude?: number;
}

/** A phone call or a visit, taken down as a new request (only the fields given are sent). */
export interface ContactOrder {
  readonly channel: ContactChannel;
  readonly theme: string;
  readonly description: string;
  readonly citizen_id?: string;
  readonly phone?: string;
  readonly email?: string;
  readonly document_id?: string;
  readonly given_name?: string;
  readonly family_names?: string;
  readonly language?: Language;
  readonly request_type?: RequestType;
  readonly location?: ContactLocation;
  readonly response_channel?: ResponseChannel;
}

export interface LoggedRequest {
  readonly reference: string;
  readonly state: RequestState | null;
}

/** The record of one merge: who, when and why, what moved, and whether it was undone. */
export interface Merge {
  readonly merge_id: string;
  readonly survivor: string;
  readonly merged: string;
  readonly reason: string;
  readonly by: string;
  readonly by_username: string;
  readonly at: string;
  readonly state: MergeState;
  readonly references: readonly string[];
  readonly contacts_moved: number;
  readonly consents_moved: number;
  readonly finished_at: string | null;
  readonly undone_at: string | null;
  readonly undone_by: string | null;
}

/** What an erasure did: the citizens it covered and how many items of each kind it changed. */
export interface Erasure {
  readonly erasure_id: string;
  readonly citizen_id: string;
  readonly citizens: readonly string[];
  readonly at: string;
  readonly erased: Readonly<Record<string, number>>;
}

/** Everything held on a citizen, as the export route answers it. */
export type CitizenExport = Readonly<Record<string, unknown>> & {
  readonly citizen_id: string;
  readonly exported_at: string;
};

export interface AccessRecord {
  readonly at: string;
  readonly user_id: string;
  readonly username: string;
  readonly citizen_id: string;
  readonly route: string;
  readonly reason: AccessReason;
}

export interface AccessPage {
  readonly items: readonly AccessRecord[];
  readonly next_cursor: string | null;
}

/** An administrator's question to the access log; times are ISO-8601 with their offset. */
export interface AccessQuery {
  readonly citizen_id?: string;
  readonly user_id?: string;
  readonly since?: string;
  readonly until?: string;
}

export const REPORT_DIMENSIONS = ['theme', 'district', 'channel', 'group'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** A report's question: a range of days on the city's calendar (both included) and a dimension. */
export interface ReportQuery {
  readonly from: string;
  readonly to: string;
  readonly by: ReportDimension;
}

/** What a report adds up for one value, or for all: counts, closing days and SLA compliance. */
export interface ReportFigures {
  readonly opened: number;
  readonly closed: number;
  readonly closed_within_sla: number;
  readonly closed_late: number;
  readonly reopened: number;
  /** `null` when nothing closed. */
  readonly average_closing_days: number | null;
  /** The percentage of closings with an SLA that met it; `null` when none had one. */
  readonly sla_compliance: number | null;
}

/** One value of the dimension; `value` is `none` for requests without one. */
export interface ReportRow extends ReportFigures {
  readonly value: string;
  readonly label: string | null;
}

export interface Report {
  readonly from: string;
  readonly to: string;
  readonly by: ReportDimension;
  readonly rows: readonly ReportRow[];
  readonly totals: ReportFigures;
}

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
  /** The staff user working it, if anyone. */
  readonly agent?: string | null;
  /** The principal it is joined to: it follows that request. */
  readonly joined_to?: string | null;
  /** The alarms it carries, in the vocabulary's order. */
  readonly alarms?: readonly Alarm[];
}

export type SlaCounts = Readonly<Record<SlaState, number>>;

export interface Worklist {
  readonly items: readonly WorklistItem[];
  readonly next_cursor: string | null;
  readonly counts: SlaCounts;
  /** How many open requests of the group each view shows, and each alarm carries. */
  readonly views?: ViewCounts;
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
  readonly view?: string;
  readonly alarm?: string;
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
  /** A link an Open311 app gave to a photo or file it hosts; shown as a link, never fetched. */
  readonly media_url?: string | null;
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
  /** Its principal or joined requests, split parts and claims. */
  readonly links?: RequestLinks | null;
}

/** A request linked to another, and where it stands (null when not found). */
export interface LinkedRequest {
  readonly reference: string;
  readonly state: RequestState | null;
}

export interface RequestLinks {
  readonly reference: string;
  readonly joined_to: LinkedRequest | null;
  readonly joined: readonly LinkedRequest[];
  readonly split_from: LinkedRequest | null;
  readonly parts: readonly LinkedRequest[];
  readonly claim_of: LinkedRequest | null;
  readonly claims: readonly LinkedRequest[];
  readonly duplicate_of: LinkedRequest | null;
}

/** One problem of a citizen's message, to become a linked request of its own. */
export interface SplitPart {
  readonly theme: string;
  readonly description: string;
}

/** The request a claim opened: the claimed reference with a suffix, and its alarm. */
export interface ClaimReceipt {
  readonly reference: string;
  readonly claim_of: string;
  readonly state: RequestState;
  readonly group: string;
  readonly due_at: string | null;
  readonly flags: readonly string[];
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

/** A group as the group switcher and the reassign form list it. */
export interface GroupEntry {
  readonly code: string;
  readonly name: string;
  readonly parent: string | null;
  /** How far below the caller's own group it sits; 0 for that group. */
  readonly depth: number;
}

/** One of the caller's groups and every group it acts for, itself first. */
export interface StaffGroup {
  readonly code: string;
  readonly name: string;
  readonly acts_for: readonly GroupEntry[];
}

/** The groups a request of `group` may be handed to. */
export interface GroupTargets {
  readonly group: string;
  readonly name: string;
  readonly items: readonly GroupEntry[];
}

/** The alarms a request can carry, in the order the API lists them. */
export const ALARMS = [
  'citizen_replied',
  'claimed',
  'reassigned_back',
  'sla_near',
  'sla_breached',
  'answer_pending',
  'external_body_answered',
  'low_confidence',
  'possible_duplicate',
  'possible_duplicate_citizen',
  'acknowledgement_failed',
  'workflow_failed',
] as const;
export type Alarm = (typeof ALARMS)[number];

/** Alarms that stand while their cause does: staff cannot clear them. */
export const STANDING_ALARMS: readonly Alarm[] = ['sla_near', 'sla_breached', 'workflow_failed'];

/** The named views of a group's worklist, each a tab with its count. */
export const WORKLIST_VIEWS = ['open', 'pending_validation', 'mine', 'about_to_breach', 'breached', 'urgent'] as const;
export type WorklistView = (typeof WORKLIST_VIEWS)[number];

export type ViewCounts = Readonly<Record<WorklistView, number>> & {
  readonly alarms: Readonly<Partial<Record<Alarm, number>>>;
};

/** What became of one request of a bulk action. */
export interface BulkOutcome {
  readonly reference: string;
  readonly ok: boolean;
  readonly request: RequestSummary | null;
  readonly error: { readonly code: string; readonly message: string; readonly field: string | null } | null;
}

export interface BulkResult {
  readonly done: number;
  readonly failed: number;
  readonly items: readonly BulkOutcome[];
}

export interface AlarmCleared {
  readonly reference: string;
  readonly alarm: Alarm;
  readonly alarms: readonly Alarm[];
  readonly interaction_id: string;
  readonly at: string;
  readonly version: number;
}

/** A reply template offered for one request, with what it is written for. */
export interface FittingTemplate extends ReplyTemplate {
  readonly scope: readonly ('theme' | 'group' | 'type')[];
}

/** The caller's saved draft answer to a request. */
export interface ReplyDraft {
  readonly reference: string;
  readonly text: string;
  readonly template: string | null;
  readonly language: Language;
  readonly version: number;
  readonly saved_at: string;
  readonly expires_at: string;
}

export type ConversationWith = 'group' | 'external' | 'citizen';

/** One message of a conversation on a request. */
export interface ConversationMessage {
  readonly id: string;
  readonly at: string;
  readonly author: string;
  readonly author_name: string | null;
  readonly group: string | null;
  readonly text: string | null;
  readonly incoming: boolean;
}

/** A conversation on a request, with the caller's groups' unread mark. */
export interface Conversation {
  readonly id: string;
  readonly reference: string;
  readonly with: ConversationWith;
  readonly groups: readonly string[];
  readonly body_code: string | null;
  readonly body_name: string | null;
  readonly opened_at: string;
  readonly opened_by: string;
  readonly last_at: string;
  readonly unread: boolean;
  readonly unread_groups: readonly string[];
  readonly messages: readonly ConversationMessage[];
}

/** What opens a conversation: the other side and the first message. */
export interface ConversationOrder {
  readonly with: ConversationWith;
  readonly group?: string;
  readonly body_code?: string;
  readonly text: string;
}

/** The advanced search's filters, as its form holds them ('' is "any"). */
export interface RequestSearchFilter {
  readonly theme: string;
  /** A state, `open`, `final` or `any`. */
  readonly state: string;
  readonly received_from: string;
  readonly received_to: string;
  readonly sla: '' | SlaState;
  readonly flag: string;
  readonly district: string;
  readonly neighbourhood: string;
  readonly address: string;
  /** A citizen id, picked through the citizen search: never a phone or an email. */
  readonly applicant: string;
  readonly group: string;
}

/** A search result: a worklist row, its flags and its point on the map (null without one). */
export interface RequestSearchItem extends WorklistItem {
  readonly flags: readonly string[];
  readonly point: { readonly lat: number; readonly lon: number } | null;
  readonly updated_at: string;
}

/** A page of search results, the index the API read, and the next page's cursor. */
export interface RequestSearchPage {
  readonly items: readonly RequestSearchItem[];
  readonly next_cursor: string | null;
  readonly access_path: 'applicant' | 'group' | 'due';
}

/** Every desk API route the desktop calls, typed. */

import { ApiError } from './client';
import type { ApiClient } from './client';
import type {
  Campaign,
  CampaignEstimate,
  CampaignOrder,
  DifferencePage,
  InsightQuery,
  RecipientPage,
  RecipientState,
  Segment,
  SegmentDefinition,
  SegmentOrder,
  SegmentPreview,
  SegmentSummary,
  Survey,
  SurveyOrder,
  SurveyResults,
} from './engage';
import { differencePageOf, listOf, recipientPageOf, type SurveySummary, surveyResultsOf, surveySummaryOf } from './engageWire';
import { type Overview, overviewOf, type OverviewQuery } from './insightsWire';
import { type Open311App, type Open311AppOrder, open311AppOf, open311AppsOf, type RegisteredApp, registeredAppOf } from './open311Apps';
import type {
  AccessPage,
  AccessQuery,
  AlarmCleared,
  AttachmentLink,
  AttachmentOrder,
  BulkResult,
  CitizenExport,
  ClaimReceipt,
  CitizenMatch,
  CitizenView,
  ContactOrder,
  Conversation,
  ConversationOrder,
  Erasure,
  FittingTemplate,
  GroupTargets,
  Language,
  LoggedRequest,
  Me,
  Merge,
  Priority,
  ReplyPreview,
  ReplyTemplate,
  ReplyDraft,
  Report,
  ReportQuery,
  RequestDetail,
  RequestLinks,
  RequestLock,
  RequestSearchFilter,
  RequestSearchPage,
  RequestState,
  RequestSummary,
  SearchField,
  SentReply,
  SplitPart,
  StaffGroup,
  ThemeChoice,
  UploadGrant,
  Worklist,
  WorklistFilter,
} from './types';

const DESK = '/api/desk/v1';

/** The most access records one page asks for (the API allows 1 to 200). */
export const ACCESS_PAGE_SIZE = 50;

function segment(value: string): string {
  return encodeURIComponent(value);
}

export class DeskApi {
  constructor(private readonly client: ApiClient) {}

  /** The signed-in staff member, with roles, districts and groups. */
  me(): Promise<Me> {
    return this.client.get<Me>(`${DESK}/me`);
  }

  /** The caller's groups, each with the groups it acts for (itself first), named in `language`. */
  async myGroups(language: Language): Promise<readonly StaffGroup[]> {
    const page = await this.client.get<{ items: StaffGroup[] }>(`${DESK}/me/groups`, { lang: language });
    return page.items;
  }

  /** The groups a request of `group` may be handed to, as the city configured them. */
  reassignTargets(group: string, language: Language): Promise<GroupTargets> {
    return this.client.get<GroupTargets>(`${DESK}/groups/${segment(group)}/targets`, { lang: language });
  }

  /** One page of the worklist, soonest due first, with the SLA counts. */
  worklist(filter: WorklistFilter, cursor: string | null, limit: number): Promise<Worklist> {
    return this.client.get<Worklist>(`${DESK}/worklist`, { ...filter, cursor, limit });
  }

  /** Validate requests pending validation (at most 50), each reported on its own. */
  bulkValidate(references: readonly string[], to: RequestState | null = null): Promise<BulkResult> {
    return this.client.post<BulkResult>(`${DESK}/requests/bulk/validate`, to ? { references, to } : { references });
  }

  /** Give requests (at most 50) to a group, with the reason, each reported on its own. */
  bulkReassign(references: readonly string[], group: string, reason: string): Promise<BulkResult> {
    return this.client.post<BulkResult>(`${DESK}/requests/bulk/reassign`, { references, group, reason });
  }

  /** Clear one alarm of a request, with an optional note; the timeline records who did. */
  clearAlarm(reference: string, alarm: string, note: string): Promise<AlarmCleared> {
    return this.client.post<AlarmCleared>(
      `${DESK}/requests/${segment(reference)}/alarms/${segment(alarm)}/clear`,
      note.trim() ? { note: note.trim() } : {},
    );
  }

  /** Join a request to the principal that survives it; joining again changes nothing. */
  join(reference: string, into: string): Promise<RequestLinks> {
    return this.client.post<RequestLinks>(`${DESK}/requests/${segment(reference)}/join`, { into });
  }

  /** Undo a request's join, before either request has ended. */
  unjoin(reference: string): Promise<unknown> {
    return this.client.delete(`${DESK}/requests/${segment(reference)}/join`);
  }

  /** Make linked requests of the problems one message raises; the same key splits once. */
  split(reference: string, parts: readonly SplitPart[], idempotencyKey: string): Promise<RequestLinks> {
    return this.client.post<RequestLinks>(`${DESK}/requests/${segment(reference)}/split`, { parts }, { 'Idempotency-Key': idempotencyKey });
  }

  /** Open a claim against a closed or cancelled request; the same key claims once. */
  claim(reference: string, text: string, idempotencyKey: string): Promise<ClaimReceipt> {
    return this.client.post<ClaimReceipt>(`${DESK}/requests/${segment(reference)}/claim`, { text }, { 'Idempotency-Key': idempotencyKey });
  }

  /** A request with its timeline, back-office snapshots and duplicates. */
  request(reference: string): Promise<RequestDetail> {
    return this.client.get<RequestDetail>(`${DESK}/requests/${segment(reference)}`);
  }

  /**
   * Take the request's lock, or renew it when it is the caller's already. The API answers
   * 409 (`locked`) when another staff member holds it; the request's detail names them.
   */
  takeLock(reference: string): Promise<RequestLock> {
    return this.client.post<RequestLock>(`${DESK}/requests/${segment(reference)}/lock`, undefined);
  }

  /**
   * Give up the caller's lock (nothing held is no error). `force` lets a supervisor break
   * another's lock, which the timeline records; `keepalive` lets the call outlive the page.
   */
  async releaseLock(reference: string, { force = false, keepalive = false } = {}): Promise<void> {
    await this.client.delete(
      `${DESK}/requests/${segment(reference)}/lock`,
      force ? { force: 'true' } : {},
      keepalive,
    );
  }

  /** Move a request to one of its allowed states. */
  transition(reference: string, to: RequestState, reason: string, duplicateOf: string | null = null): Promise<unknown> {
    const body = duplicateOf ? { to, reason, duplicate_of: duplicateOf } : { to, reason };
    return this.client.post(`${DESK}/requests/${segment(reference)}/transitions`, body);
  }

  /** Hand a request to another responsible group (and optionally an agent). */
  reassign(reference: string, group: string, agent: string | null, reason: string): Promise<unknown> {
    return this.client.post(`${DESK}/requests/${segment(reference)}/assignment`, {
      group,
      agent,
      reason,
    });
  }

  /** Change how soon the responsible group should act. */
  setPriority(reference: string, priority: Priority): Promise<unknown> {
    return this.client.post(`${DESK}/requests/${segment(reference)}/priority`, { priority });
  }

  /** Add an internal note to the request's timeline. */
  addNote(reference: string, text: string): Promise<unknown> {
    return this.client.post(`${DESK}/requests/${segment(reference)}/notes`, { text });
  }

  /** Answer the citizen on the request's response channel. */
  reply(reference: string, text: string, template: string | null, language: Language): Promise<SentReply> {
    return this.client.post<SentReply>(`${DESK}/requests/${segment(reference)}/replies`, {
      text,
      template,
      language,
    });
  }

  /** What a reply would cost: segments, encoding and price. */
  previewReply(text: string, channel: string): Promise<ReplyPreview> {
    return this.client.post<ReplyPreview>(`${DESK}/replies/preview`, { text, channel });
  }

  /** The reply templates in one language. */
  async replyTemplates(language: Language): Promise<readonly ReplyTemplate[]> {
    const page = await this.client.get<{ items: ReplyTemplate[] }>(`${DESK}/reply-templates`, {
      lang: language,
    });
    return page.items;
  }

  /** The templates that fit one request, the most specific first. */
  async templatesFor(reference: string, language: Language): Promise<readonly FittingTemplate[]> {
    const page = await this.client.get<{ items: FittingTemplate[] }>(`${DESK}/templates`, {
      reference,
      lang: language,
    });
    return page.items;
  }

  /** The caller's saved draft answer, or null when there is none. */
  async draft(reference: string): Promise<ReplyDraft | null> {
    try {
      return await this.client.get<ReplyDraft>(`${DESK}/requests/${segment(reference)}/draft`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return null;
      }
      throw error;
    }
  }

  /** Save the caller's draft answer over the version they read (0 for a first one). */
  saveDraft(
    reference: string,
    draft: { text: string; template: string | null; language: Language; version: number },
  ): Promise<ReplyDraft> {
    return this.client.put<ReplyDraft>(`${DESK}/requests/${segment(reference)}/draft`, draft);
  }

  /** Drop the caller's draft answer. */
  dropDraft(reference: string): Promise<unknown> {
    return this.client.delete(`${DESK}/requests/${segment(reference)}/draft`);
  }

  /** The request's conversations the caller may see. */
  async conversations(reference: string): Promise<readonly Conversation[]> {
    const page = await this.client.get<{ items: Conversation[] }>(
      `${DESK}/requests/${segment(reference)}/conversations`,
    );
    return page.items;
  }

  /** Open a conversation with a group, an external body or the citizen. */
  openConversation(reference: string, order: ConversationOrder): Promise<Conversation> {
    return this.client.post<Conversation>(`${DESK}/requests/${segment(reference)}/conversations`, order);
  }

  /** One more message in a conversation. */
  postConversationMessage(reference: string, id: string, text: string): Promise<Conversation> {
    return this.client.post<Conversation>(
      `${DESK}/requests/${segment(reference)}/conversations/${segment(id)}/messages`,
      { text },
    );
  }

  /** Open a conversation, lowering the caller's groups' unread marks. */
  readConversation(reference: string, id: string): Promise<Conversation> {
    return this.client.post<Conversation>(
      `${DESK}/requests/${segment(reference)}/conversations/${segment(id)}/read`,
      undefined,
    );
  }

  /** Citizens matching one identifier. */
  async searchCitizens(field: SearchField, value: string): Promise<readonly CitizenMatch[]> {
    const page = await this.client.get<{ items: CitizenMatch[] }>(`${DESK}/citizens`, {
      [field]: value,
    });
    return page.items;
  }

  /** Everything the city holds on one citizen (the read is recorded in the access log). */
  citizen(citizenId: string): Promise<CitizenView> {
    return this.client.get<CitizenView>(`${DESK}/citizens/${segment(citizenId)}`);
  }

  /** The theme catalogue as the citizen API lists it. */
  async themes(language: Language): Promise<readonly ThemeChoice[]> {
    const page = await this.client.get<{ themes: ThemeChoice[] }>('/api/v1/themes', { lang: language });
    return page.themes;
  }

  /** Correct a request's theme; the request moves to that theme's group. */
  correctTheme(reference: string, theme: string, reason: string): Promise<RequestSummary> {
    return this.client.post<RequestSummary>(`${DESK}/requests/${segment(reference)}/theme`, { theme, reason });
  }

  /**
   * Ask leave to upload one file to a request. The API records the file on the request
   * at once and answers the presigned POST that stores it (see `uploadFile`).
   */
  attach(reference: string, file: AttachmentOrder): Promise<UploadGrant> {
    return this.client.post<UploadGrant>(`${DESK}/requests/${segment(reference)}/attachments`, file);
  }

  /**
   * A short-lived link that downloads one file of a request. The API answers 409
   * (`upload_incomplete`) for a file whose upload never finished, and 404 for an id that
   * is none of the request's files. The download is in the access log.
   */
  attachmentLink(reference: string, attachmentId: string): Promise<AttachmentLink> {
    return this.client.get<AttachmentLink>(
      `${DESK}/requests/${segment(reference)}/attachments/${segment(attachmentId)}`,
    );
  }

  /**
   * Open a request for a phone call or a visit. The same `idempotencyKey` opens one
   * request however often it is sent, so a retry after a lost answer is safe.
   */
  logContact(order: ContactOrder, idempotencyKey: string): Promise<LoggedRequest> {
    return this.client.post<LoggedRequest>(`${DESK}/requests`, order, { 'Idempotency-Key': idempotencyKey });
  }

  /** Merge `merged` into `survivor`: contacts, consents and requests move to the survivor. */
  mergeCitizens(survivor: string, merged: string, reason: string): Promise<Merge> {
    return this.client.post<Merge>(`${DESK}/citizens/merge`, { survivor, merged, reason });
  }

  /** Reverse a merge, unless something changed since that makes it unsafe (409). */
  undoMerge(mergeId: string): Promise<Merge> {
    return this.client.post<Merge>(`${DESK}/citizens/merges/${segment(mergeId)}/undo`, undefined);
  }

  /** Everything held on a citizen, as one JSON document (administrators; audited). */
  exportCitizen(citizenId: string): Promise<CitizenExport> {
    return this.client.get<CitizenExport>(`${DESK}/citizens/${segment(citizenId)}/export`);
  }

  /** Anonymise everything that names a citizen (administrators; cannot be undone). */
  eraseCitizen(citizenId: string, reason: string): Promise<Erasure> {
    return this.client.post<Erasure>(`${DESK}/citizens/${segment(citizenId)}/erasure`, { reason });
  }

  /** One page of the access log, newest first (administrators). */
  accessLog(query: AccessQuery, cursor: string | null, limit = ACCESS_PAGE_SIZE): Promise<AccessPage> {
    return this.client.get<AccessPage>(`${DESK}/access-log`, { ...query, cursor, limit });
  }

  /** Every Open311 client app, revoked ones included (administrators). */
  async open311Apps(): Promise<readonly Open311App[]> {
    return open311AppsOf(await this.client.get<unknown>(`${DESK}/open311/apps`));
  }

  /** Register an Open311 client app; the answer holds its key, shown this once. */
  async registerOpen311App(order: Open311AppOrder): Promise<RegisteredApp> {
    return registeredAppOf(await this.client.post<unknown>(`${DESK}/open311/apps`, order));
  }

  /** Refuse an Open311 client app's key from now on. */
  async revokeOpen311App(id: string): Promise<Open311App> {
    return open311AppOf(await this.client.post<unknown>(`${DESK}/open311/apps/${segment(id)}/revoke`, undefined));
  }

  /** Opened and closed requests, closing days and SLA compliance over days (supervisors). */
  report(query: ReportQuery, language: Language): Promise<Report> {
    return this.client.get<Report>(`${DESK}/reports`, { ...query, lang: language });
  }

  /** The same report as the CSV file a spreadsheet opens, names in `language`. */
  reportFile(query: ReportQuery, language: Language): Promise<Blob> {
    return this.client.file(`${DESK}/reports`, { ...query, format: 'csv', lang: language });
  }

  /** One page of the advanced search, in the caller's scope, with each request's point. */
  searchRequests(filter: RequestSearchFilter, cursor: string | null, language: Language): Promise<RequestSearchPage> {
    return this.client.get<RequestSearchPage>(`${DESK}/requests/search`, { ...filter, cursor, lang: language });
  }

  /** Every request the search finds, as a CSV or Excel file (capped and recorded by the API). */
  exportRequests(filter: RequestSearchFilter, format: 'csv' | 'xlsx', language: Language): Promise<Blob> {
    return this.client.file(`${DESK}/requests/export`, { ...filter, format, lang: language });
  }

  /** The saved segments, without their definitions. */
  async segments(): Promise<readonly SegmentSummary[]> {
    return listOf<SegmentSummary>(await this.client.get<unknown>(`${DESK}/segments`), 'segments');
  }

  segment(id: string): Promise<Segment> {
    return this.client.get<Segment>(`${DESK}/segments/${segment(id)}`);
  }

  createSegment(order: SegmentOrder): Promise<Segment> {
    return this.client.post<Segment>(`${DESK}/segments`, order);
  }

  /** Save a segment on the version read; 409 when someone else changed it since. */
  updateSegment(id: string, order: SegmentOrder, version: number): Promise<Segment> {
    return this.client.put<Segment>(`${DESK}/segments/${segment(id)}`, { ...order, version });
  }

  /** Delete a segment; 409 while a campaign that has not ended uses it. */
  async deleteSegment(id: string): Promise<void> {
    await this.client.delete(`${DESK}/segments/${segment(id)}`);
  }

  /** How many citizens a definition holds, a sample of them and what counting cost. */
  previewSegment(definition: SegmentDefinition): Promise<SegmentPreview> {
    return this.client.post<SegmentPreview>(`${DESK}/segments/preview`, { definition });
  }

  async campaigns(): Promise<readonly Campaign[]> {
    return listOf<Campaign>(await this.client.get<unknown>(`${DESK}/campaigns`), 'campaigns');
  }

  campaign(id: string): Promise<Campaign> {
    return this.client.get<Campaign>(`${DESK}/campaigns/${segment(id)}`);
  }

  /** A new draft campaign. */
  createCampaign(order: CampaignOrder): Promise<Campaign> {
    return this.client.post<Campaign>(`${DESK}/campaigns`, order);
  }

  /** Edit a draft on the version read. */
  updateCampaign(id: string, order: CampaignOrder, version: number): Promise<Campaign> {
    return this.client.put<Campaign>(`${DESK}/campaigns/${segment(id)}`, { ...order, version });
  }

  /** Recipients per channel, SMS segments per language and the total cost, before launch. */
  estimateCampaign(id: string): Promise<CampaignEstimate> {
    return this.client.post<CampaignEstimate>(`${DESK}/campaigns/${segment(id)}/estimate`, {});
  }

  /** Launch, pause, resume or cancel a campaign on the version read; 409 when not allowed. */
  changeCampaign(id: string, change: 'launch' | 'pause' | 'resume' | 'cancel', version: number): Promise<Campaign> {
    return this.client.post<Campaign>(`${DESK}/campaigns/${segment(id)}/${change}`, { version });
  }

  /** A page of a campaign's recipients; `cursor` is the batch the previous page named next. */
  async recipients(id: string, state: RecipientState | null, cursor: string | null): Promise<RecipientPage> {
    return recipientPageOf(await this.client.get<unknown>(`${DESK}/campaigns/${segment(id)}/recipients`, { state, batch: cursor }));
  }

  /** Every survey, built-in ones too, with the number of its questions. */
  async surveys(): Promise<readonly SurveySummary[]> {
    return listOf<Readonly<Record<string, unknown>>>(await this.client.get<unknown>(`${DESK}/surveys`), 'surveys').map(surveySummaryOf);
  }

  survey(id: string): Promise<Survey> {
    return this.client.get<Survey>(`${DESK}/surveys/${segment(id)}`);
  }

  createSurvey(order: SurveyOrder): Promise<Survey> {
    return this.client.post<Survey>(`${DESK}/surveys`, order);
  }

  updateSurvey(id: string, order: SurveyOrder, version: number): Promise<Survey> {
    return this.client.put<Survey>(`${DESK}/surveys/${segment(id)}`, { ...order, version });
  }

  /** Counts per rating and choice and free-text sentiment, for one campaign when given. */
  async surveyResults(id: string, campaignId: string | null = null): Promise<SurveyResults> {
    return surveyResultsOf(await this.client.get<unknown>(`${DESK}/surveys/${segment(id)}/results`, { campaign_id: campaignId }));
  }

  /** Every value of a dimension against the city on one metric, with its significance. */
  async differences(query: InsightQuery): Promise<DifferencePage> {
    return differencePageOf(await this.client.get<unknown>(`${DESK}/insights/differences`, { ...query }), query);
  }

  /** Every value of a dimension with all its figures, and the whole city's, over a range of days. */
  async insightOverview(query: OverviewQuery): Promise<Overview> {
    const { dimension, since, until } = query;
    return overviewOf(await this.client.get<unknown>(`${DESK}/insights/segments`, { dimension, since, until }), query);
  }

  /** The open-data CSV of the requests opened from `since` to `until` (at most 31 days). */
  openData(since: string, until: string): Promise<Blob> {
    return this.client.file(`${DESK}/insights/open-data`, { since, until });
  }
}

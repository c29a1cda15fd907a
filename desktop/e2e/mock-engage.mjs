// The campaign side of the mock desk API (segments, campaigns, surveys, insights) and the
// citizen API's survey and unsubscribe routes, over a synthetic population of its own:
// citizens by id, district, neighbourhood, language and the ways they can be reached.

import { readFileSync } from 'node:fs';

const DESK = '/api/desk/v1';
const CITIZEN = '/api/citizen/v1';
const CONFIG = new URL('../../infra/config/', import.meta.url);
const LANGUAGES = ['ca', 'es', 'en'];
const PURPOSES = ['campaigns', 'surveys'];
const COUNTED = ['planned', 'sent', 'delivered', 'failed', 'opted_out', 'answered'];
const PAGE = 50;
const MINIMUM_SAMPLE = 30;
const POPULATION = 400;
const SMS_SEGMENT_EUR = 0.0725;

const NEIGHBOURHOODS = readFileSync(new URL('neighbourhoods.csv', CONFIG), 'utf8')
  .trim()
  .split(/\r?\n/)
  .slice(1)
  .map((line) => {
    const code = line.split(',')[0];
    const district = line.split(',').at(-1);
    return { code, district };
  });
const DISTRICTS = [...new Set(NEIGHBOURHOODS.map((item) => item.district))];

/** A deterministic citizen `n` of the mock city. */
function citizenOf(n) {
  const place = NEIGHBOURHOODS[(n * 7) % NEIGHBOURHOODS.length];
  const language = n % 5 === 0 ? 'es' : n % 11 === 0 ? 'en' : 'ca';
  const reach = [];
  if (n % 4 !== 3) reach.push('sms:campaigns');
  if (n % 6 === 0) reach.push('sms:surveys');
  if (n % 3 === 0) reach.push('email:campaigns');
  if (n % 2 === 0) reach.push('email:surveys');
  return {
    citizen_id: `cit_01JQ9M${String(n).padStart(20, '0')}`,
    language,
    district: place.district,
    neighbourhood: place.code,
    reach,
    themes: n % 2 === 0 ? ['street-lighting'] : ['waste'],
    rating: (n % 5) + 1,
    tags: n % 9 === 0 ? ['gent-gran'] : [],
  };
}

const CITIZENS = Array.from({ length: POPULATION }, (_, n) => citizenOf(n + 1));

function holds(definition, citizen) {
  const any = (list, test) => !list?.length || list.some(test);
  return (
    any(definition.districts, (code) => code === citizen.district) &&
    any(definition.neighbourhoods, (code) => code === citizen.neighbourhood) &&
    any(definition.languages, (code) => code === citizen.language) &&
    any(definition.reachable, (channel) => citizen.reach.some((key) => key.startsWith(`${channel}:`))) &&
    any(definition.consents, (purpose) => citizen.reach.some((key) => key.endsWith(`:${purpose}`))) &&
    any(definition.satisfaction, (rating) => rating === citizen.rating) &&
    any(definition.tags, (tag) => citizen.tags.includes(tag)) &&
    (!definition.requests || any(definition.requests.themes, (theme) => citizen.themes.some((own) => own === theme || own.startsWith(`${theme}.`))))
  );
}

const EMPTY = { districts: [], neighbourhoods: [], languages: [], reachable: [], consents: [], requests: null, satisfaction: [], tags: [] };

function checkDefinition(definition, fail) {
  if (typeof definition !== 'object' || definition === null) {
    throw fail(422, 'invalid_request', 'is required', 'definition');
  }
  for (const key of Object.keys(definition)) {
    if (!(key in EMPTY)) {
      throw fail(422, 'invalid_request', 'is not a criterion', `definition.${key}`);
    }
  }
  for (const code of definition.districts ?? []) {
    if (!DISTRICTS.includes(code)) {
      throw fail(422, 'invalid_request', 'is a code from 1 to 10', 'definition.districts');
    }
  }
  const window = definition.requests;
  if (window?.since && window?.until && window.since > window.until) {
    throw fail(422, 'invalid_request', 'since is on or before until', 'definition.requests');
  }
  return { ...EMPTY, ...definition };
}

/** A preview as segment evaluation answers it: count, reach per channel:purpose, a sample, and what reading cost. */
export function previewOf(definition) {
  const members = CITIZENS.filter((citizen) => holds(definition, citizen));
  const reachable = {};
  for (const channel of ['sms', 'email']) {
    for (const purpose of PURPOSES) {
      reachable[`${channel}:${purpose}`] = members.filter((member) => member.reach.includes(`${channel}:${purpose}`)).length;
    }
  }
  const reads = 1 + Math.ceil(members.length / 100);
  return {
    count: members.length,
    sample: members.slice(0, 10).map(({ citizen_id, language, district, neighbourhood, reach }) => ({ citizen_id, language, district, neighbourhood, reach })),
    reachable,
    reads,
    read_units: reads * 0.5,
  };
}

const PARKS_SURVEY = {
  id: 'srv_parks',
  name: 'Parcs del barri',
  purpose: 'campaign',
  questions: [
    { id: 'q1', kind: 'rating', text: { ca: 'Com valoreu el parc del vostre barri?', es: '¿Cómo valora el parque de su barrio?', en: 'How do you rate your neighbourhood park?' }, choices: [] },
    {
      id: 'q2',
      kind: 'choice',
      text: { ca: 'Què hi trobeu a faltar?', es: '¿Qué echa en falta?', en: 'What is missing?' },
      choices: [
        { key: 'shade', keyword: { ca: 'OMBRA', es: 'SOMBRA', en: 'SHADE' }, label: { ca: 'Ombra', es: 'Sombra', en: 'Shade' } },
        { key: 'fountains', keyword: { ca: 'FONTS', es: 'FUENTES', en: 'FOUNTAINS' }, label: { ca: 'Fonts', es: 'Fuentes', en: 'Fountains' } },
        { key: 'games', keyword: { ca: 'JOCS', es: 'JUEGOS', en: 'GAMES' }, label: { ca: 'Jocs infantils', es: 'Juegos infantiles', en: 'Playground' } },
      ],
    },
    { id: 'q3', kind: 'text', text: { ca: 'Voleu afegir-hi res?', es: '¿Quiere añadir algo?', en: 'Anything to add?' }, choices: [] },
  ],
};

// Per-district figures of the mock's insights: a value, a sample and whether it differs.
const DISTRICT_FIGURES = {
  1: [0.31, 420, 0.0003],
  2: [0.19, 610, 0.71],
  3: [0.22, 380, 0.4],
  4: [0.18, 150, 0.62],
  5: [0.2, 260, 0.93],
  6: [0.11, 300, 0.004],
  7: [0.21, 220, 0.55],
  8: [0.23, 340, 0.2],
  9: [0.2, 12, null],
  10: [0.19, 410, 0.8],
};

/**
 * The engagement routes over their own state. `deps`: `{ error(status, code, message, field),
 * smsPreview(text), hasRole(member, ...roles) }`.
 */
export function createEngage(deps) {
  const { error: fail, smsPreview, hasRole } = deps;
  let serial = 0;
  const now = () => new Date().toISOString();
  const newId = (prefix) => `${prefix}_${String(++serial).padStart(6, '0')}`;
  const segments = new Map();
  const campaigns = new Map();
  const surveys = new Map([[PARKS_SURVEY.id, { ...PARKS_SURVEY, version: 1, created_by: 'campaigns.city', created_at: now(), updated_at: now() }]]);
  const responses = [];
  const surveyLinks = new Map();
  const unsubscribeLinks = new Map();
  const withdrawals = [];

  const seedSegment = (name, definition) => {
    const id = newId('seg');
    segments.set(id, { id, name, description: '', definition: { ...EMPTY, ...definition }, created_by: 'campaigns.city', created_at: now(), updated_at: now(), version: 1 });
    return id;
  };
  const eixample = seedSegment('Eixample amb SMS', { districts: ['2'], reachable: ['sms'] });
  seedSegment('Tota la ciutat', {});

  const manager = (member) => {
    if (!hasRole(member, 'campaign_manager')) {
      throw fail(403, 'forbidden', 'this needs the role administrator or campaign_manager');
    }
  };
  const insightReader = (member) => {
    if (!hasRole(member, 'campaign_manager', 'supervisor')) {
      throw fail(403, 'forbidden', 'this needs the role administrator, campaign_manager or supervisor');
    }
  };
  const onVersion = (item, body) => {
    if (body.version !== item.version) {
      throw fail(409, 'conflict', 'changed since it was read');
    }
  };
  const segmentOf = (id) => {
    const found = segments.get(id);
    if (!found) {
      throw fail(404, 'not_found', 'no such segment');
    }
    return found;
  };
  const campaignOf = (id) => {
    const found = campaigns.get(id);
    if (!found) {
      throw fail(404, 'not_found', 'no such campaign');
    }
    return found;
  };
  const surveyOf = (id) => {
    const found = surveys.get(id);
    if (!found) {
      throw fail(404, 'not_found', 'no such survey');
    }
    return found;
  };

  const channelFor = (campaign, citizen) => campaign.channels.find((channel) => citizen.reach.includes(`${channel}:${campaign.purpose}`)) ?? null;

  /** The estimate as the back end prices it: SMS on the longest language's segments, email at no cost. */
  const estimateOf = (campaign) => {
    const members = CITIZENS.filter((citizen) => holds(segmentOf(campaign.segment_id).definition, citizen));
    const segments_sms = {};
    const encoding = {};
    let longest = 0;
    for (const [language, text] of Object.entries(campaign.messages)) {
      const preview = smsPreview(text);
      segments_sms[language] = preview.segments;
      encoding[language] = preview.encoding;
      longest = Math.max(longest, preview.segments);
    }
    const recipients = Object.fromEntries(campaign.channels.map((channel) => [channel, 0]));
    for (const member of members) {
      const channel = channelFor(campaign, member);
      if (channel !== null) {
        recipients[channel] += 1;
      }
    }
    const prices = { sms: Number((longest * SMS_SEGMENT_EUR).toFixed(6)), email: 0 };
    const cost_per_message = Object.fromEntries(campaign.channels.map((channel) => [channel, prices[channel]]));
    const total = Object.entries(recipients).reduce((sum, [channel, n]) => sum + n * prices[channel], 0);
    return { segments_sms, encoding, recipients, cost_per_message, total: Number(total.toFixed(2)), currency: 'EUR' };
  };

  const checkCampaign = (body) => {
    if (typeof body.name !== 'string' || body.name.trim() === '') {
      throw fail(422, 'invalid_request', 'is required', 'name');
    }
    segmentOf(body.segment_id);
    if (!PURPOSES.includes(body.purpose)) {
      throw fail(422, 'invalid_request', 'must be campaigns or surveys', 'purpose');
    }
    if (typeof body.messages?.ca !== 'string' || body.messages.ca.trim() === '') {
      throw fail(422, 'invalid_request', 'needs the Catalan message', 'messages');
    }
    if (!Array.isArray(body.channels) || body.channels.length === 0 || body.channels.some((channel) => !['sms', 'email'].includes(channel))) {
      throw fail(422, 'invalid_request', 'must be sms and/or email', 'channels');
    }
    if (body.survey_id) {
      surveyOf(body.survey_id);
    }
    if (!Number.isInteger(body.rate_per_second) || body.rate_per_second < 1 || body.rate_per_second > 100) {
      throw fail(422, 'invalid_request', 'must be a whole number from 1 to 100', 'rate_per_second');
    }
    const { name, segment_id, purpose, messages, subject = {}, channels, survey_id = null, starts_at = null, quiet_hours_override = false, rate_per_second } = body;
    return { name, segment_id, purpose, messages, subject, channels, survey_id, starts_at, quiet_hours_override, rate_per_second };
  };

  const countsOf = (campaign) => Object.fromEntries(COUNTED.map((state) => [state, campaign.recipients.filter((item) => item.state === state).length]));
  const view = (campaign) => {
    const { recipients, ...rest } = campaign;
    return { ...rest, counts: recipients.length ? countsOf(campaign) : {} };
  };

  /** Move a running campaign on by one step: some planned are sent, sent delivered, a few fail, opt out or answer. */
  const advance = (campaign) => {
    if (campaign.state !== 'running') {
      return;
    }
    let step = 0;
    for (const item of campaign.recipients) {
      if (step >= 12) break;
      if (item.state === 'planned') {
        item.state = 'sent';
        item.at = now();
        step += 1;
      } else if (item.state === 'sent') {
        const n = Number(item.citizen_id.slice(-4));
        item.state = n % 17 === 0 ? 'failed' : n % 23 === 0 ? 'opted_out' : n % 7 === 0 && campaign.survey_id ? 'answered' : 'delivered';
        item.at = now();
        step += 1;
      }
    }
    if (campaign.recipients.every((item) => !['planned', 'sent'].includes(item.state))) {
      campaign.state = 'completed';
    }
  };

  const change = (campaign, action, body) => {
    onVersion(campaign, body);
    const allowed = { launch: ['draft'], pause: ['running', 'scheduled', 'planning'], resume: ['paused'], cancel: ['draft', 'scheduled', 'planning', 'running', 'paused'] };
    if (!allowed[action].includes(campaign.state)) {
      throw fail(409, 'transition_not_allowed', `a ${campaign.state} campaign cannot ${action}`);
    }
    if (action === 'launch') {
      const members = CITIZENS.filter((citizen) => holds(segmentOf(campaign.segment_id).definition, citizen));
      campaign.recipients = members
        .map((member) => ({ citizen_id: member.citizen_id, state: 'planned', channel: channelFor(campaign, member), at: null }))
        .filter((item) => item.channel !== null);
      campaign.state = 'running';
    } else {
      campaign.state = { pause: 'paused', resume: 'running', cancel: 'cancelled' }[action];
    }
    campaign.version += 1;
    campaign.updated_at = now();
    return view(campaign);
  };

  /** Results as the back end counts them: one `counts` per question, the free-text sentiment beside them. */
  const resultsOf = (survey, campaignId) => {
    const mine = responses.filter((response) => response.survey_id === survey.id && (!campaignId || response.campaign_id === campaignId));
    const seeded = campaignId ? 0 : 1;
    const sentiment = { POSITIVE: 9 * seeded, NEGATIVE: 5 * seeded, NEUTRAL: 4 * seeded, MIXED: 2 * seeded };
    const questions = survey.questions.map((question) => {
      const answers = mine.map((response) => response.answers.find((answer) => answer.question_id === question.id)).filter(Boolean);
      const counts =
        question.kind === 'rating'
          ? { 1: 2 * seeded, 2: 3 * seeded, 3: 8 * seeded, 4: 15 * seeded, 5: 12 * seeded }
          : question.kind === 'choice'
            ? Object.fromEntries(question.choices.map((choice, at) => [choice.key, (at + 1) * 6 * seeded]))
            : {};
      for (const answer of answers) {
        if (answer.rating) counts[answer.rating] += 1;
        if (answer.choice && answer.choice in counts) counts[answer.choice] += 1;
        if (answer.text) sentiment.NEUTRAL += 1;
      }
      const answered = question.kind === 'text' ? Object.values(sentiment).reduce((a, b) => a + b, 0) : Object.values(counts).reduce((a, b) => a + b, 0);
      return { question_id: question.id, kind: question.kind, counts, answered };
    });
    return { survey_id: survey.id, campaign_id: campaignId ?? null, responses: mine.length + seeded * 40, questions, sentiment, sentiment_method: 'lexicon' };
  };

  const differences = (query) => {
    const dimension = query.get('dimension');
    const metric = query.get('metric');
    const since = query.get('since');
    const until = query.get('until');
    if (!['district', 'neighbourhood', 'theme', 'channel', 'language'].includes(dimension)) {
      throw fail(422, 'invalid_request', 'must be district, neighbourhood, theme, channel or language', 'dimension');
    }
    if (!['breach_rate', 'repeat_rate', 'resolution', 'satisfaction', 'negative_sentiment'].includes(metric)) {
      throw fail(422, 'invalid_request', 'must be breach_rate, repeat_rate, resolution, satisfaction or negative_sentiment', 'metric');
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(since ?? '') || !/^\d{4}-\d{2}-\d{2}$/.test(until ?? '') || since > until) {
      throw fail(422, 'invalid_request', 'must be days in order', 'since');
    }
    const scale = metric === 'satisfaction' ? 17 : metric === 'resolution' ? 200 : 1;
    const values = dimension === 'district' ? DISTRICTS : dimension === 'language' ? LANGUAGES : dimension === 'channel' ? ['web', 'sms', 'email', 'phone'] : dimension === 'theme' ? ['street-lighting', 'waste', 'paving'] : NEIGHBOURHOODS.slice(0, 12).map((item) => item.code);
    const city = Number((0.2 * scale).toFixed(3));
    const differences = values.map((value, index) => {
      const [figure, sample, p] = DISTRICT_FIGURES[dimension === 'district' ? value : String((index % 10) + 1)];
      const enough = sample >= MINIMUM_SAMPLE;
      const status = !enough ? 'not_enough_data' : p < 0.05 ? (figure > 0.2 ? 'higher' : 'lower') : 'no_difference';
      return {
        value,
        metric,
        figure: Number((figure * scale).toFixed(3)),
        city_figure: city,
        sample,
        rest_sample: 4000 - sample,
        z: enough ? 1 : null,
        p_value: enough ? p : null,
        q_value: enough ? p : null,
        status,
      };
    });
    return { differences };
  };

  // The overview of `GET /insights/segments`: every value's figures (districts also count
  // requests without one, as `none`) and the whole city's, refusing any other parameter.
  const overview = (query) => {
    const unknown = [...query.keys()].find((name) => !['dimension', 'since', 'until', 'value'].includes(name));
    if (unknown) {
      throw fail(422, 'invalid_request', 'is not a parameter of this route', unknown);
    }
    const dimension = query.get('dimension');
    if (!['district', 'neighbourhood', 'theme', 'channel', 'language'].includes(dimension)) {
      throw fail(422, 'invalid_request', 'must be district, neighbourhood, theme, channel or language', 'dimension');
    }
    const since = query.get('since');
    const until = query.get('until');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(since ?? '') || !/^\d{4}-\d{2}-\d{2}$/.test(until ?? '') || since > until) {
      throw fail(422, 'invalid_request', 'must be days in order', 'since');
    }
    const listed = dimension === 'district' ? [...DISTRICTS, 'none'] : dimension === 'language' ? LANGUAGES : dimension === 'channel' ? ['web', 'sms', 'email', 'phone'] : dimension === 'theme' ? ['street-lighting', 'waste', 'paving'] : NEIGHBOURHOODS.slice(0, 12).map((item) => item.code);
    const insight = (value, opened, population, index) => {
      const rated = index === 8 ? 0 : 20 + index * 4;
      const scored = index === 8 ? 0 : 10 + index;
      const positive = Math.round(scored * (0.3 + (index % 4) * 0.1));
      return {
        dimension,
        value,
        since,
        until,
        opened,
        closed: Math.round(opened * 0.8),
        population,
        requests_per_1000: population ? Number(((1000 * opened) / population).toFixed(3)) : null,
        median_resolution_hours: index === 8 ? null : 20 + index * 3,
        p90_resolution_hours: index === 8 ? null : 150 + index * 10,
        closed_with_sla: Math.round(opened * 0.7),
        breach_rate: index === 8 ? null : (DISTRICT_FIGURES[String((index % 10) + 1)]?.[0] ?? 0.2),
        repeat_contacts: Math.round(opened * 0.04),
        repeat_rate: opened ? Math.round(opened * 0.04) / opened : null,
        satisfaction_count: rated,
        satisfaction_mean: rated ? Number((3 + (index % 5) * 0.3).toFixed(2)) : null,
        ratings: { 1: 0, 2: 0, 3: rated, 4: 0, 5: 0 },
        sentiment: { positive, negative: scored - positive, neutral: 0, mixed: 0 },
        sentiment_shares: scored ? { positive: positive / scored, negative: (scored - positive) / scored, neutral: 0, mixed: 0 } : {},
        sentiment_methods: { comprehend: 0, lexicon: scored },
      };
    };
    const segments = listed.map((value, index) => {
      const none = value === 'none';
      const population = dimension === 'district' && !none ? 50_000 + 10_000 * index : null;
      return insight(value, none ? 7 : 100 * (index + 1) + 20, population, none ? 8 : index);
    });
    const opened = segments.reduce((sum, item) => sum + item.opened, 0);
    const city = { ...insight(null, opened, DISTRICTS.reduce((sum, _, index) => sum + 50_000 + 10_000 * index, 0), 4), breach_rate: 0.2 };
    const value = query.get('value');
    return { segments: value ? segments.filter((item) => item.value === value) : segments, city };
  };

  const openData = (query, Answer) => {
    const since = query.get('since');
    const until = query.get('until');
    const days = (Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / 86_400_000 + 1;
    if (!(days >= 1 && days <= 31)) {
      throw fail(422, 'invalid_request', 'covers 1 to 31 days', 'until');
    }
    const csv = 'reference,theme_code,district_code,neighbourhood_code,opened_on,state\r\nBCN-2026-000001,street-lighting,2,7,' + since + ',closed\r\n';
    return new Answer(200, csv, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="open-data-${since}-${until}.csv"` });
  };

  /** A desk route of the campaign side, or undefined. */
  const routes = (method, path, query, body, member, Answer) => {
    let found;
    const match = (pattern) => (found = pattern.exec(path));
    if (path === `${DESK}/segments` && method === 'GET') {
      manager(member);
      return { segments: [...segments.values()] };
    }
    if (path === `${DESK}/segments` && method === 'POST') {
      manager(member);
      if (typeof body.name !== 'string' || body.name.trim() === '') {
        throw fail(422, 'invalid_request', 'is required', 'name');
      }
      const id = newId('seg');
      const segment = { id, name: body.name, description: body.description ?? '', definition: checkDefinition(body.definition, fail), created_by: member.username, created_at: now(), updated_at: now(), version: 1 };
      segments.set(id, segment);
      return new Answer(201, segment);
    }
    if (path === `${DESK}/segments/preview` && method === 'POST') {
      manager(member);
      return previewOf(checkDefinition(body.definition, fail));
    }
    if (match(/^\/api\/desk\/v1\/segments\/([^/]+)$/)) {
      manager(member);
      const segment = segmentOf(decodeURIComponent(found[1]));
      if (method === 'GET') {
        return segment;
      }
      if (method === 'PUT') {
        onVersion(segment, body);
        Object.assign(segment, { name: body.name, description: body.description ?? '', definition: checkDefinition(body.definition, fail), updated_at: now(), version: segment.version + 1 });
        return segment;
      }
      if (method === 'DELETE') {
        if ([...campaigns.values()].some((campaign) => campaign.segment_id === segment.id && !['completed', 'cancelled'].includes(campaign.state))) {
          throw fail(409, 'segment_in_use', 'a campaign that has not ended uses it');
        }
        segments.delete(segment.id);
        return new Answer(204, undefined);
      }
    }
    if (path === `${DESK}/campaigns` && method === 'GET') {
      manager(member);
      return { campaigns: [...campaigns.values()].map(view) };
    }
    if (path === `${DESK}/campaigns` && method === 'POST') {
      manager(member);
      const id = newId('cmp');
      const campaign = { id, ...checkCampaign(body), state: 'draft', recipients: [], version: 1, created_by: member.username, created_at: now(), updated_at: now() };
      campaigns.set(id, campaign);
      return new Answer(201, view(campaign));
    }
    if (match(/^\/api\/desk\/v1\/campaigns\/([^/]+)$/)) {
      manager(member);
      const campaign = campaignOf(decodeURIComponent(found[1]));
      if (method === 'GET') {
        advance(campaign);
        return view(campaign);
      }
      if (method === 'PUT') {
        onVersion(campaign, body);
        if (campaign.state !== 'draft') {
          throw fail(409, 'transition_not_allowed', 'only a draft is edited');
        }
        Object.assign(campaign, checkCampaign(body), { version: campaign.version + 1, updated_at: now() });
        return view(campaign);
      }
    }
    if (method === 'POST' && match(/^\/api\/desk\/v1\/campaigns\/([^/]+)\/(estimate|launch|pause|resume|cancel)$/)) {
      manager(member);
      const campaign = campaignOf(decodeURIComponent(found[1]));
      return found[2] === 'estimate' ? estimateOf(campaign) : change(campaign, found[2], body);
    }
    if (method === 'GET' && match(/^\/api\/desk\/v1\/campaigns\/([^/]+)\/recipients$/)) {
      manager(member);
      const campaign = campaignOf(decodeURIComponent(found[1]));
      const state = query.get('state');
      const all = campaign.recipients.filter((item) => !state || item.state === state);
      const start = Number(query.get('batch') ?? 0);
      const recipients = all.slice(start, start + PAGE);
      return { recipients, next_batch: start + PAGE < all.length ? start + PAGE : null };
    }
    if (path === `${DESK}/surveys` && method === 'GET') {
      manager(member);
      return { surveys: [...surveys.values()].map(({ id, name, purpose, questions, version, updated_at }) => ({ id, name, purpose, questions: questions.length, version, updated_at })) };
    }
    if (path === `${DESK}/surveys` && method === 'POST') {
      manager(member);
      if (!body.name || !Array.isArray(body.questions) || body.questions.length === 0) {
        throw fail(422, 'invalid_request', 'needs a name and questions', 'questions');
      }
      const id = newId('srv');
      const survey = { id, name: body.name, purpose: body.purpose, questions: body.questions, version: 1, created_by: member.username, created_at: now(), updated_at: now() };
      surveys.set(id, survey);
      return new Answer(201, survey);
    }
    if (match(/^\/api\/desk\/v1\/surveys\/([^/]+)$/)) {
      manager(member);
      const survey = surveyOf(decodeURIComponent(found[1]));
      if (method === 'GET') {
        return survey;
      }
      if (method === 'PUT') {
        onVersion(survey, body);
        Object.assign(survey, { name: body.name, purpose: body.purpose, questions: body.questions, version: survey.version + 1, updated_at: now() });
        return survey;
      }
    }
    if (method === 'GET' && match(/^\/api\/desk\/v1\/surveys\/([^/]+)\/results$/)) {
      manager(member);
      return resultsOf(surveyOf(decodeURIComponent(found[1])), query.get('campaign_id'));
    }
    if (method === 'GET' && path === `${DESK}/insights/differences`) {
      insightReader(member);
      return differences(query);
    }
    if (method === 'GET' && path === `${DESK}/insights/segments`) {
      insightReader(member);
      return overview(query);
    }
    if (method === 'GET' && path === `${DESK}/insights/open-data`) {
      insightReader(member);
      return openData(query, Answer);
    }
    return undefined;
  };

  const linkState = (links, token) => {
    const link = links.get(token);
    if (!link) {
      throw fail(403, 'forbidden', 'the link is not valid');
    }
    if (link.expires_at < Date.now()) {
      throw fail(410, 'link_expired', 'the link has expired');
    }
    if (link.used) {
      throw fail(410, 'link_used', 'the link has been used');
    }
    return link;
  };

  /** A citizen API route of the campaign side, or undefined. */
  const citizenRoutes = (method, path, body) => {
    let found;
    if ((found = /^\/api\/citizen\/v1\/surveys\/([^/]+)$/.exec(path))) {
      const token = decodeURIComponent(found[1]);
      const link = linkState(surveyLinks, token);
      const survey = surveyOf(link.survey_id);
      if (method === 'GET') {
        return {
          survey_id: survey.id,
          name: survey.name,
          language: link.language,
          questions: survey.questions,
        };
      }
      if (method === 'POST') {
        if (!Array.isArray(body.answers)) {
          throw fail(422, 'invalid_request', 'must be a list', 'answers');
        }
        link.used = true;
        responses.push({ survey_id: survey.id, campaign_id: link.campaign_id, citizen_id: link.citizen_id, answers: body.answers, at: new Date().toISOString() });
        return { answered: true };
      }
    }
    if (path === `${CITIZEN}/unsubscribe` && method === 'POST') {
      const link = linkState(unsubscribeLinks, String(body.token ?? ''));
      link.used = true;
      withdrawals.push({ citizen_id: link.citizen_id, channel: link.channel, purposes: link.purposes });
      return { withdrawn: link.purposes, channel: link.channel };
    }
    return undefined;
  };

  return {
    routes,
    citizenRoutes,
    responses,
    withdrawals,
    eixample,
    /** A survey link's token, as a campaign message would carry it; `expired` makes one already out of time. */
    issueSurveyLink: ({ language = 'ca', expired = false, campaign_id = null } = {}) => {
      const token = `srvlink.${newId('n')}.${language}`;
      surveyLinks.set(token, { survey_id: PARKS_SURVEY.id, citizen_id: CITIZENS[0].citizen_id, campaign_id, language, used: false, expires_at: Date.now() + (expired ? -1000 : 86_400_000) });
      return token;
    },
    /** An email's unsubscribe token. */
    issueUnsubscribeLink: ({ expired = false } = {}) => {
      const token = `unsub.${newId('n')}`;
      unsubscribeLinks.set(token, { citizen_id: CITIZENS[1].citizen_id, channel: 'email', purposes: ['campaigns'], used: false, expires_at: Date.now() + (expired ? -1000 : 86_400_000) });
      return token;
    },
  };
}

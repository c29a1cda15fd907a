/**
 * The desk API's answer helpers and conversations, as the mock plays them: templates for a
 * request, each author's draft (version-checked), conversations with a group, an external
 * body or the citizen, their unread marks, and the external body's answer through its
 * reply link. Same routes, bodies and answers as `finestra.apps.desk_answers` and
 * `finestra.apps.desk_conversations`; `replyAsBody` plays the body following its link.
 */

import { randomUUID } from 'node:crypto';

import { TEMPLATES } from './fixtures.mjs';

const DESK = '/api/desk/v1';
const KINDS = ['group', 'external', 'citizen'];
const THEME_BODIES = { transport: { code: 'tmb', name: 'TMB (Transports Metropolitans de Barcelona)' } };
const DEFAULT_BODY = { code: 'generalitat', name: 'Generalitat de Catalunya' };

/**
 * The answer and conversation routes over the mock's city.
 *
 * @param {object} city the mock's city
 * @param {object} tools `requestOf`, `actionable`, `unlocked`, `error(status, code, message, field)`
 */
export function createConversations(city, tools) {
  const { actionable, unlocked, error } = tools;
  const drafts = new Map();
  const conversations = new Map();
  const links = new Map();

  const memberOf = (member, group) => member.groups.includes(group) || member.groups.includes(group.split('.')[0]);
  const ofRequest = (reference) => conversations.get(reference) ?? [];
  const view = (member, conversation) => ({
    ...conversation,
    unread: conversation.unread.some((group) => memberOf(member, group)),
    unread_groups: [...conversation.unread].sort(),
    messages: conversation.messages.map((message) => ({ ...message })),
  });

  const templates = (member, query) => {
    const request = actionable(member, query.get('reference') ?? '');
    const lang = ['ca', 'es', 'en'].includes(query.get('lang')) ? query.get('lang') : 'ca';
    return {
      items: (TEMPLATES[lang] ?? TEMPLATES.ca).map((item, index) => ({
        ...item,
        text: item.text.replaceAll('{reference}', request.reference),
        scope: index === 0 ? ['group'] : [],
      })),
    };
  };

  const saveDraft = (member, reference, body) => {
    actionable(member, reference);
    if (typeof body.text !== 'string' || body.text.trim() === '') {
      throw error(422, 'invalid_request', 'is required', 'text');
    }
    const key = `${member.user_id}#${reference}`;
    const stored = drafts.get(key);
    const version = Number(body.version ?? 0);
    if ((stored?.version ?? 0) !== version) {
      throw error(409, 'conflict', 'was saved from elsewhere meanwhile; reload it first', 'version');
    }
    const now = new Date();
    const draft = {
      reference,
      text: body.text,
      template: body.template ?? null,
      language: body.language ?? 'ca',
      version: version + 1,
      saved_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    };
    drafts.set(key, draft);
    return draft;
  };

  const readDraft = (member, reference) => {
    actionable(member, reference);
    const draft = drafts.get(`${member.user_id}#${reference}`);
    if (!draft) {
      throw error(404, 'not_found', 'you have no draft answer to this request');
    }
    return draft;
  };

  const message = (member, text, group) => ({
    id: `msg_${randomUUID()}`,
    at: new Date().toISOString(),
    author: `staff:${member.user_id}`,
    author_name: member.username,
    group,
    text,
    incoming: false,
  });

  const open = (member, reference, body) => {
    const request = actionable(member, reference);
    unlocked(member, request);
    if (!KINDS.includes(body.with)) {
      throw error(422, 'invalid_request', 'must be group, external or citizen', 'with');
    }
    if (typeof body.text !== 'string' || body.text.trim() === '') {
      throw error(422, 'invalid_request', 'is required', 'text');
    }
    const groups = [request.group];
    if (body.with === 'group') {
      if (!body.group || body.group === request.group) {
        throw error(422, 'invalid_request', 'must be another group of the city', 'group');
      }
      groups.push(body.group);
    }
    const external = body.with === 'external' ? (body.body_code ? { code: body.body_code, name: body.body_code } : (THEME_BODIES[String(request.theme).split('.')[0]] ?? DEFAULT_BODY)) : null;
    const now = new Date().toISOString();
    const conversation = {
      id: `cnv_${randomUUID()}`,
      reference,
      with: body.with,
      groups,
      body_code: external?.code ?? null,
      body_name: external?.name ?? null,
      opened_at: now,
      opened_by: member.username,
      last_at: now,
      unread: body.with === 'group' ? [groups[1]] : [],
      messages: [message(member, body.text.trim(), request.group)],
    };
    conversations.set(reference, [conversation, ...ofRequest(reference)]);
    if (external) {
      links.set(reference, conversation.id);
    }
    return view(member, conversation);
  };

  const find = (reference, id) => {
    const conversation = ofRequest(reference).find((item) => item.id === id);
    if (!conversation) {
      throw error(404, 'not_found', 'this request has no such conversation');
    }
    return conversation;
  };

  const post = (member, reference, id, body) => {
    const conversation = find(reference, id);
    const side = conversation.groups.slice(1).find((group) => memberOf(member, group)) ?? conversation.groups[0];
    conversation.messages.push(message(member, String(body.text ?? '').trim(), side));
    conversation.last_at = new Date().toISOString();
    const others = conversation.groups.filter((group) => group !== side);
    conversation.unread = [...new Set([...conversation.unread, ...(conversation.with === 'group' ? others : [])])];
    return view(member, conversation);
  };

  const read = (member, reference, id) => {
    const conversation = find(reference, id);
    conversation.unread = conversation.unread.filter((group) => !memberOf(member, group));
    return view(member, conversation);
  };

  /** The external body answers through its link: a message unread by the responsible group. */
  const replyAsBody = (reference, text) => {
    const id = links.get(reference);
    if (!id) {
      throw new Error(`no external conversation is open on ${reference}`);
    }
    links.delete(reference);
    const conversation = find(reference, id);
    conversation.messages.push({
      id: `msg_${randomUUID()}`,
      at: new Date().toISOString(),
      author: `external:${conversation.body_code}`,
      author_name: conversation.body_name,
      group: null,
      text,
      incoming: true,
    });
    conversation.unread = [...new Set([...conversation.unread, conversation.groups[0]])];
    return conversation;
  };

  const routes = (method, path, query, body, member) => {
    let found;
    if (method === 'GET' && path === `${DESK}/templates`) {
      return templates(member, query);
    }
    if ((found = /^\/api\/desk\/v1\/requests\/([^/]+)\/draft$/.exec(path))) {
      const reference = decodeURIComponent(found[1]);
      if (method === 'PUT') {
        return saveDraft(member, reference, body);
      }
      if (method === 'GET') {
        return readDraft(member, reference);
      }
      if (method === 'DELETE') {
        actionable(member, reference);
        drafts.delete(`${member.user_id}#${reference}`);
        return {};
      }
    }
    if (method === 'POST' && (found = /^\/api\/desk\/v1\/requests\/([^/]+)\/replies$/.exec(path))) {
      drafts.delete(`${member.user_id}#${decodeURIComponent(found[1])}`);
      return undefined;
    }
    if ((found = /^\/api\/desk\/v1\/requests\/([^/]+)\/conversations$/.exec(path))) {
      const reference = decodeURIComponent(found[1]);
      if (method === 'GET') {
        actionable(member, reference);
        return { items: ofRequest(reference).map((item) => view(member, item)) };
      }
      if (method === 'POST') {
        return open(member, reference, body);
      }
    }
    if (method === 'POST' && (found = /^\/api\/desk\/v1\/requests\/([^/]+)\/conversations\/([^/]+)\/(messages|read)$/.exec(path))) {
      const [reference, id] = [decodeURIComponent(found[1]), decodeURIComponent(found[2])];
      return found[3] === 'read' ? read(member, reference, id) : post(member, reference, id, body);
    }
    return undefined;
  };

  return { routes, replyAsBody, drafts, conversations };
}

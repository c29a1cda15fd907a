/** The log-a-call form as the body the desk API's `POST /requests` takes. */

import type { ContactChannel, ContactOrder, Language, RequestType, ResponseChannel } from '../api/types';

export interface ContactForm {
  readonly channel: ContactChannel;
  readonly citizenId: string | null;
  readonly givenName: string;
  readonly familyNames: string;
  readonly phone: string;
  readonly email: string;
  readonly documentId: string;
  readonly language: Language | '';
  readonly theme: string;
  readonly requestType: RequestType | '';
  readonly description: string;
  readonly address: string;
  readonly district: string;
  readonly responseChannel: ResponseChannel | '';
}

export const EMPTY_CONTACT: ContactForm = {
  channel: 'voice',
  citizenId: null,
  givenName: '',
  familyNames: '',
  phone: '',
  email: '',
  documentId: '',
  language: '',
  theme: '',
  requestType: '',
  description: '',
  address: '',
  district: '',
  responseChannel: '',
};

/** The longest description the API takes. */
export const DESCRIPTION_MAX_LENGTH = 4000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The order for `form`: text trimmed, and every field left empty left out, so the API
 * applies its own default rather than refusing an empty value. A known citizen's
 * details are the API's to add: with a citizen, the caller's details are not sent.
 */
export function contactOrderOf(form: ContactForm): ContactOrder {
  const order: Mutable<ContactOrder> = {
    channel: form.channel,
    theme: form.theme,
    description: form.description.trim(),
  };
  const text = (value: string): string | undefined => value.trim() || undefined;
  if (form.citizenId) {
    order.citizen_id = form.citizenId;
  } else {
    const person = {
      given_name: text(form.givenName),
      family_names: text(form.familyNames),
      phone: text(form.phone),
      email: text(form.email),
      document_id: text(form.documentId),
    };
    for (const [name, value] of Object.entries(person)) {
      if (value !== undefined) {
        order[name as keyof typeof person] = value;
      }
    }
  }
  if (form.language) {
    order.language = form.language;
  }
  if (form.requestType) {
    order.request_type = form.requestType;
  }
  const address = text(form.address);
  if (address !== undefined || form.district) {
    order.location = {
      ...(address !== undefined ? { address } : {}),
      ...(form.district ? { district_code: form.district } : {}),
    };
  }
  if (form.responseChannel) {
    order.response_channel = form.responseChannel;
  }
  return order;
}

/** A fresh idempotency key: one a form, so sending the same form twice opens one request. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

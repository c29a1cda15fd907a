/** The segment editor's form, and the definition it stands for, each made from the other. */

import type { MessagePurpose, ReachChannel, SegmentDefinition } from '../api/engage';
import type { Channel, Language, RequestState } from '../api/types';

export interface SegmentForm {
  readonly districts: readonly string[];
  readonly neighbourhoods: readonly string[];
  readonly languages: readonly Language[];
  readonly reachable: readonly ReachChannel[];
  readonly consents: readonly MessagePurpose[];
  /** Theme or service-area codes, in the order they were chosen. */
  readonly themes: readonly string[];
  readonly states: readonly RequestState[];
  readonly inputChannels: readonly Channel[];
  /** City dates as `YYYY-MM-DD`, or empty. */
  readonly since: string;
  readonly until: string;
  readonly satisfaction: readonly number[];
  /** Tags, separated by commas; each becomes a slug. */
  readonly tags: string;
}

export const EMPTY_FORM: SegmentForm = {
  districts: [],
  neighbourhoods: [],
  languages: [],
  reachable: [],
  consents: [],
  themes: [],
  states: [],
  inputChannels: [],
  since: '',
  until: '',
  satisfaction: [],
  tags: '',
};

/** A tag as the city keeps them: a lower-case slug. */
export function tagOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The definition the form describes; an empty "requests made" section is no criterion. */
export function definitionOf(form: SegmentForm): SegmentDefinition {
  const themes = [...new Set(form.themes.map((code) => code.trim().toLowerCase()).filter(Boolean))];
  const madeRequests =
    themes.length > 0 || form.states.length > 0 || form.inputChannels.length > 0 || form.since !== '' || form.until !== '';
  return {
    districts: [...form.districts],
    neighbourhoods: [...form.neighbourhoods],
    languages: [...form.languages],
    reachable: [...form.reachable],
    consents: [...form.consents],
    requests: madeRequests
      ? {
          themes,
          states: [...form.states],
          input_channels: [...form.inputChannels],
          since: form.since || null,
          until: form.until || null,
        }
      : null,
    satisfaction: [...form.satisfaction].sort((a, b) => a - b),
    tags: [...new Set(form.tags.split(/[,;]+/).map(tagOf).filter(Boolean))],
  };
}

/** The form that shows `definition`; a missing list reads as empty. */
export function formOf(definition: Partial<SegmentDefinition>): SegmentForm {
  const requests = definition.requests ?? null;
  return {
    districts: [...(definition.districts ?? [])],
    neighbourhoods: [...(definition.neighbourhoods ?? [])],
    languages: [...(definition.languages ?? [])],
    reachable: [...(definition.reachable ?? [])],
    consents: [...(definition.consents ?? [])],
    themes: [...(requests?.themes ?? [])],
    states: [...(requests?.states ?? [])],
    inputChannels: [...(requests?.input_channels ?? [])],
    since: requests?.since ?? '',
    until: requests?.until ?? '',
    satisfaction: [...(definition.satisfaction ?? [])],
    tags: (definition.tags ?? []).join(', '),
  };
}

/** What is wrong with the form before it is sent, as a message key's last part. */
export function formProblem(form: SegmentForm): 'window_reversed' | null {
  return form.since !== '' && form.until !== '' && form.since > form.until ? 'window_reversed' : null;
}

/** `values` with `value` added or taken out. */
export function toggled<T>(values: readonly T[], value: T, on: boolean): T[] {
  const rest = values.filter((item) => item !== value);
  return on ? [...rest, value] : rest;
}

/** What both citizen pages share: building elements, the heading and language switch, and calling the citizen API. */

import { CITIZEN_LANGUAGES, type CitizenKey, type CitizenLanguage, LANGUAGE_NAMES, problemOf, type LinkProblem, say } from './messages';

export const CITIZEN_API = '/api/citizen/v1';

type Child = Node | string | null | false;

/** An element with attributes and children; text goes in as text, never as markup. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | boolean>> = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false) {
      element.setAttribute(name, value);
    }
  }
  for (const child of children) {
    if (child !== null && child !== false) {
      element.append(child);
    }
  }
  return element;
}

export interface Page {
  language: CitizenLanguage;
  readonly main: HTMLElement;
  readonly t: (key: CitizenKey, params?: Readonly<Record<string, string | number>>) => string;
  /** Show the page in `language`. */
  readonly use: (language: CitizenLanguage) => void;
}

/**
 * Lay out the page: the city's banner with the language switch, and the main region
 * `render` fills; switching language renders again.
 */
export function startPage(initial: CitizenLanguage, titleKey: CitizenKey, render: (page: Page) => void): Page {
  const root = document.getElementById('root');
  if (root === null) {
    throw new Error('the page has no #root');
  }
  const main = el('main', { id: 'main', class: 'citizen-main', tabindex: '-1' });
  const header = el('header', { class: 'citizen-banner' });
  const page: Page = {
    language: initial,
    main,
    t: (key, params) => say(page.language, key, params),
    use: (language) => {
      page.language = language;
      draw();
    },
  };
  function draw(): void {
    document.documentElement.lang = page.language;
    document.title = `${page.t(titleKey)} · ${page.t('city')}`;
    const switcher = el(
      'nav',
      { class: 'citizen-languages', 'aria-label': page.t('language') },
      ...CITIZEN_LANGUAGES.map((code) => {
        const button = el('button', { type: 'button', lang: code, 'aria-pressed': code === page.language ? 'true' : 'false' }, LANGUAGE_NAMES[code]);
        button.addEventListener('click', () => page.use(code));
        return button;
      }),
    );
    header.replaceChildren(el('p', { class: 'citizen-city' }, page.t('city')), switcher);
    render(page);
  }
  root.replaceChildren(header, main);
  draw();
  return page;
}

/** A notice in the main region: `status` for good news, `alert` for a problem. */
export function notice(text: string, kind: 'ok' | 'error' | 'info'): HTMLElement {
  return el('p', { class: `citizen-notice citizen-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export type Answered<T> = { readonly ok: true; readonly body: T } | { readonly ok: false; readonly problem: LinkProblem };

/** Call the citizen API; a refusal comes back as what it means for the link. */
export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answered<T>> {
  try {
    const response = await fetch(`${CITIZEN_API}${path}`, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : (JSON.parse(text) as unknown);
    } catch {
      parsed = null;
    }
    if (response.ok) {
      return { ok: true, body: parsed as T };
    }
    const code = typeof parsed === 'object' && parsed !== null && 'code' in parsed && typeof parsed.code === 'string' ? parsed.code : null;
    return { ok: false, problem: problemOf(response.status, code) };
  } catch {
    return { ok: false, problem: 'failed' };
  }
}

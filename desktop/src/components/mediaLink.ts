/**
 * The link an Open311 client app gave to a photo or file it hosts, made safe to show.
 *
 * The city never fetches or embeds what an outside app hosts: staff follow the link
 * themselves, in a new tab, and see first whose server it leads to.
 */

/** An outside link as the timeline shows it: where it goes and the host that serves it. */
export interface OutsideLink {
  readonly href: string;
  readonly host: string;
}

const WEB_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/**
 * The link to show for `url`, or `null` when it is missing or not a plain web link.
 *
 * Only http(s) links with a host and without a user name or password qualify; the host
 * is given as the browser reads it, so a look-alike international name shows in its
 * `xn--` form.
 */
export function outsideLink(url: string | null | undefined): OutsideLink | null {
  if (!url) {
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!WEB_PROTOCOLS.has(parsed.protocol) || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') {
    return null;
  }
  return { href: parsed.href, host: parsed.hostname };
}

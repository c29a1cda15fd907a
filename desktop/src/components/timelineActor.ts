/**
 * Who a timeline entry says acted, in words staff read rather than the stored id.
 *
 * The history keeps `citizen:<id>`, `staff:<id>`, `external:<code>` or `system`. A
 * staff member shows by user name; the citizen as the person the request is about (the
 * entry's kind already says the message is theirs); an external body by its code; the
 * system not at all, since the entry's kind says so.
 */

export type Actor =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'citizen' }
  | { readonly kind: 'staff' }
  | { readonly kind: 'external'; readonly code: string };

/** The actor to show for an entry, or `null` when there is nothing worth showing. */
export function actorOf(actor: string | null | undefined, actorName?: string | null): Actor | null {
  if (actorName) {
    return { kind: 'name', name: actorName };
  }
  if (!actor || actor === 'system') {
    return null;
  }
  const [prefix, ...rest] = actor.split(':');
  const value = rest.join(':');
  if (prefix === 'citizen') {
    return { kind: 'citizen' };
  }
  if (prefix === 'staff') {
    return { kind: 'staff' };
  }
  if (prefix === 'external' && value) {
    return { kind: 'external', code: value };
  }
  return { kind: 'name', name: actor };
}

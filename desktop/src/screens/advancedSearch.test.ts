import { describe, expect, it } from 'vitest';

import { searchFilterOf, searchQueryOf } from './AdvancedSearch';
import { project } from './SearchMap';

describe('the advanced search in the address bar', () => {
  it('keeps only the filters given, in a stable order', () => {
    const filter = searchFilterOf(new URLSearchParams('group=paving&district=2&state=any'));

    expect(filter.group).toBe('paving');
    expect(filter.theme).toBe('');
    expect(searchQueryOf(filter)).toBe('?state=any&district=2&group=paving');
  });

  it('starts from open requests and drops what is not a filter', () => {
    const filter = searchFilterOf(new URLSearchParams('phone=612345678&sla=breached'));

    expect(filter.state).toBe('open');
    expect(searchQueryOf(filter)).toBe('?state=open&sla=breached');
    expect(searchQueryOf(filter)).not.toContain('612345678');
  });
});

describe('the map projection', () => {
  it('puts the north-west corner at the origin and the city inside the frame', () => {
    expect(project(41.47, 2.05)).toEqual({ x: 0, y: 0 });
    const centre = project(41.3915, 2.162);
    expect(centre).not.toBeNull();
    expect(centre!.x).toBeGreaterThan(0);
    expect(centre!.y).toBeGreaterThan(0);
  });

  it('leaves out a point outside the city', () => {
    expect(project(40.4168, -3.7038)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';

import { DISTRICTS, districtName, groupName, parseDistricts } from './city';
import { paths, routeOf } from './router';
import { filterFrom, searchOf, withField } from './screens/worklistFilter';

describe('routeOf', () => {
  it.each([
    ['/', { screen: 'worklist' }],
    ['/requests/BCN-2026-000123', { screen: 'request', reference: 'BCN-2026-000123' }],
    ['/citizens/c-0001', { screen: 'citizen', citizenId: 'c-0001' }],
    ['/search', { screen: 'search' }],
    ['/requests/new', { screen: 'newRequest' }],
    ['/access-log', { screen: 'accessLog' }],
    ['/access-log/x', { screen: 'missing' }],
    ['/requests/', { screen: 'missing' }],
    ['/admin/secrets', { screen: 'missing' }],
  ])('shows %s as the right screen', (path, route) => {
    expect(routeOf(path)).toEqual(route);
  });

  it('round-trips a reference through its path', () => {
    expect(routeOf(paths.request('BCN/2026 1'))).toEqual({ screen: 'request', reference: 'BCN/2026 1' });
  });

  it('opens the form for a citizen, and a logged request with its news', () => {
    expect(paths.newRequest()).toBe('/requests/new');
    expect(paths.newRequest('cit_A')).toBe('/requests/new?citizen=cit_A');
    expect(paths.loggedRequest('BCN-2026-000200')).toBe('/requests/BCN-2026-000200?logged=1');
    expect(routeOf(new URL(paths.newRequest('cit_A'), 'https://desk.example').pathname)).toEqual({ screen: 'newRequest' });
  });
});

describe('the worklist filter in the address bar', () => {
  it('reads back what it wrote', () => {
    const filter = { group: 'lighting', sla: 'breached', q: 'BCN-2026' };
    expect(filterFrom(new URLSearchParams(searchOf(filter)))).toEqual(filter);
  });

  it('drops a field set to nothing and ignores unknown parameters', () => {
    expect(withField({ group: 'lighting', state: 'planned' }, 'state', ' ')).toEqual({ group: 'lighting' });
    expect(filterFrom(new URLSearchParams('?evil=1&district=2'))).toEqual({ district: '2' });
    expect(searchOf({})).toBe('');
  });
});

describe('the city', () => {
  it('knows Barcelona’s ten districts by code', () => {
    expect(DISTRICTS).toHaveLength(10);
    expect(districtName('2')).toBe('Eixample');
    expect(districtName('99')).toBe('99');
    expect(districtName(null)).toBeNull();
  });

  it('names responsible groups in each language', () => {
    expect(groupName('lighting', 'ca')).toBe('Enllumenat públic');
    expect(groupName('lighting', 'en')).toBe('Street lighting');
    expect(groupName('unknown-group', 'es')).toBe('unknown-group');
  });

  it('parses a CSV with a header and Windows line ends', () => {
    expect(parseDistricts('district_code,district\r\n1,Ciutat Vella\r\n')).toEqual([{ code: '1', name: 'Ciutat Vella' }]);
  });
});

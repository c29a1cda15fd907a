import { describe, expect, it } from 'vitest';

import type { Role } from '../api/types';
import { coversGroup } from './roles';

const coordinator = { roles: ['agent'] as readonly Role[], groups: ['urban-maintenance'] };
const tree = [
  {
    acts_for: [
      { code: 'urban-maintenance', name: 'Urban maintenance', parent: 'city', depth: 0 },
      { code: 'lighting', name: 'Street lighting', parent: 'urban-maintenance', depth: 1 },
      { code: 'paving', name: 'Paving and roads', parent: 'urban-maintenance', depth: 1 },
    ],
  },
];

describe('a group covers the groups below it in the tree', () => {
  it('covers a child group and its branches', () => {
    expect(coversGroup(coordinator, 'lighting', tree)).toBe(true);
    expect(coversGroup(coordinator, 'paving.d2', tree)).toBe(true);
  });

  it('never covers a sibling of the area, nor its branches', () => {
    expect(coversGroup(coordinator, 'parks', tree)).toBe(false);
    expect(coversGroup(coordinator, 'parks.d2', tree)).toBe(false);
    expect(coversGroup({ roles: ['agent'], groups: ['lighting'] }, 'paving', [])).toBe(false);
  });

  it('judges by the token alone until the tree is loaded', () => {
    expect(coversGroup(coordinator, 'lighting')).toBe(false);
    expect(coversGroup(coordinator, 'urban-maintenance')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';

import type { Role } from '../api/types';
import { coversGroup, hasRole, isAdministrator, mergesCitizens, worksRequests } from './roles';

const staff = (roles: readonly Role[], groups: readonly string[] = ['lighting']) => ({ roles, groups });

describe('what roles allow', () => {
  it('lets agents and supervisors work requests and merge citizens, never campaign managers', () => {
    expect(worksRequests(staff(['agent']))).toBe(true);
    expect(mergesCitizens(staff(['supervisor']))).toBe(true);
    expect(worksRequests(staff(['campaign_manager']))).toBe(false);
    expect(mergesCitizens(staff(['campaign_manager']))).toBe(false);
  });

  it('gives administrators every role, and the access log, export and erasure to them alone', () => {
    expect(hasRole(staff(['administrator']), 'agent')).toBe(true);
    expect(isAdministrator(staff(['administrator']))).toBe(true);
    expect(isAdministrator(staff(['agent', 'supervisor']))).toBe(false);
  });

  it('covers a group, its district branches, and every group for supervisors', () => {
    expect(coversGroup(staff(['agent']), 'lighting')).toBe(true);
    expect(coversGroup(staff(['agent']), 'lighting.d2')).toBe(true);
    expect(coversGroup(staff(['agent']), 'waste')).toBe(false);
    expect(coversGroup(staff(['agent'], ['lighting.d2']), 'lighting.d2')).toBe(true);
    expect(coversGroup(staff(['supervisor'], []), 'waste')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';

import { filterFrom, searchOf, withField } from './worklistFilter';

describe('the worklist filter in the address bar', () => {
  it('keeps the view and the alarm beside the other filters', () => {
    const filter = filterFrom(new URLSearchParams('group=paving&view=pending_validation&alarm=citizen_replied&colour=red'));

    expect(filter).toEqual({ group: 'paving', view: 'pending_validation', alarm: 'citizen_replied' });
    expect(searchOf(filter)).toBe('?group=paving&view=pending_validation&alarm=citizen_replied');
  });

  it('drops the view when it is cleared, so the default view leaves no trace', () => {
    const filter = withField({ group: 'paving', view: 'mine' }, 'view', '');

    expect(searchOf(filter)).toBe('?group=paving');
  });
});

import { describe, expect, it } from 'vitest';

import { actorOf } from './timelineActor';

describe('actorOf', () => {
  it('names a staff member by user name', () => {
    expect(actorOf('staff:u-123', 'agent.eixample')).toEqual({ kind: 'name', name: 'agent.eixample' });
  });

  it('never shows a citizen id, known or anonymous', () => {
    expect(actorOf('citizen:cit_01HZX4')).toEqual({ kind: 'citizen' });
    expect(actorOf('citizen:anonymous')).toEqual({ kind: 'citizen' });
  });

  it('shows a staff member without a name as staff, not as an id', () => {
    expect(actorOf('staff:u-123')).toEqual({ kind: 'staff' });
  });

  it('names an external body by its code', () => {
    expect(actorOf('external:tmb')).toEqual({ kind: 'external', code: 'tmb' });
  });

  it('shows nothing for the system or a missing actor', () => {
    expect(actorOf('system')).toBeNull();
    expect(actorOf(null)).toBeNull();
    expect(actorOf(undefined, null)).toBeNull();
  });

  it('shows an actor of an unknown form as it is', () => {
    expect(actorOf('import')).toEqual({ kind: 'name', name: 'import' });
  });
});

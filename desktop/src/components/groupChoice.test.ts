import { describe, expect, it } from 'vitest';

import { indented, rememberGroup, rememberedGroup } from './groupChoice';

function memory(): Pick<Storage, 'getItem' | 'setItem'> {
  const kept = new Map<string, string>();
  return {
    getItem: (key) => kept.get(key) ?? null,
    setItem: (key, value) => void kept.set(key, value),
  };
}

describe('the remembered group', () => {
  it('is the last group the same user chose', () => {
    const storage = memory();
    rememberGroup(storage, 'u-1', 'paving');
    rememberGroup(storage, 'u-1', 'lighting');

    expect(rememberedGroup(storage, 'u-1')).toBe('lighting');
  });

  it('is not shared between users of the same browser', () => {
    const storage = memory();
    rememberGroup(storage, 'u-1', 'paving');

    expect(rememberedGroup(storage, 'u-2')).toBeNull();
  });
});

describe('an indented group name', () => {
  it('grows with the depth and leaves the top group as it is', () => {
    expect(indented('Urban maintenance', 0)).toBe('Urban maintenance');
    expect(indented('Paving', 2)).toBe('\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0Paving');
    expect(indented('Paving', -1)).toBe('Paving');
  });
});

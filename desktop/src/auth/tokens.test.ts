import { describe, expect, it, vi } from 'vitest';

import { AuthError, authErrorCode, type IssuedToken, REFRESH_MARGIN_S, TokenKeeper } from './tokens';

function source(initial: IssuedToken | null, renewed: () => Promise<IssuedToken>) {
  let held = initial;
  const refresh = vi.fn(async () => {
    held = await renewed();
    return held;
  });
  return { current: () => held, refresh };
}

describe('TokenKeeper', () => {
  const now = 1_000_000;

  it('hands out the held token while it has more than the margin left', async () => {
    const tokens = source({ token: 'old', expiresAt: now + REFRESH_MARGIN_S + 60 }, async () => ({ token: 'new', expiresAt: now + 3600 }));
    const keeper = new TokenKeeper(tokens, () => now);
    expect(await keeper.token()).toBe('old');
    expect(tokens.refresh).not.toHaveBeenCalled();
  });

  it('refreshes before the token expires', async () => {
    const tokens = source({ token: 'old', expiresAt: now + REFRESH_MARGIN_S - 1 }, async () => ({ token: 'new', expiresAt: now + 3600 }));
    const keeper = new TokenKeeper(tokens, () => now);
    expect(await keeper.token()).toBe('new');
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
  });

  it('shares one refresh among concurrent callers', async () => {
    const tokens = source({ token: 'old', expiresAt: now }, async () => ({ token: 'new', expiresAt: now + 3600 }));
    const keeper = new TokenKeeper(tokens, () => now);
    const all = await Promise.all([keeper.token(), keeper.token(), keeper.token()]);
    expect(all).toEqual(['new', 'new', 'new']);
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
  });

  it('ends the session when the refresh token is refused', async () => {
    const refused = Object.assign(new Error('Refresh Token has expired'), { code: 'NotAuthorizedException' });
    const keeper = new TokenKeeper(source({ token: 'old', expiresAt: now }, () => Promise.reject(refused)), () => now);
    await expect(keeper.token()).rejects.toMatchObject({ code: 'session_expired' });
  });

  it('keeps a network failure distinct, so the user is not signed out for a blip', async () => {
    const offline = Object.assign(new Error('Network error'), { code: 'NetworkError' });
    const keeper = new TokenKeeper(source({ token: 'old', expiresAt: now }, () => Promise.reject(offline)), () => now);
    await expect(keeper.token()).rejects.toMatchObject({ code: 'network' });
  });

  it('has nothing to give before sign-in', async () => {
    const keeper = new TokenKeeper(source(null, async () => ({ token: 'x', expiresAt: now })), () => now);
    await expect(keeper.token()).rejects.toBeInstanceOf(AuthError);
  });
});

describe('authErrorCode', () => {
  it.each([
    ['NotAuthorizedException', 'incorrect_credentials'],
    ['UserNotFoundException', 'incorrect_credentials'],
    ['PasswordResetRequiredException', 'password_reset_required'],
    ['UserNotConfirmedException', 'not_confirmed'],
    ['InvalidPasswordException', 'invalid_password'],
    ['TooManyRequestsException', 'too_many_attempts'],
    ['NetworkError', 'network'],
    ['SomethingNewException', 'unknown'],
  ])('reads Cognito’s %s as %s', (code, expected) => {
    expect(authErrorCode(Object.assign(new Error('x'), { code }))).toBe(expected);
  });

  it('reads a failed fetch as a network problem', () => {
    expect(authErrorCode(new TypeError('Failed to fetch'))).toBe('network');
  });
});

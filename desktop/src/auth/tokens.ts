/** Keeps the ID token fresh: a call never leaves with a token about to expire. */

export type AuthErrorCode =
  | 'incorrect_credentials'
  | 'password_reset_required'
  | 'not_confirmed'
  | 'invalid_password'
  | 'too_many_attempts'
  | 'network'
  | 'session_expired'
  | 'unknown';

export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    options?: ErrorOptions,
  ) {
    super(code, options);
  }
}

/** Cognito's error codes, as the desktop explains them. */
const COGNITO_CODES: Readonly<Record<string, AuthErrorCode>> = {
  NotAuthorizedException: 'incorrect_credentials',
  UserNotFoundException: 'incorrect_credentials',
  PasswordResetRequiredException: 'password_reset_required',
  UserNotConfirmedException: 'not_confirmed',
  InvalidPasswordException: 'invalid_password',
  InvalidParameterException: 'invalid_password',
  TooManyRequestsException: 'too_many_attempts',
  TooManyFailedAttemptsException: 'too_many_attempts',
  LimitExceededException: 'too_many_attempts',
  NetworkError: 'network',
};

/**
 * The desktop's name for a sign-in failure.
 *
 * An unknown user and a wrong password read the same, so the form tells nobody which
 * usernames exist.
 */
export function authErrorCode(error: unknown): AuthErrorCode {
  if (error instanceof AuthError) {
    return error.code;
  }
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code in COGNITO_CODES) {
      return COGNITO_CODES[code] ?? 'unknown';
    }
    if (error instanceof TypeError || (error as { message?: unknown }).message === 'Network error') {
      return 'network';
    }
  }
  return 'unknown';
}

export interface IssuedToken {
  readonly token: string;
  /** Seconds since the epoch, on this machine's clock. */
  readonly expiresAt: number;
}

export interface TokenSource {
  /** The token held now, if any. */
  current(): IssuedToken | null;
  /** Trade the refresh token for a new ID token. */
  refresh(): Promise<IssuedToken>;
}

/** Refresh when fewer than five minutes are left, well inside Cognito's hour. */
export const REFRESH_MARGIN_S = 300;

export class TokenKeeper {
  private pending: Promise<IssuedToken> | null = null;

  constructor(
    private readonly source: TokenSource,
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly marginS: number = REFRESH_MARGIN_S,
  ) {}

  /**
   * An ID token valid for at least the margin.
   *
   * Concurrent callers share one refresh; a failed refresh means the session is over.
   *
   * @throws AuthError `session_expired` when there is no session or it cannot be renewed
   */
  async token(): Promise<string> {
    const held = this.source.current();
    if (held === null) {
      throw new AuthError('session_expired');
    }
    if (held.expiresAt - this.now() > this.marginS) {
      return held.token;
    }
    return (await this.renew()).token;
  }

  private renew(): Promise<IssuedToken> {
    this.pending ??= this.source
      .refresh()
      .catch((error: unknown) => {
        throw new AuthError(authErrorCode(error) === 'network' ? 'network' : 'session_expired', {
          cause: error,
        });
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}

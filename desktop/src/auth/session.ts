/** Sign-in against the staff user pool with amazon-cognito-identity-js. */

import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
  type CognitoUserSession,
} from 'amazon-cognito-identity-js';

import type { DesktopConfig } from '../config';
import { AuthError, authErrorCode, type IssuedToken, TokenKeeper } from './tokens';

export type SignInOutcome = 'signed_in' | 'new_password_required';

/** The library keeps the server's clock offset on the session but leaves it out of its types. */
function clockDrift(session: CognitoUserSession): number {
  const drift = (session as unknown as { getClockDrift?: () => unknown }).getClockDrift?.();
  return typeof drift === 'number' ? drift : 0;
}

function issued(session: CognitoUserSession): IssuedToken {
  const id = session.getIdToken();
  return { token: id.getJwtToken(), expiresAt: id.getExpiration() + clockDrift(session) };
}

function failure(error: unknown): AuthError {
  return new AuthError(authErrorCode(error), { cause: error });
}

/**
 * The signed-in staff member's Cognito session.
 *
 * Tokens live in `sessionStorage`: closing the tab signs the desk out, which suits a
 * shared counter at a service centre.
 */
export class CognitoSession {
  private readonly pool: CognitoUserPool;
  private user: CognitoUser | null = null;
  private session: CognitoUserSession | null = null;
  private readonly keeper: TokenKeeper;

  constructor(
    private readonly config: DesktopConfig,
    private readonly storage: Storage = window.sessionStorage,
  ) {
    this.pool = new CognitoUserPool({
      UserPoolId: config.userPoolId,
      ClientId: config.clientId,
      Storage: storage,
      ...(config.cognitoEndpoint ? { endpoint: config.cognitoEndpoint } : {}),
    });
    this.keeper = new TokenKeeper({
      current: () => (this.session ? issued(this.session) : null),
      refresh: () => this.refresh(),
    });
  }

  /** Whether someone is signed in. */
  get signedIn(): boolean {
    return this.session !== null;
  }

  /** Sign in with username and password; Cognito may first ask for a new password. */
  signIn(username: string, password: string): Promise<SignInOutcome> {
    const user = new CognitoUser({ Username: username, Pool: this.pool, Storage: this.storage });
    user.setAuthenticationFlowType(this.config.authFlow);
    this.user = user;
    const details = new AuthenticationDetails({ Username: username, Password: password });
    return new Promise((resolve, reject) => {
      user.authenticateUser(details, {
        onSuccess: (session) => {
          this.session = session;
          resolve('signed_in');
        },
        onFailure: (error: unknown) => reject(failure(error)),
        newPasswordRequired: () => resolve('new_password_required'),
      });
    });
  }

  /** Answer Cognito's new-password challenge after {@link signIn}. */
  completeNewPassword(newPassword: string): Promise<void> {
    const user = this.user;
    if (user === null) {
      return Promise.reject(new AuthError('session_expired'));
    }
    return new Promise((resolve, reject) => {
      user.completeNewPasswordChallenge(
        newPassword,
        {},
        {
          onSuccess: (session) => {
            this.session = session;
            resolve();
          },
          onFailure: (error: unknown) => reject(failure(error)),
        },
      );
    });
  }

  /** Pick up the tab's session after a reload; `false` when there is none. */
  restore(): Promise<boolean> {
    const user = this.pool.getCurrentUser();
    if (user === null) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      user.getSession((error: Error | null, session: CognitoUserSession | null) => {
        if (error || session === null || !session.isValid()) {
          resolve(false);
          return;
        }
        this.user = user;
        this.session = session;
        resolve(true);
      });
    });
  }

  /** An ID token for the API, refreshed first when it is close to expiring. */
  idToken(): Promise<string> {
    return this.keeper.token();
  }

  /** Forget the session here and revoke its refresh token at Cognito. */
  signOut(): void {
    const user = this.user;
    this.user = null;
    this.session = null;
    if (user === null) {
      return;
    }
    user.signOut(() => user.signOut());
  }

  private refresh(): Promise<IssuedToken> {
    const user = this.user;
    const session = this.session;
    if (user === null || session === null) {
      return Promise.reject(new AuthError('session_expired'));
    }
    return new Promise((resolve, reject) => {
      user.refreshSession(session.getRefreshToken(), (error: unknown, renewed: CognitoUserSession | null) => {
        if (error || renewed === null) {
          this.session = null;
          reject(failure(error));
          return;
        }
        this.session = renewed;
        resolve(issued(renewed));
      });
    });
  }
}

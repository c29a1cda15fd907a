/** Where the desktop finds the staff user pool: the `/config.json` served beside it. */

export type AuthFlow = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';

export interface DesktopConfig {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** Cognito's endpoint; `null` means the region's public one. */
  readonly cognitoEndpoint: string | null;
  /** SRP unless the deployment asks otherwise: the password never leaves the browser. */
  readonly authFlow: AuthFlow;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const POOL_ID = /^[a-z]{2}-[a-z]+-\d_[A-Za-z0-9]+$/;

function text(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`config.json: ${field} must be a non-empty string`);
  }
  return value;
}

/**
 * Check the shape of `/config.json`.
 *
 * @param raw - the parsed JSON document
 * @returns the configuration, with `cognitoEndpoint` made absolute
 * @throws ConfigError when a field is missing or malformed
 */
export function parseConfig(raw: unknown, origin: string): DesktopConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config.json must be a JSON object');
  }
  const fields = raw as Record<string, unknown>;
  const userPoolId = text(fields, 'userPoolId');
  if (!POOL_ID.test(userPoolId)) {
    throw new ConfigError('config.json: userPoolId is not a user pool id');
  }
  const endpoint = fields['cognitoEndpoint'];
  if (endpoint !== undefined && endpoint !== null && typeof endpoint !== 'string') {
    throw new ConfigError('config.json: cognitoEndpoint must be a string or null');
  }
  const flow = fields['authFlow'] ?? 'USER_SRP_AUTH';
  if (flow !== 'USER_SRP_AUTH' && flow !== 'USER_PASSWORD_AUTH') {
    throw new ConfigError('config.json: authFlow must be USER_SRP_AUTH or USER_PASSWORD_AUTH');
  }
  return {
    region: text(fields, 'region'),
    userPoolId,
    clientId: text(fields, 'clientId'),
    cognitoEndpoint: endpoint ? new URL(endpoint, origin).href : null,
    authFlow: flow,
  };
}

/** Fetch and check `/config.json` from the desktop's own origin. */
export async function loadConfig(origin: string, fetcher: typeof fetch = fetch): Promise<DesktopConfig> {
  const response = await fetcher(new URL('/config.json', origin), { cache: 'no-store' });
  if (!response.ok) {
    throw new ConfigError(`config.json answered ${response.status}`);
  }
  return parseConfig(await response.json(), origin);
}

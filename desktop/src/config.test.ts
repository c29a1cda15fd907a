import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig, parseConfig } from './config';

const ORIGIN = 'http://127.0.0.1:8000';
const VALID = { region: 'eu-west-1', userPoolId: 'eu-west-1_Ab12Cd34', clientId: 'client123', cognitoEndpoint: '/_local/cognito-idp/' };

describe('parseConfig', () => {
  it('makes a relative Cognito endpoint absolute on the desktop’s origin', () => {
    expect(parseConfig(VALID, ORIGIN).cognitoEndpoint).toBe('http://127.0.0.1:8000/_local/cognito-idp/');
  });

  it('uses the region’s own Cognito when no endpoint is given, and SRP by default', () => {
    const config = parseConfig({ ...VALID, cognitoEndpoint: null }, ORIGIN);
    expect(config.cognitoEndpoint).toBeNull();
    expect(config.authFlow).toBe('USER_SRP_AUTH');
  });

  it.each([
    ['a missing client id', { ...VALID, clientId: undefined }],
    ['a malformed pool id', { ...VALID, userPoolId: 'not-a-pool' }],
    ['an unknown auth flow', { ...VALID, authFlow: 'CUSTOM_AUTH' }],
    ['a non-object', ['eu-west-1']],
  ])('refuses %s', (_name, raw) => {
    expect(() => parseConfig(raw, ORIGIN)).toThrow(ConfigError);
  });
});

describe('loadConfig', () => {
  it('fails clearly when config.json is not served', async () => {
    const fetcher = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
    await expect(loadConfig(ORIGIN, fetcher)).rejects.toThrow('config.json answered 404');
  });
});

// The server's half of Cognito's SRP-6a sign-in (3072-bit group, SHA-256, HKDF), for the
// mock user pool: it checks the password proof exactly as Cognito does, so a wrong
// password fails in the browser tests as it would against AWS.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// RFC 5054's 3072-bit group, the one Cognito uses.
const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879' +
    '8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B' +
    '0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836' +
    '1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804' +
    'F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6' +
    '955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64' +
    'ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226' +
    '1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2' +
    '08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;
const INFO = Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]);

/** Hex of a positive integer as Cognito pads it: even length, and a leading 00 when the top bit is set. */
export function padHex(value) {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) {
    hex = `0${hex}`;
  }
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

function hashHex(hex) {
  return createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
}

function modPow(base, exponent, modulus) {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) {
      result = (result * b) % modulus;
    }
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const k = BigInt(`0x${hashHex(padHex(N) + padHex(g))}`);

function randomInteger(bytes) {
  return BigInt(`0x${randomBytes(bytes).toString('hex')}`);
}

/** The verifier Cognito keeps for a password: v = g^x, x = H(salt | H(pool user:password)). */
export function verifierOf(poolName, userId, password, saltHex) {
  const inner = createHash('sha256').update(`${poolName}${userId}:${password}`, 'utf8').digest('hex');
  const x = BigInt(`0x${hashHex(padHex(BigInt(`0x${saltHex}`)) + inner)}`);
  return modPow(g, x, N);
}

/** The server's first answer to the client's A: a fresh b and B = k·v + g^b. */
export function challenge(verifier) {
  const b = randomInteger(32);
  const B = (k * verifier + modPow(g, b, N)) % N;
  return { b, B, secretBlock: randomBytes(64).toString('base64') };
}

/** Check the client's PASSWORD_CLAIM_SIGNATURE for this exchange. */
export function signatureMatches({ poolName, userId, verifier, A, b, B, secretBlock, timestamp, signature }) {
  if (A % N === 0n) {
    return false;
  }
  const u = BigInt(`0x${hashHex(padHex(A) + padHex(B))}`);
  const S = modPow(A * modPow(verifier, u, N), b, N);
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex')).update(Buffer.from(padHex(S), 'hex')).digest();
  const key = createHmac('sha256', prk).update(INFO).digest().subarray(0, 16);
  const expected = createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(poolName, 'utf8'),
        Buffer.from(userId, 'utf8'),
        Buffer.from(secretBlock, 'base64'),
        Buffer.from(timestamp, 'utf8'),
      ]),
    )
    .digest();
  const given = Buffer.from(String(signature), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

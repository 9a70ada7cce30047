import { createHmac, KeyObject, sign as cryptoSign } from 'node:crypto';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`). */
export function unsignedToken(payload: Record<string, unknown>, kid: string): string {
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(payload)}.`;
}

/** The classic key-confusion attack: HS256 with the public key's PEM text as the secret. */
export function hs256WithSecret(payload: Record<string, unknown>, kid: string, secret: string): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Same header and signature, another payload: the signature no longer matches. */
export function tamperPayload(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return `${header}.${b64(change(claims))}.${signature}`;
}

/** Re-labels a token with another kid, keeping its (now mismatched) signature. */
export function withKid(token: string, kid: string): string {
  const [header, payload, signature] = token.split('.');
  const head = JSON.parse(Buffer.from(header!, 'base64url').toString());
  return `${b64({ ...head, kid })}.${payload}.${signature}`;
}

export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * A compact JWS over exactly these header and payload texts, RS256-signed
 * with `privateKey`: for payloads jsonwebtoken refuses to sign (null, an
 * array, a number) and headers it would not write (crit).
 */
export function signRaw(privateKey: KeyObject, header: Record<string, unknown>, payloadJson: string): string {
  const head = `${b64(header)}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${head}.${cryptoSign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
}

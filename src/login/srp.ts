import { createHmac } from 'node:crypto';
import { CognitoUnavailableError, messageOf } from '../errors';

/** What Cognito sends with the PASSWORD_VERIFIER challenge. */
export interface VerifierParameters {
  SALT?: string;
  SRP_B?: string;
  SECRET_BLOCK?: string;
  USER_ID_FOR_SRP?: string;
}

export interface SrpSession {
  /** SRP_A for InitiateAuth, in hex. */
  readonly srpA: string;
  /** The PASSWORD_VERIFIER answer (USERNAME, PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE, TIMESTAMP). */
  answer(parameters: VerifierParameters, password: string): Promise<Record<string, string>>;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * One SRP sign-in, on amazon-cognito-identity-js's AuthenticationHelper
 * (AWS's own client, whose maths Cognito's servers agree with): a fresh
 * secret `a` per sign-in. Only the final HMAC is ours, as the library's
 * CognitoUser computes it: key from the helper, message
 * pool name | user id | secret block | timestamp.
 */
export async function startSrp(userPoolId: string, now: () => string = cognitoTimestamp): Promise<SrpSession> {
  // Loaded when SRP is used: the password and refresh flows do not need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const AuthenticationHelper = (require('amazon-cognito-identity-js/lib/AuthenticationHelper') as typeof import('amazon-cognito-identity-js/lib/AuthenticationHelper')).default;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BigInteger = (require('amazon-cognito-identity-js/lib/BigInteger') as typeof import('amazon-cognito-identity-js/lib/BigInteger')).default;
  // The SRP pool name is the id's part after the region: eu-west-1_AbC123 -> AbC123.
  const poolName = userPoolId.slice(userPoolId.indexOf('_') + 1);
  const helper = new AuthenticationHelper(poolName);
  const largeA = await new Promise<string>((resolve, reject) => helper.getLargeAValue((error, value) => (error ? reject(error) : resolve(value.toString(16)))));
  return {
    srpA: largeA,
    async answer(parameters, password) {
      const { SALT: salt, SRP_B: serverB, SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: userId } = parameters;
      if (!salt || !HEX.test(salt) || !serverB || !HEX.test(serverB) || !secretBlock || !userId) {
        throw new CognitoUnavailableError('Cognito\'s PASSWORD_VERIFIER challenge lacks SALT, SRP_B, SECRET_BLOCK or USER_ID_FOR_SRP', 'is --endpoint a Cognito endpoint? try --flow password');
      }
      const key = await new Promise<Buffer>((resolve, reject) => {
        try {
          helper.getPasswordAuthenticationKey(userId, password, new BigInteger(serverB, 16), new BigInteger(salt, 16), (error, value) => (error ? reject(error) : resolve(value)));
        } catch (error) {
          // B = 0 (mod N) or u = 0: a broken or hostile server.
          reject(new CognitoUnavailableError(`Cognito's SRP_B cannot be used: ${messageOf(error)}`, 'is --endpoint a Cognito endpoint?'));
        }
      });
      const timestamp = now();
      const message = Buffer.concat([Buffer.from(poolName, 'utf8'), Buffer.from(userId, 'utf8'), Buffer.from(secretBlock, 'base64'), Buffer.from(timestamp, 'utf8')]);
      return {
        USERNAME: userId,
        PASSWORD_CLAIM_SECRET_BLOCK: secretBlock,
        PASSWORD_CLAIM_SIGNATURE: createHmac('sha256', key).update(message).digest('base64'),
        TIMESTAMP: timestamp,
      };
    },
  };
}

/** Now as Cognito's TIMESTAMP wants it (`Tue Dec 1 21:26:35 UTC 2026`), by the library's DateHelper. */
export function cognitoTimestamp(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const DateHelper = (require('amazon-cognito-identity-js/lib/DateHelper') as typeof import('amazon-cognito-identity-js/lib/DateHelper')).default;
  return new DateHelper().getNowString();
}

/** SECRET_HASH: Base64(HMAC-SHA256(client secret, username + client id)), as the Cognito API reference defines it. */
export function secretHash(username: string, clientId: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}

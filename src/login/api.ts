import type { AxiosError } from 'axios';
import { getProxyForUrl } from 'proxy-from-env';
import { redact } from '../config/urls';
import { CognitoUnavailableError, messageOf } from '../errors';
import { boundedRequest } from '../http';

/** The two calls sign-in needs; neither takes an AWS signature. */
export type Operation = 'InitiateAuth' | 'RespondToAuthChallenge';

/** A dead or silent endpoint fails within this, never hangs the command. */
export const CALL_TIMEOUT_MS = 10_000;
const MAX_BYTES = 256 * 1024;

/** Cognito answered with an error: its type without the namespace (`NotAuthorizedException`) and message. */
export class CognitoApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'CognitoApiError';
  }
}

/**
 * One call of Cognito's JSON API (what the AWS SDK sends, without the SDK):
 * a POST with the operation in X-Amz-Target. Never retried: a refused
 * password must not be tried again, and an unsupported flow is answered at once.
 * Throws CognitoApiError for Cognito's answers, CognitoUnavailableError for the network.
 */
export async function callCognito<T>(endpoint: string, operation: Operation, body: Record<string, unknown>, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
  const url = `${endpoint}/`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const axios = require('axios') as typeof import('axios');
  let response;
  try {
    response = await axios.post<string>(url, JSON.stringify(body), {
      ...boundedRequest(timeoutMs, MAX_BYTES),
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
        accept: 'application/json',
      },
    });
  } catch (error) {
    throw unavailable(url, networkCause(error, timeoutMs));
  }
  const text = String(response.data ?? '');
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw unavailable(url, `HTTP ${response.status} with an answer that is not JSON`, 'is --endpoint a Cognito endpoint? a proxy or captive portal may be answering');
  }
  if (response.status === 200 && parsed !== null && typeof parsed === 'object') return parsed as T;
  const fields = (parsed ?? {}) as { __type?: unknown; code?: unknown; message?: unknown; Message?: unknown };
  const header = response.headers['x-amzn-errortype'];
  const rawType = [fields.__type, fields.code, header].find((v): v is string => typeof v === 'string' && v !== '') ?? '';
  // `com.amazonaws...#NotAuthorizedException` and `NotAuthorizedException:http://...` both occur.
  const type = rawType.replace(/^.*#/, '').replace(/:.*$/, '');
  const message = [fields.message, fields.Message].find((v): v is string => typeof v === 'string') ?? '';
  if (type === '' && response.status >= 500) throw unavailable(url, `HTTP ${response.status}`, 'Cognito had a problem; try again later');
  if (type === '') throw unavailable(url, `HTTP ${response.status} without a Cognito error type`, 'is --endpoint a Cognito endpoint?');
  // cognito-local's own marker keeps its namespace: the flow choice looks for it.
  throw new CognitoApiError(response.status, rawType.startsWith('CognitoLocal#') ? rawType : type, message);
}

function unavailable(url: string, cause: string, hint?: string): CognitoUnavailableError {
  const proxy = getProxyForUrl(url);
  const via = proxy ? ` through proxy ${redact(proxy)}` : '';
  return new CognitoUnavailableError(`could not sign in at ${url}: ${cause}${via}`, hint ?? (proxy ? 'check the proxy (HTTPS_PROXY / HTTP_PROXY, NO_PROXY) and --endpoint' : 'check the network, the region and --endpoint'));
}

function networkCause(error: unknown, timeoutMs: number): string {
  const code = (error as AxiosError)?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (DNS)';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
    case 'ERR_CANCELED':
      return `no answer within ${timeoutMs / 1000} s (timeout)`;
    default:
      if (/maxContentLength|max.?body/i.test(messageOf(error))) return `the answer is larger than ${MAX_BYTES / 1024} KiB`;
      return `${code ? `${code}: ` : ''}${messageOf(error)}`;
  }
}

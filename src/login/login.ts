import * as fs from 'node:fs';
import { loadRcFile, RawSettings, resolveConfig } from '../config';
import { UsageError } from '../errors';
import * as log from '../log';
import { printable } from '../printable';
import { signInTarget } from './client';
import { readPassword } from './password';
import { AUTH_FLOWS } from './refusals';
import { FLOW_CHOICES, FlowChoice, refresh, signIn, TokenSet } from './sign-in';
import { issuerMismatch, tokenOutput } from './tokens';

/** What `login` was asked for: its flags as commander parsed them, and where it runs. */
export interface LoginOptions {
  /** The configuration flags (--user-pool-id, --endpoint, --client-id, ...). */
  flags: RawSettings;
  /** --username; empty counts as none. */
  username: string | null;
  passwordStdin: boolean;
  /** --flow as typed; checked here. */
  flow: string;
  /** --client-secret; null when not given, so COGNITO_CLIENT_SECRET applies. */
  clientSecret: string | null;
  /** --refresh: a refresh token, or - to read it from standard input. */
  refresh: string | null;
  id: boolean;
  json: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Signs the user in (or refreshes) and prints the token alone on stdout; everything else goes to stderr. */
export async function login(options: LoginOptions): Promise<void> {
  const flow = checkLoginFlags(options);
  const username = options.username !== null && options.username !== '' ? options.username : null;
  const { config, warnings } = resolveConfig({ flags: options.flags, env: options.env, rc: loadRcFile(options.cwd) });
  for (const warning of warnings) if (warning.about === 'pool') log.warn(warning.text);
  const { client, issuers } = signInTarget(config, options.clientSecret, options.env);

  let tokens: TokenSet;
  if (options.refresh !== null) {
    tokens = await refresh({ ...client, refreshToken: refreshTokenFrom(options.refresh), username });
  } else {
    if (username === null) throw new UsageError('login needs --username', 'e.g. --username alice@example.com (a pool that signs in by e-mail takes the e-mail address)');
    const password = await readPassword({ fromStdin: options.passwordStdin, env: options.env, username });
    tokens = await signIn({ ...client, username, password, flow, onFallback: (text) => log.info(text) });
  }
  const mismatch = issuerMismatch(tokens, issuers);
  if (mismatch) log.warn(mismatch);
  const output = tokenOutput(tokens);
  log.info(signedInLine(tokens, username, output.accessTokenExpiresAt));
  process.stdout.write(options.json ? `${JSON.stringify(output, null, 2)}\n` : `${options.id ? tokens.idToken : tokens.accessToken}\n`);
}

/** The flow asked for, after the flags that cannot go together; checked before any configuration is read. */
export function checkLoginFlags(options: Pick<LoginOptions, 'flow' | 'id' | 'json' | 'refresh' | 'passwordStdin'>): FlowChoice {
  const flow = FLOW_CHOICES.find((choice) => choice === options.flow);
  if (flow === undefined) throw new UsageError(`--flow ${options.flow} is not a flow`, 'use auto (the default), srp or password');
  if (options.id && options.json) throw new UsageError('--id and --json cannot be combined', '--json prints the ID token too');
  if (options.refresh === '-' && options.passwordStdin) throw new UsageError('--refresh - and --password-stdin both read standard input', 'a refresh needs no password: drop --password-stdin');
  return flow;
}

/** The refresh token of --refresh: the argument, or standard input for -; surrounding white space is not part of it. */
export function refreshTokenFrom(argument: string, readStdin: () => string = () => fs.readFileSync(0, 'utf8')): string {
  const refreshToken = (argument === '-' ? readStdin() : argument).trim();
  if (refreshToken === '') throw new UsageError('no refresh token given', argument === '-' ? 'standard input was empty' : 'pass the refresh token, or - to read it from standard input');
  return refreshToken;
}

/** The line on stderr that says what happened, and until when the access token is good. */
export function signedInLine(tokens: Pick<TokenSet, 'flow'>, username: string | null, accessTokenExpiresAt: string | null): string {
  const until = accessTokenExpiresAt ? `; the access token expires at ${accessTokenExpiresAt}` : '';
  return `${tokens.flow === 'refresh' ? 'refreshed the tokens' : `signed in ${printable(username ?? '')} with ${AUTH_FLOWS[tokens.flow]}`}${until}`;
}

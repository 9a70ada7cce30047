export { signIn, refresh, FLOW_CHOICES } from './sign-in';
export type { FlowChoice, SignInInput, RefreshInput, TokenSet, Client } from './sign-in';
export { tokenOutput, expiryOf, issuerMismatch } from './tokens';
export type { TokenOutput } from './tokens';
export { readPassword, PASSWORD_ENV } from './password';
export { AUTH_FLOWS, describeRefusal, isFlowNotOffered, unansweredChallenge } from './refusals';
export { secretHash, startSrp, cognitoTimestamp } from './srp';
export { callCognito, CognitoApiError, CALL_TIMEOUT_MS } from './api';

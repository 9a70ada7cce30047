export { claimsToSettings, settingNameForClaim, settingValue, hasUnstorableText, REGISTERED_CLAIMS } from './settings';
export type { Claims } from './settings';
export { decideRole, claimAtPath, isReservedRoleName } from './role';
export type { RoleDecision } from './role';

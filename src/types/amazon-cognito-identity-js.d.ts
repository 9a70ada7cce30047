// amazon-cognito-identity-js types its high-level classes only; these are the SRP parts login uses.
declare module 'amazon-cognito-identity-js/lib/BigInteger' {
  export default class BigInteger {
    constructor(text: string, radix: number);
    toString(radix: number): string;
  }
}

declare module 'amazon-cognito-identity-js/lib/AuthenticationHelper' {
  import BigInteger from 'amazon-cognito-identity-js/lib/BigInteger';
  /** The client side of Cognito's SRP-6a variant, for one sign-in. */
  export default class AuthenticationHelper {
    /** `poolName`: the part of the user pool id after the underscore. */
    constructor(poolName: string);
    getLargeAValue(callback: (error: Error | null, largeA: BigInteger) => void): void;
    /** The 16-byte key the PASSWORD_VERIFIER signature is an HMAC with. */
    getPasswordAuthenticationKey(username: string, password: string, serverB: BigInteger, salt: BigInteger, callback: (error: Error | null, key: Buffer) => void): void;
  }
}

declare module 'amazon-cognito-identity-js/lib/DateHelper' {
  export default class DateHelper {
    /** Now, as Cognito wants the TIMESTAMP: `Tue Dec 1 21:26:35 UTC 2026`. */
    getNowString(): string;
  }
}

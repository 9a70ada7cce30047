/**
 * The one way untrusted text (from a token, a JWKS, an HTTP answer) reaches
 * a log line or a terminal: control characters, escape sequences and
 * invisible formatting are shown as \u escapes, and the length is bounded,
 * so nothing can move the cursor, set the title, fake a line or flood.
 */
export const MAX_PRINTABLE_LENGTH = 120;

// C0 and C1 controls, DEL, line and paragraph separators, and format characters (bidi overrides, zero widths).
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** `\u001b`; a character beyond the BMP as its UTF-16 pair (`\udb40\udc01`), as JSON writes it. */
const escape = (c: string) =>
  c
    .split('')
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');

/** `value` made safe to print; "(none)" when absent, a type name for what is not a string or number. */
export function printable(value: unknown, max: number = MAX_PRINTABLE_LENGTH): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return `(${Array.isArray(value) ? 'an array' : `a ${typeof value}`})`;
  // Bound first on code points, so a surrogate pair is never cut in half.
  const chars = [...value];
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : value;
  return cut.replace(UNPRINTABLE, escape);
}

// What JSON.stringify writes raw inside strings (it escapes C0 controls itself; raw newlines are its indentation).
const LEFT_RAW_BY_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * JSON.stringify, with every character `printable` would escape written as a
 * \u escape: the same values once parsed (jq sees them exactly), but nothing
 * a terminal acts on. JSON.stringify leaves C1 controls and bidi marks raw.
 */
export function printableJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(LEFT_RAW_BY_JSON, escape);
}

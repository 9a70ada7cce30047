/**
 * Text from outside (a server's message, a claim value, a database row) fit
 * for a terminal: control, C1 and bidirectional-override characters escaped
 * as \uXXXX, so nothing can move the cursor or reorder what is shown; cut at
 * `max` characters.
 */
export function escapeForTerminal(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

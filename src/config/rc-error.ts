import { messageOf } from '../errors';

export interface RcFailure {
  /** 1-based line in the rc file, when the error says. */
  line: number | null;
  /** What went wrong, in one line, without the file's own text (it may hold a password). */
  reason: string;
  /** A syntax error (JavaScript or JSON) rather than one thrown while the file ran. */
  syntax: boolean;
}

/**
 * Where and why reading an rc file failed. Node puts `file:line` on the first
 * line of a SyntaxError's stack and in the stack frames of an error the file
 * threw; cosmiconfig's JSON errors mark the line with `> N |` in a code frame.
 * That frame is coloured on a terminal, or wherever `CI` or `FORCE_COLOR` is
 * set, so the colour codes go first: else the frame's lines (the file's own
 * text) would not be recognised and one of them would become the reason.
 */
export function describeRcFailure(error: unknown, filepath: string): RcFailure {
  const message = withoutColour(messageOf(error));
  const stack = typeof (error as Error)?.stack === 'string' ? (error as Error).stack! : '';
  if ((error as Error)?.name === 'JSONError') {
    // Node 20's JSON.parse quotes the file around the bad token, line breaks and all
    // (`Unexpected token 'h', ..."pw": hunter2"... is not valid JSON`): its words only.
    const text = message.replace(/,\s*(?:\.\.\.)?"[\s\S]*"(?:\.\.\.)?\s+is not valid JSON/, '');
    const marked = /^>\s*(\d+)\s*\|/m.exec(text);
    const reason = text.split('\n').find((line) => /\S/.test(line) && !line.startsWith('JSON Error in') && !/^\s*>?\s*\d*\s*\|/.test(line)) ?? text;
    // The parser quotes the file's text after "while parsing"; keep only its own words.
    return { line: marked ? Number(marked[1]) : null, reason: reason.replace(/\s+while parsing .*$/, '').trim(), syntax: true };
  }
  const at = locate(stack, filepath);
  return { line: at, reason: firstLine(message), syntax: (error as Error)?.name === 'SyntaxError' };
}

function locate(stack: string, filepath: string): number | null {
  const escaped = filepath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  return match ? Number(match[1]) : null;
}

/** SGR escape sequences, the only kind a code frame holds. */
function withoutColour(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

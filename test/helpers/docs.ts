/** The docs' own text, so tests check links and run the commands a reader copies. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, ROOT } from './cli';

/** README.md and every page under docs/, relative to the repository. */
export function docFiles(): string[] {
  const pages = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...pages.map((f) => path.join('docs', f))];
}

/** Fenced code blocks of a Markdown text, de-indented (blocks inside list items are indented). */
export function codeBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  for (const match of markdown.matchAll(/^( *)```[^\n]*\n([\s\S]*?)^\1```[ \t]*$/gm)) {
    const indent = match[1]!.length;
    blocks.push(match[2]!.split('\n').map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))).join('\n'));
  }
  return blocks;
}

/** The first code block of `file` (relative to the repository) that contains `marker`. */
export function codeBlock(file: string, marker: string): string {
  const found = codeBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8')).find((block) => block.includes(marker));
  if (found === undefined) throw new Error(`no code block in ${file} contains ${JSON.stringify(marker)}`);
  return found;
}

const POSTGRAPHILE_CLI = path.join(ROOT, 'node_modules', 'postgraphile', 'cli.js');

function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A documented shell snippet, with `npx postgraphile-cognito` and `npx postgraphile` run as
 * this checkout's built CLI and PostGraphile 4's own CLI: only how the two are found differs.
 */
export function withLocalCommands(script: string): string {
  const node = quoted(process.execPath);
  const prelude = `pgc() { ${node} ${quoted(BIN)} "$@"; }\npostgraphile() { ${node} ${quoted(POSTGRAPHILE_CLI)} "$@"; }\n`;
  return prelude + script.replace(/npx postgraphile-cognito\b/g, 'pgc').replace(/npx postgraphile\b/g, 'postgraphile');
}

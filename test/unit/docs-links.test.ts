/**
 * Every link in README.md and docs/ leads somewhere: the file exists, the
 * package ships it (the README travels with the package), and the heading
 * an anchor names is there.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../helpers/cli';
import { codeBlocks, docFiles } from '../helpers/docs';

const { files } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
// npm packs these whatever "files" says.
const ALWAYS_PACKED = ['README.md', 'LICENSE', 'package.json'];

function shipped(relative: string): boolean {
  return ALWAYS_PACKED.includes(relative) || files.some((entry) => relative === entry || relative.startsWith(`${entry}/`));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function withoutCode(markdown: string): string {
  let text = markdown;
  for (const block of codeBlocks(markdown)) text = text.replace(block, '');
  return text;
}

/** [text](target) links, outside code blocks, that stay in the repository. */
function localLinks(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
}

describe('links in the docs', () => {
  test('every link in README.md and docs/ resolves to a shipped file, and every anchor to a heading', () => {
    const problems: string[] = [];
    let count = 0;
    for (const file of docFiles()) {
      for (const link of localLinks(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        count++;
        const [target, anchor] = link.split('#') as [string, string | undefined];
        const resolved = target === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), target);
        const relative = path.relative(ROOT, resolved).split(path.sep).join('/');
        if (!fs.existsSync(resolved)) problems.push(`${file} links to ${link}, which does not exist`);
        else if (!shipped(relative)) problems.push(`${file} links to ${relative}, which package.json "files" does not ship`);
        else if (anchor !== undefined && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${file} links to ${link}: no such heading in ${relative}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(count >= 30, `only ${count} links found: is the link pattern still right?`);
  });

  test('the anchor rule matches GitHub on the headings these docs use', () => {
    assert.equal(slug('The JWKS cache and `--offline`'), 'the-jwks-cache-and---offline');
    assert.equal(slug('Shell scripts: `args`, `pem`, `keys`'), 'shell-scripts-args-pem-keys');
    assert.equal(slug('1. `npx` or an npm script'), '1-npx-or-an-npm-script');
  });
});

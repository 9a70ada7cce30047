/** Every reason code a refusal can carry is named where users look it up: verify --help and verification.md. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { verifyCommand } from '../../src/cli/commands/verify';
import { REJECTION_CODES } from '../../src/verify';
import { ROOT } from '../helpers/cli';

/** The whole --help text, including what addHelpText puts after the options. */
function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => void (text += chunk) });
  command.outputHelp();
  return text;
}

/** The words of `text` with line breaks taken as spaces, so a code wrapped onto a new line still counts. */
function mentions(text: string, code: string): boolean {
  return new RegExp(`(^|[\\s\`,(])${code}([\\s\`,.)]|$)`).test(text.replace(/\s+/g, ' '));
}

describe('reason codes', () => {
  test('verify --help names every reason code', () => {
    const help = helpOf(verifyCommand());
    assert.match(help, /one of:/, 'the list of reasons is not in the help at all');
    assert.deepEqual(REJECTION_CODES.filter((code) => !mentions(help, code)), []);
  });

  test('verification.md names every reason code where it explains refusals', () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs', 'verification.md'), 'utf8');
    const section = /^## When a token is refused\n([\s\S]*?)(?=^## )/m.exec(page)?.[1];
    assert.ok(section, 'docs/verification.md has no section "When a token is refused"');
    assert.deepEqual(REJECTION_CODES.filter((code) => !section.includes(`\`${code}\``)), []);
  });
});

/** The settings the code reads are the settings the docs list: configuration.md's table and .postgraphilerc.example. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ENV_NAMES, FLAG_NAMES } from '../../src/config/sources';
import { SETTING_KEYS } from '../../src/config/types';
import { ROOT } from '../helpers/cli';

/** The rows of configuration.md's settings table, as cells. */
function settingsRows(): string[][] {
  const page = fs.readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
  const section = /^## Settings\n([\s\S]*?)(?=^## )/m.exec(page)?.[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `--'))
    // Cells split at each | that is not escaped (\| inside a cell).
    .map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

describe('settings in the docs', () => {
  test("configuration.md's table has one row per setting, with its flag, environment variables and rc key", () => {
    const rows = settingsRows();
    const problems: string[] = [];
    for (const key of SETTING_KEYS) {
      const flag = FLAG_NAMES[key];
      const row = rows.filter((cells) => cells[0]!.startsWith(`\`${flag}\``));
      if (row.length !== 1) {
        problems.push(`${flag}: ${row.length} rows`);
        continue;
      }
      const [, env, rc] = row[0]!;
      for (const name of ENV_NAMES[key]) if (!env!.includes(`\`${name}\``)) problems.push(`${flag}: no ${name}`);
      if (!rc!.includes(`\`${key}\``)) problems.push(`${flag}: no rc key ${key}`);
    }
    assert.deepEqual(problems, []);
  });

  test('.postgraphilerc.example shows every key of the cognito section', () => {
    const example = fs.readFileSync(path.join(ROOT, '.postgraphilerc.example'), 'utf8');
    const cognito = example.slice(example.indexOf('cognito: {'));
    const missing = [...SETTING_KEYS, 'pools', 'issuers'].filter((key) => !new RegExp(`^\\s*(// )?${key}: `, 'm').test(cognito));
    assert.deepEqual(missing, []);
  });
});

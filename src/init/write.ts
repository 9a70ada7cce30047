import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { fsReason, writeTempFile } from '../files';

export interface PlannedFile {
  name: string;
  text: string;
  /** 0o600 for a file holding a password. */
  mode: number;
}

/**
 * Writes every file or none: without `force`, any of them existing (or any
 * name in `alsoRefuse`) refuses the lot before a byte is written. Each file
 * goes to a temp file first, all of them, and only then are they renamed into
 * place, so a failure never leaves a half-written file.
 */
export function writeFiles(dir: string, files: readonly PlannedFile[], { force, alsoRefuse = [] }: { force: boolean; alsoRefuse?: readonly string[] }): void {
  if (!force) {
    const existing = [...files.map((f) => f.name), ...alsoRefuse].filter((name) => fs.existsSync(path.join(dir, name)));
    if (existing.length > 0) {
      throw new UsageError(
        `${existing.join(' and ')} already ${existing.length === 1 ? 'exists' : 'exist'} in ${dir}; nothing was written`,
        'pass --force to replace what init writes, or move the file away first',
      );
    }
  }
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (const file of files) temps.push(writeTempFile(path.join(dir, file.name), file.text, file.mode));
    files.forEach((file, i) => {
      fs.renameSync(temps[i]!, path.join(dir, file.name));
      placed.push(file.name);
    });
  } catch (error) {
    for (const temp of temps) fs.rmSync(temp, { force: true });
    // New files only: with --force an old file has been replaced already and cannot come back.
    if (!force) for (const name of placed) fs.rmSync(path.join(dir, name), { force: true });
    throw new UsageError(`cannot write ${files.map((f) => f.name).join(' and ')} in ${dir} (${fsReason(error)})`, 'check that the folder exists and is writable');
  }
}

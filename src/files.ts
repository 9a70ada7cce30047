import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes `text` to a new temp file next to `target` and returns its path; the
 * caller renames it into place, so readers see the old file or the new one,
 * never half of one. Same folder, so the rename cannot cross file systems.
 */
export function writeTempFile(target: string, text: string, mode = 0o644): string {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text);
      // On disk before the rename, so a crash cannot leave an empty file under the real name.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  return temp;
}

/** The errno code of a file-system error, else its message: for one-line messages. */
export function fsReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

import { messageOf } from '../errors';
import * as log from '../log';

interface Step {
  name: string;
  run: () => Promise<void>;
  /** What can still be done when the process is exiting and nothing async runs any more. */
  atExit?: () => void;
}

/**
 * What the demo has started, undone in reverse order exactly once: on Ctrl-C,
 * on a failed start, or (the synchronous parts) when the process exits some
 * other way, say PostGraphile giving up on the database.
 */
export class Teardown {
  private readonly steps: Step[] = [];
  private running: Promise<void> | null = null;
  private exited = false;

  constructor() {
    process.once('exit', () => this.runAtExit());
  }

  add(name: string, run: () => Promise<void>, atExit?: () => void): void {
    this.steps.push({ name, run, ...(atExit ? { atExit } : {}) });
  }

  /** Runs every step, last added first; a failing step is reported and the rest still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (error) {
          log.warn(`could not ${step.name}: ${messageOf(error)}`);
        }
      }
      this.steps.length = 0;
    })();
    return this.running;
  }

  private runAtExit(): void {
    if (this.exited) return;
    this.exited = true;
    for (const step of [...this.steps].reverse()) {
      try {
        step.atExit?.();
      } catch {
        /* the process is ending; nothing more can be done */
      }
    }
  }
}

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
 * other way, say PostGraphile giving up on the database. A step added while
 * or after it runs is undone too, at once.
 */
export class Teardown {
  private readonly steps: Step[] = [];
  private running: Promise<void> | null = null;
  private exited = false;

  constructor() {
    process.once('exit', () => this.runAtExit());
  }

  /** True once undoing has begun: nothing new should be started. */
  get closed(): boolean {
    return this.running !== null;
  }

  /** Throws once undoing has begun, so a start-up step interrupted by Ctrl-C starts nothing more. */
  assertOpen(): void {
    if (this.closed) throw new Error('the demo is stopping');
  }

  add(name: string, run: () => Promise<void>, atExit?: () => void): void {
    this.steps.push({ name, run, ...(atExit ? { atExit } : {}) });
    if (this.running) void this.run();
  }

  /** Runs every step, last added first; a failing step is reported and the rest still run. Resolves when none is left. */
  run(): Promise<void> {
    this.running = (this.running ?? Promise.resolve()).then(() => this.drain());
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let step = this.steps.at(-1); step; step = this.steps.at(-1)) {
      try {
        await step.run();
      } catch (error) {
        log.warn(`could not ${step.name}: ${messageOf(error)}`);
      }
      // Removed only when done: if the process exits meanwhile, its synchronous part still runs.
      this.steps.splice(this.steps.indexOf(step), 1);
    }
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

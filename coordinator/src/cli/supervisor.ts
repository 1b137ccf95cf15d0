import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../../shared/src/log/logger.js';

export interface SupervisorOptions {
  readonly command: string;
  readonly baseArgs: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** One line per start, exit and restart, for the operator (stdout). */
  readonly report: (line: string) => void;
  /** First restart delay; doubles per crash, up to maxBackoffMs. @default 500 */
  readonly backoffMs?: number;
  /** @default 10000 */
  readonly maxBackoffMs?: number;
  /** A child that ran this long before exiting restarts at the first delay again. @default 30000 */
  readonly healthyAfterMs?: number;
}

interface Supervised {
  readonly name: string;
  readonly args: readonly string[];
  child: ChildProcess | undefined;
  restarts: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

/**
 * Keeps `lethe up`'s children running: a child that dies is reported and restarted with exponential backoff, and
 * `stop` always stops every child (SIGTERM, then SIGKILL after a grace period), whether or not some already died.
 */
export class Supervisor {
  private readonly children = new Map<string, Supervised>();
  private stopping = false;

  constructor(private readonly o: SupervisorOptions) {}

  start(name: string, args: readonly string[]): void {
    const s: Supervised = { name, args, child: undefined, restarts: 0, startedAt: 0, timer: undefined };
    this.children.set(name, s);
    this.launch(s);
  }

  private launch(s: Supervised): void {
    if (this.stopping) return;
    const child = spawn(this.o.command, [...this.o.baseArgs, ...s.args], { env: this.o.env, stdio: ['ignore', 'inherit', 'inherit'] });
    s.child = child;
    s.startedAt = Date.now();
    this.o.report(`started ${s.name} (pid ${child.pid ?? '?'})`);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (Date.now() - s.startedAt >= (this.o.healthyAfterMs ?? 30_000)) s.restarts = 0;
      const delay = Math.min(this.o.maxBackoffMs ?? 10_000, (this.o.backoffMs ?? 500) * 2 ** s.restarts);
      s.restarts++;
      const how = signal !== null ? `signal ${signal}` : `code ${code ?? '?'}`;
      this.o.logger.warn({ child: s.name, code, signal, restarts: s.restarts, delayMs: delay }, 'child exited; restarting');
      this.o.report(`${s.name} exited (${how}); restarting in ${(delay / 1000).toFixed(1)} s (restart ${s.restarts})`);
      s.timer = setTimeout(() => this.launch(s), delay);
    });
  }

  /** Stops every child: no more restarts, SIGTERM, and SIGKILL for those still running after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const running: ChildProcess[] = [];
    for (const s of this.children.values()) {
      clearTimeout(s.timer);
      if (s.child !== undefined && !exited(s.child)) running.push(s.child);
    }
    const gone = running.map((c) => (exited(c) ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()))));
    for (const c of running) c.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of running) if (!exited(c)) c.kill('SIGKILL');
    }, graceMs);
    await Promise.all(gone);
    clearTimeout(timer);
  }
}

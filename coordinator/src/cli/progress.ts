import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** One bar of a progress display: a value out of a total, and named fields its formats show. */
export interface ProgressBar {
  update(value: number, fields?: Record<string, string>): void;
  setTotal(total: number): void;
}

/** Bars that draw themselves on a terminal and print plain lines anywhere else. */
export interface Progress {
  bar(total: number, fields?: Record<string, string>): ProgressBar;
  /** Draws (or prints) each bar's last state once; later calls do nothing. */
  stop(): void;
}

export interface ProgressOptions {
  /** cli-progress format for a terminal, e.g. `' {phase} |{bar}| {value}/{total}'`. */
  format: string;
  /** The line printed without a terminal: the same tokens but `{bar}`, e.g. `'{phase} {value}/{total}'`. */
  line: string;
  stream?: NodeJS.WriteStream;
  /** Without a terminal, a bar prints a changed line at most this often (the last state is always printed). */
  lineIntervalMs?: number;
  now?: () => number;
}

/**
 * A terminal gets cli-progress's redrawn bars. Piped output (CI, a pod's log, `| tee`) gets one line per change
 * instead, at most one per bar per interval, from the first step done: cli-progress's own non-terminal mode reprints every bar on a timer,
 * changed or not, and a stopped display that is stopped again redraws itself over whatever was printed since.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY === true ? terminalProgress(options, stream) : lineProgress(options, stream);
}

function terminalProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const multi = new MultiBar({ clearOnComplete: false, hideCursor: true, format: options.format, stream }, Presets.shades_classic);
  let stopped = false;
  return {
    bar(total, fields = {}) {
      const b: SingleBar = multi.create(total, 0, fields);
      return { update: (value, more) => b.update(value, more ?? {}), setTotal: (t) => b.setTotal(t) };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}

interface LineState {
  value: number;
  total: number;
  fields: Record<string, string>;
  printed: string | undefined;
  printedAt: number;
}

function lineProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const interval = options.lineIntervalMs ?? 2000;
  const now = options.now ?? Date.now;
  const bars: LineState[] = [];
  let stopped = false;
  const print = (s: LineState, force: boolean): void => {
    const text = renderLine(options.line, s);
    if (text === s.printed) return;
    const complete = s.value >= s.total;
    // Nothing done says nothing yet (and printing it would put a later phase's line before an earlier one's).
    if (!force && s.value === 0 && s.printed === undefined) return;
    if (!force && !complete && s.printed !== undefined && now() - s.printedAt < interval) return;
    s.printed = text;
    s.printedAt = now();
    stream.write(`${text}\n`);
  };
  return {
    bar(total, fields = {}) {
      const s: LineState = { value: 0, total, fields: { ...fields }, printed: undefined, printedAt: 0 };
      bars.push(s);
      return {
        update(value, more) {
          s.value = value;
          if (more !== undefined) s.fields = { ...s.fields, ...more };
          if (!stopped) print(s, false);
        },
        setTotal(total) {
          s.total = total;
        },
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const s of bars) print(s, true);
    },
  };
}

/** Fills `{value}`, `{total}`, `{percentage}` and the bar's fields; an unknown token is left as written. */
export function renderLine(format: string, s: { value: number; total: number; fields: Record<string, string> }): string {
  const percentage = s.total > 0 ? Math.floor((100 * Math.min(s.value, s.total)) / s.total) : 0;
  const tokens: Record<string, string> = { ...s.fields, value: String(s.value), total: String(s.total), percentage: String(percentage) };
  return format.replace(/\{(\w+)\}/g, (whole, name: string) => tokens[name] ?? whole).trimEnd();
}

/**
 * Training progress on stderr: one line redrawn in place on a TTY (bar, steps/s, ETA, loss), plain
 * lines every few steps otherwise (logs and CI), so stdout stays free for `--json`.
 */
import type { StepLog } from '../core/experiment/runLog';

export interface ProgressOptions<L extends { step: number } = StepLog> {
  /** the run's total steps */
  total: number;
  /** the step the run starts from (a resumed run's checkpoint) */
  start: number;
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** milliseconds */
  now: () => number;
  /** non-TTY: print every this many steps (default total/20) */
  every?: number;
  /** the line's text for a step (default {@link progressText}, for training steps) */
  describe?: (log: L, total: number, stepsPerSecond: number) => string;
}

export interface Progress<L extends { step: number } = StepLog> {
  update(log: L): void;
  /** a note on its own line (the bar is redrawn on the next update) */
  note(line: string): void;
  done(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The text of an embedding progress line: `step` counts texts. */
export function embedProgressText(log: { step: number }, total: number, textsPerSecond: number): string {
  const eta = textsPerSecond > 0 ? (total - log.step) / textsPerSecond : Number.NaN;
  return `embedding ${log.step.toLocaleString('en')}/${total.toLocaleString('en')} texts  ${textsPerSecond.toFixed(1)} texts/s  ETA ${formatDuration(eta)}`;
}

/** The text of a progress line (without the bar). */
export function progressText(log: StepLog, total: number, stepsPerSecond: number): string {
  const eta = stepsPerSecond > 0 ? (total - log.step) / stepsPerSecond : Number.NaN;
  const parts = [`step ${log.step}/${total}`, `${stepsPerSecond.toFixed(2)} steps/s`, `ETA ${formatDuration(eta)}`, `loss ${log.loss.toFixed(4)}`, `lr ${log.lr.toExponential(2)}`, log.batch.kind];
  if (log.disc_acc !== null && log.disc_chance !== null) parts.push(`disc acc ${log.disc_acc.toFixed(2)} (chance ${log.disc_chance.toFixed(2)}) λ ${(log.lambda ?? 0).toFixed(3)}`);
  if (log.grad_ratio !== undefined) parts.push(`‖g_adv‖/‖g_ret‖ ${log.grad_ratio === null ? '—' : log.grad_ratio.toPrecision(3)}`);
  return parts.join('  ');
}

export function createProgress<L extends { step: number } = StepLog>(o: ProgressOptions<L>): Progress<L> {
  const describe = o.describe ?? (progressText as unknown as (log: L, total: number, stepsPerSecond: number) => string);
  const tty = Boolean(o.stream.isTTY);
  const every = o.every ?? Math.max(1, Math.round(o.total / 20));
  const t0 = o.now();
  let drawn = false;
  // the last step reported: steps may advance by more than one (texts embedded per batch), so a plain
  // line is due whenever a multiple of `every` was crossed, not only when hit
  let last = o.start;
  return {
    update(log) {
      const elapsed = (o.now() - t0) / 1000;
      const rate = elapsed > 0 ? (log.step - o.start) / elapsed : 0;
      const text = describe(log, o.total, rate);
      if (tty) {
        const width = 20;
        const filled = Math.round((width * log.step) / o.total);
        const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
        o.stream.write(`\r\x1b[K${line.slice(0, Math.max(20, (o.stream.columns ?? 120) - 1))}`);
        drawn = true;
      } else if (Math.floor(log.step / every) > Math.floor(last / every) || log.step === o.total || (last === o.start && log.step > o.start)) {
        o.stream.write(`${text}\n`);
      }
      last = log.step;
    },
    note(line) {
      if (tty && drawn) o.stream.write('\r\x1b[K');
      o.stream.write(`${line}\n`);
      drawn = false;
    },
    done() {
      if (tty && drawn) o.stream.write('\n');
      drawn = false;
    },
  };
}

/** A cli-progress bar for one epoch of mini-batches; silent when stdout is not a terminal or quiet. */
import cliProgress from 'cli-progress';

export interface EpochBar {
  tick(values: Record<string, string>): void;
  stop(): void;
}

export function epochBar(label: string, total: number, quiet = false): EpochBar {
  if (quiet || !process.stderr.isTTY) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} | {metrics} | {duration}s`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { metrics: '' });
  return {
    tick: (values) =>
      bar.increment(1, {
        metrics: Object.entries(values)
          .map(([k, v]) => `${k} ${v}`)
          .join(' '),
      }),
    stop: () => bar.stop(),
  };
}

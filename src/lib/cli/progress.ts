/**
 * A cli-progress bar for one epoch of mini-batches; silent when the stream (stderr) is not a terminal or quiet.
 *
 * It leaves the terminal's state alone: the cursor stays visible (hideCursor: false) and line wrapping on
 * (linewrap: true: cli-progress cuts the line to the terminal's width itself). By default cli-progress hides the
 * cursor and turns wrapping off until stop(), and Ctrl-C in the middle of an epoch never reaches stop(): under
 * tsx no handler can be relied on to undo it either, since tsx SIGKILLs a child whose event loop does not answer
 * a relayed signal within 60 ms — and a training step holds the loop longer than that. Nothing changed, nothing
 * to restore, on any exit.
 */
import cliProgress from 'cli-progress';

export interface EpochBar {
  tick(values: Record<string, string>): void;
  stop(): void;
}

export function epochBar(label: string, total: number, quiet = false, stream: NodeJS.WriteStream = process.stderr): EpochBar {
  if (quiet || !stream.isTTY) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} | {metrics} | {duration}s`, stream, hideCursor: false, linewrap: true },
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

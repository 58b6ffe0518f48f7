/**
 * Prints the one backend line at the start of every test session.
 * tsx's loader, not Vite's module runner: the runner would transform all of tfjs here (~20 s of CPU).
 */
import { tsImport } from 'tsx/esm/api';

export default async function setup(): Promise<void> {
  const { backendLine } = (await tsImport('../src/lib/tf.ts', import.meta.url)) as typeof import('../src/lib/tf.js');
  console.log(backendLine());
}

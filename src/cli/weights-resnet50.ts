/**
 * Gets the official Keras ImageNet ResNet50 "notop" weights and converts them into a tfjs model directory.
 *
 *   npx tsx src/cli/weights-resnet50.ts                  download (~90 MiB), verify MD5, convert
 *   npx tsx src/cli/weights-resnet50.ts --from x.h5      convert a file you already have (offline)
 *   options: --out DIR (default models/resnet50-imagenet), --cache DIR (default .cache/keras),
 *            --timeout SECONDS (connect timeout, default 15), --backend NAME (see src/lib/tf.ts)
 *
 * The MD5 is the one keras/applications/resnet.py pins (WEIGHTS_HASHES['resnet50'][1]).
 * Exit codes: 0 done; 1 download/checksum/conversion failed; 2 usage errors.
 * The output directory holds model.json + weights.bin (~90 MiB): don't commit it.
 */
import './backend-flag.js'; // first: rejects a bad --backend / KATA_BACKEND before src/lib/tf.ts loads
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { downloadVerified, md5File } from '../lib/models/download.js';
import { exitOnUsageError, parseArgs } from './usage.js';
import { weightsProgram } from './programs/tools.js';

export const RESNET50_NOTOP_URL =
  'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5';
export const RESNET50_NOTOP_MD5 = '4d473c1dd8becc155b73f8504c6f6626';

const log = (line: string): void => void process.stderr.write(line + '\n');

interface Options {
  from?: string;
  out: string;
  cache: string;
  timeout: number;
}

async function convert(h5: string, out: string, md5: string): Promise<void> {
  // Imported here so that an offline failure doesn't wait for the backend to start.
  const { backendLine } = await import('../lib/tf.js');
  const { buildResNet50 } = await import('../lib/models/resnet50.js');
  const { loadKerasH5Weights } = await import('../lib/models/keras-h5.js');
  const { saveModel } = await import('../lib/models/io.js');
  log(backendLine());
  const model = buildResNet50({ inputShape: [224, 224, 3], includeTop: false, pooling: 'avg' });
  const report = await loadKerasH5Weights(model, h5);
  log(`loaded ${report.loaded.length} layers from ${h5}` + (report.unused.length ? `; not in the notop model: ${report.unused.join(', ')}` : ''));
  await saveModel(model, out);
  await writeFile(
    path.join(out, 'SOURCE.txt'),
    `Keras applications ResNet50 topology, include_top=False, pooling='avg' (features [B, 2048]).\n` +
      `Converted from ${path.basename(h5)} (md5 ${md5}: ` +
      `${md5 === RESNET50_NOTOP_MD5 ? 'the official Keras ImageNet notop file' : 'NOT the official Keras ImageNet notop file'}) ` +
      `by src/cli/weights-resnet50.ts on ${new Date().toISOString()}.\n` +
      `Preprocess: RGB 0..255 → BGR minus [103.939, 116.779, 123.68] (caffePreprocess). Don't commit this directory.\n`,
  );
  model.dispose();
  log(`wrote ${path.join(out, 'model.json')} + weights.bin`);
}

async function main(argv: string[]): Promise<number> {
  const o = exitOnUsageError('weights-resnet50', () => parseArgs<Options>(weightsProgram(), argv));
  const timeout = o.timeout;
  let h5: string;
  let md5: string;
  if (o.from !== undefined) {
    h5 = path.resolve(o.from); // existingFile checked it
    md5 = await md5File(h5);
    if (md5 === RESNET50_NOTOP_MD5) log(`${h5}: md5 ${md5} — the official Keras notop file`);
    else log(`warning: ${h5}: md5 ${md5}, the official notop file has ${RESNET50_NOTOP_MD5}; converting anyway (layer names and shapes are checked)`);
  } else {
    h5 = path.join(o.cache, path.basename(new URL(RESNET50_NOTOP_URL).pathname));
    md5 = RESNET50_NOTOP_MD5;
    if (existsSync(h5) && (await md5File(h5)) === md5) {
      log(`using the cached ${h5} (md5 verified)`);
    } else {
      log(`downloading ${RESNET50_NOTOP_URL}`);
      try {
        await downloadVerified(RESNET50_NOTOP_URL, h5, md5, { connectTimeoutMs: timeout * 1000, log });
      } catch (e) {
        log(`error: ${(e as Error).message}`);
        log(`offline? Download the file elsewhere (curl -LO ${RESNET50_NOTOP_URL}), copy it here and run:`);
        log(`  npx tsx src/cli/weights-resnet50.ts --from resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`);
        return 1;
      }
      log(`md5 ${md5} verified`);
    }
  }
  try {
    await convert(h5, path.resolve(o.out), md5);
  } catch (e) {
    log(`error: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv);

/**
 * Forward cost of a layers model per example: multiply-accumulates of Conv2D and Dense layers
 * (FLOPs = 2 x MACs). BatchNorm, ReLU, add and pooling are element-wise and not counted (a few % here).
 */
import { tf } from '../tf.js';

export interface LayerCost {
  layer: string;
  macs: number;
}
export interface ModelCost {
  macs: number;
  flops: number;
  layers: LayerCost[];
}

function outputShape(layer: tf.layers.Layer): number[] {
  const s = layer.outputShape;
  if (!Array.isArray(s) || Array.isArray(s[0])) throw new Error(`countFlops: layer ${layer.name}: expected one output, got ${JSON.stringify(s)}`);
  return (s as (number | null)[]).slice(1).map((d) => {
    if (d === null) throw new Error(`countFlops: layer ${layer.name}: expected a fixed output shape, got ${JSON.stringify(s)}`);
    return d;
  });
}

export function countFlops(model: tf.LayersModel): ModelCost {
  const layers: LayerCost[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const kernel = layer.weights.find((w) => w.originalName.endsWith('/kernel'));
    if (!kernel) continue;
    if (cls === 'Conv2D') {
      const [h, w] = outputShape(layer) as [number, number];
      const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
      layers.push({ layer: layer.name, macs: h * w * kh * kw * cin * cout });
    } else if (cls === 'Dense') {
      const [cin, cout] = kernel.shape as [number, number];
      layers.push({ layer: layer.name, macs: cin * cout });
    } else {
      throw new Error(`countFlops: layer ${layer.name}: expected Conv2D or Dense for a layer with a kernel, got ${cls}`);
    }
  }
  const macs = layers.reduce((a, l) => a + l.macs, 0);
  return { macs, flops: 2 * macs, layers };
}

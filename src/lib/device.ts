/**
 * The facts about the device, as the runtime reports them — the plumbing for kata 01's checkDevice.
 * tfjs never raises when it falls back: tfjs-node-gpu without CUDA 11.2 + cuDNN 8.1 runs on the CPU,
 * a browser without a usable GPU renders WebGL/WebGPU in software (SwiftShader, llvmpipe), and a
 * backend set later with tf.setBackend quietly replaces the one chosen at start. These facts are what
 * a check can hold a request against.
 */
import { backend, tf } from './tf.js';

export interface DeviceFacts {
  /** The backend tensors run on NOW: tf.getBackend() — 'wasm', 'cpu', 'tensorflow', 'webgl', 'webgpu'. */
  backend: string;
  /**
   * What that backend reports behind it: tfjs-node's "GPU: <name>" or "native CPU: …", the WebGL
   * renderer or WebGPU adapter ("adapter: ANGLE (…)"), wasm's "SIMD, 2 threads: …"; '' when the
   * backend in use is not the one chosen at start (nobody asked it).
   */
  detail: string;
}

/** The facts of this process (Node) or page (browser). */
export function deviceFacts(): DeviceFacts {
  const now = tf.getBackend();
  return { backend: now, detail: now === backend.name ? backend.detail : '' };
}

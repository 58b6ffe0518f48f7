/** The kata suite's setup file (vitest.config.ts): fast tests first, slow ones only when the fast ones pass (./tiers.ts). */
import { installTiers } from './tiers.js';

installTiers();

import type { AnyPrompt } from '../src/registry/prompt.js';
import { designSensorFleet } from './design-sensor-fleet.js';
import { fitAndSampleModel, synthesizeLikeRealData } from './workflows.js';

/** Every prompt tsiot offers over MCP. */
export const prompts: AnyPrompt[] = [designSensorFleet, synthesizeLikeRealData, fitAndSampleModel];

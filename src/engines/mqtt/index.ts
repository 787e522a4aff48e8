export { fleetMessages, parseTopicTemplate, type FleetMessage, type PayloadFormat } from './messages.js';
export { publishFleet, type PublishOptions, type PublishResult } from './publish.js';

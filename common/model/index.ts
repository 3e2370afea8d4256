export * from './types.js';
export { applyEvents, createModel } from './reducer.js';
export { reconcile, type PbxSnapshot } from './reconcile.js';
export { callReport, formatDuration, type CallReport, type CallStatus } from './report.js';
export { serializeModel, hydrateModel } from './serialize.js';
export { describeParty } from './views.js';
export { timelineLabel } from './labels.js';

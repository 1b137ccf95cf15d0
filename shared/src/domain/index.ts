export * from './placement.js';
export * from './cyclic.js';
export * from './bms.js';
export * from './impact.js';
export * from './capacity.js';
export * from './cost.js';
export * from './rng.js';
export * from './validate.js';

// Availability of the services under the chaos suite's faults (docs/correctness.md, "Availability").
export * from './targets.js';
export * from './classify.js';
export * from './majority.js';
export * from './availability.js';
export * from './format.js';
export * from './charts.js';
export * from './artefacts.js';

// Seeded randomness for simulations, randomized tests and fault schedules.
export * from './prng.js';

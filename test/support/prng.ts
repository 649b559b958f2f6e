// The seeded PRNG lives in libs/prng (the simulators in libs/ use it too); tests import it from here.
export { Prng } from '../../libs/prng/src/index.js';

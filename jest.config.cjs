// Two projects: unit tests sit beside the code (*.spec.ts); integration suites
// in test/ start real processes and need the build output (npm test builds first).
// See test/support/jest-transform.cjs for why jest runs everything as CommonJS.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

// A wildcard alias (`@dss/client/*`) is written with the '.js' of the file it
// names, as ESM wants; jest resolves the .ts beside it, as for relative imports.
const aliases = Object.fromEntries(
  Object.entries(pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' })).map(([pattern, target]) => [
    pattern.replace(/\/\(\.\*\)\$$/, '/(.*?)(?:\\.js)?$'),
    target,
  ]),
);

const common = {
  testEnvironment: 'node',
  transform: { '\\.(ts|js)$': '<rootDir>/test/support/jest-transform.cjs' },
  // Only ESM-only packages need compiling; everything else in node_modules is CommonJS already.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    ...aliases,
    // ESM sources import './x.js'; jest resolves the .ts beside it.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'] },
  ],
};

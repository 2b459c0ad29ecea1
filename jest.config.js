// `npm test` starts jest with two Node flags (package.json), which its workers inherit:
// --experimental-async-context-frame: AsyncLocalStorage without promise hooks (Node 24's default). The Pulumi
//   SDK keeps its state in one, and every promise of a program run paid for the hooks: 10% of the mock suites.
// --disable-warning=ExperimentalWarning: that flag's warning, and test/run-script.ts's use of Node's ESM loader.
const os = require("os");

/** @type {import("jest").Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  // *.spec.ts are imported by program.test.ts (one module registry for the suites that load the Pulumi SDK).
  testMatch: ["**/*.test.ts"],
  testTimeout: 30000,
  // One worker per core, and at least three. Jest's default is one less than the cores: a single worker on
  // a two-core machine. The script suites mostly wait (back-off timers, fakes): a third worker runs them
  // beside the two longest suites rather than after them (two cores: 16-19 s rather than 20-21 s).
  maxWorkers: Math.max(3, os.availableParallelism()),
  // The two longest suites first, with or without Jest's cache of durations.
  testSequencer: "<rootDir>/test/sequencer.js",
  // Transpile only (swc): test/static-checks.test.ts type-checks everything, beside the other suites.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
};

/** @type {import("jest").Config} The real-engine scenarios: one worker, in order, minutes per step. */
module.exports = {
  rootDir: "..",
  testEnvironment: "node",
  roots: ["<rootDir>/e2e"],
  testMatch: ["<rootDir>/e2e/*.test.ts"],
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
};

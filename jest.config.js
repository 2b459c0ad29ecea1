/** @type {import("jest").Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testTimeout: 30000,
  // Jest's default is one worker less than the cores: a single worker on a two-core CI machine.
  maxWorkers: "100%",
};

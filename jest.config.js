/** @type {import("jest").Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  // Each test file loads the Pulumi program afresh under its own mocks.
  resetModules: true,
  testTimeout: 30000,
};

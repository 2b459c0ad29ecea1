// The suites that run the program under Pulumi's mocks (test/<feature>/*.spec.ts), half of them in one
// jest file: jest gives each file its own module registry, so each file loads the SDK and the program
// once, and identical program runs are shared (test/harness.ts runProgram). One file per suite loaded
// them 15 times and took twice the CPU. The other half is in program-b.test.ts.
import "./bootstrap/bootstrap.spec";
import "./retention/retention.spec";
import "./content/content-job.spec";
import "./policies/policy-pack.spec";
import "./policies/policies.spec";
import "./demo/otel-demo.spec";

// The suites that run the program under Pulumi's mocks (test/<feature>/*.spec.ts), gathered in one jest
// file: jest gives each file its own module registry, so each file loads the SDK and the program once,
// and identical program runs are shared (test/harness.ts runProgram: 77 runs serve them all). One file
// per suite loaded them 15 times; two files loaded them twice and ran the stack files' runs twice.
import "./bootstrap/bootstrap.spec";
import "./retention/retention.spec";
import "./content/content-job.spec";
import "./policies/policy-pack.spec";
import "./policies/policies.spec";
import "./demo/otel-demo.spec";
import "./collectors/multi-cluster.spec";
import "./clickstack/clickstack.spec";
import "./clickstack/network-policies.spec";
import "./collectors/collectors.spec";
import "./clickstack/operator-resources.spec";
import "./config.spec";
import "./high-availability/high-availability.spec";
import "./collectors/ingestion.spec";
import "./common/images.spec";
import "./common/chart-source.spec";

// The suites that load the Pulumi SDK (test/<feature>/*.spec.ts): those that run the program under its
// mocks, and those that check the components' values against real renders. Gathered in one jest file:
// jest gives each file its own module registry, so this one loads the SDK and the program once (about
// 0.6 CPU-s per load), and identical program runs are shared (test/harness.ts runProgram). One file per
// suite loaded them 19 times; two files loaded them twice and ran the stack files' runs twice.
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
import "./collectors/workload-telemetry.spec";
import "./collectors/otelcol-components.spec";
import "./content/content-packs.spec";
import "./high-availability/rendered.spec";
import "./sizing/sizing.spec";

// The other half of the suites that run the program under mocks (see program-a.test.ts).
import "./collectors/multi-cluster.spec";
import "./clickstack/clickstack.spec";
import "./clickstack/network-policies.spec";
import "./collectors/collectors.spec";
import "./clickstack/operator-resources.spec";
import "./config.spec";
import "./collectors/ingestion.spec";
import "./common/images.spec";
import "./common/chart-source.spec";

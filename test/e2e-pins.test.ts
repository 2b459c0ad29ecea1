// The real-engine test's pins (e2e/versions.env) follow the npm pins where the Go module proxy
// serves the same release; where it does not, the nearest served one is pinned and said so there.
import * as fs from "fs";
import * as path from "path";
import { CLICKSTACK_IMAGES, HYPERDX_IMAGE } from "../components/clickstack/clickstack-images";
import { imageRepository } from "../components/common/images";
import { ROOT } from "./root";

const pins = Object.fromEntries(fs.readFileSync(path.join(ROOT, "e2e", "versions.env"), "utf8").split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split("=", 2) as [string, string]));
const npmPins = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;

describe("e2e/versions.env", () => {
    it("builds the Pulumi CLI at the version of @pulumi/pulumi", () => {
        expect(pins.PULUMI_VERSION).toBe(`v${npmPins["@pulumi/pulumi"]}`);
    });

    it("has the stand-in random provider answer as the @pulumi/random pin, marked as a stand-in", () => {
        expect(pins.RANDOM_STANDIN_VERSION).toBe(`${npmPins["@pulumi/random"]}+clickstack.standin`);
    });

    it("pins a Kubernetes provider no newer than @pulumi/kubernetes (4.34.2 is not served; the nearest served is older)", () => {
        const parse = (v: string) => v.split(".").map(Number);
        const [a, b] = parse(pins.KUBERNETES_PROVIDER_VERSION);
        const [x, y] = parse(npmPins["@pulumi/kubernetes"]);
        expect(a === x && b <= y).toBe(true);
        expect(pins.KUBERNETES_PROVIDER_SDK_VERSION).toBe(`v${pins.KUBERNETES_PROVIDER_VERSION}`);
    });

    it("builds HyperDX's API at the version of the HyperDX image the program deploys", () => {
        expect(`${imageRepository(HYPERDX_IMAGE)}:${pins.HYPERDX_VERSION}`).toBe(HYPERDX_IMAGE);
    });

    it("builds the MongoDB operator at the version of the operator image the operators chart runs", () => {
        expect(CLICKSTACK_IMAGES.mongodbOperator).toBe(`${imageRepository(CLICKSTACK_IMAGES.mongodbOperator)}:${pins.MONGODB_OPERATOR_VERSION}`);
    });

    it("keys the toolchain folder by the engine's pins only: ClickStack's servers carry their own stamps", () => {
        // e2e/toolchain.sh: a new server pin must not rebuild the 57-minute toolchain.
        const script = fs.readFileSync(path.join(ROOT, "e2e", "toolchain.sh"), "utf8");
        const keyLine = /^key="\$\(grep[\s\S]*?\)"$/m.exec(script)![0];
        for (const pin of ["HYPERDX_", "FERRETDB_VERSION", "MONGODB_OPERATOR_VERSION", "OTELCOL_VERSION", "RANDOM_STANDIN_VERSION", "GATEWAY_", "CHDB_VERSION"]) expect([pin, keyLine.includes(`'^${pin}`)]).toEqual([pin, true]);
    });

    it("builds the gateway from the HyperDX release of the gateway image the chart runs", () => {
        // The gateway image (clickstack-otel-collector) is built from the same tag as HyperDX's.
        expect(CLICKSTACK_IMAGES.gateway).toBe(`${imageRepository(CLICKSTACK_IMAGES.gateway)}:${pins.HYPERDX_VERSION}`);
        expect(pins.GATEWAY_OTELCOL_CORE_VERSION).toMatch(/^v1\./);
    });

    it("installs the ClickHouse engine at CHDB_VERSION, with every Python package pinned exactly", () => {
        const requirements = fs.readFileSync(path.join(ROOT, "e2e", "clickhouse", "requirements.txt"), "utf8").split("\n")
            .map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
        expect(requirements).toContain(`chdb-core==${pins.CHDB_VERSION}`);
        for (const r of requirements) expect(r).toMatch(/^[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*$/);
    });

    it("pins exact versions only", () => {
        for (const [key, value] of Object.entries(pins)) expect([key, value]).toEqual([key, expect.stringMatching(/^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/)]);
    });
});

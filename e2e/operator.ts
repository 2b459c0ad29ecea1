// The real ClickHouse operator (issue 21), built by e2e/toolchain.sh from its source, run as a local
// process against the kwok cluster: webhooks off (ENABLE_WEBHOOKS=false), its health probe on
// 127.0.0.1, metrics off (the default "0"). It reaches ClickHouse and Keeper pods by cluster DNS names;
// a private mount namespace gives it a resolv.conf that names only 127.0.0.1, so those look-ups are
// refused on loopback instead of going to the machine's resolver, and the steps that need a live
// server fail and retry. Its pid is written to <run dir>/clickhouse-operator.pid: e2e/cluster.sh down
// stops it with the cluster if the test could not.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { KUBECONFIG, RUN_DIR, TOOLCHAIN } from "./harness";

export const OPERATOR_BINARY = path.join(TOOLCHAIN, "bin", "clickhouse-operator");
export const OPERATOR_LOG = path.join(RUN_DIR, "clickhouse-operator.log");
const PID_FILE = path.join(RUN_DIR, "clickhouse-operator.pid");

/** Why the operator cannot run here, or undefined when it can. */
export function operatorUnavailable(chartsKind: string): string | undefined {
    if (!fs.existsSync(OPERATOR_BINARY)) return `no ${OPERATOR_BINARY} (e2e/toolchain.sh builds it when ../shared/sources/clickhouse-operator or E2E_OPERATOR_SOURCE is there)`;
    if (chartsKind !== "real") return "the stand-in charts carry no real ClickHouse CRDs (use the real charts: ../shared/charts or E2E_CHARTS_DIR)";
    return undefined;
}

const freePort = () => new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
    });
});

export interface RunningOperator {
    readonly probe: string;
    stop(): Promise<void>;
}

/** Starts the operator and waits (at most 60 s) until its readiness probe answers 200. */
export async function startOperator(): Promise<RunningOperator> {
    const port = await freePort();
    const resolvConf = path.join(RUN_DIR, "operator-resolv.conf");
    fs.writeFileSync(resolvConf, "nameserver 127.0.0.1\n");
    const log = fs.openSync(OPERATOR_LOG, "a");
    const child: ChildProcess = spawn("unshare", ["--mount", "--", "sh", "-c",
        'mount --bind "$0" /etc/resolv.conf && exec "$1" --health-probe-bind-address "$2" --metrics-bind-address 0',
        resolvConf, OPERATOR_BINARY, `127.0.0.1:${port}`], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: RUN_DIR, KUBECONFIG, ENABLE_WEBHOOKS: "false" },
        stdio: ["ignore", log, log],
    });
    fs.writeFileSync(PID_FILE, String(child.pid));
    let exited: string | undefined;
    child.once("exit", (code, signal) => { exited = `exited (${code ?? signal})`; });
    const probe = `http://127.0.0.1:${port}/readyz`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (exited) throw new Error(`clickhouse-operator ${exited} before it was ready; log: ${OPERATOR_LOG}\n${tail(OPERATOR_LOG)}`);
        const ok = await fetch(probe).then((r) => r.status === 200, () => false);
        if (ok) break;
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`clickhouse-operator not ready within 60 s at ${probe}; log: ${OPERATOR_LOG}\n${tail(OPERATOR_LOG)}`);
        }
        await new Promise((r) => setTimeout(r, 500));
    }
    return {
        probe,
        stop: async () => {
            if (exited) return;
            const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await gone;
            clearTimeout(timer);
            fs.rmSync(PID_FILE, { force: true });
        },
    };
}

export function tail(file: string, lines = 20): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "";
}

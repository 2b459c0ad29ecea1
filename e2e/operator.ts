// The real ClickHouse operator (issue 21), built by e2e/toolchain.sh from its source, run as a local
// process against the kwok cluster: webhooks off (ENABLE_WEBHOOKS=false), its health probe on
// 127.0.0.1, metrics off (the default "0"). It reaches ClickHouse and Keeper pods by cluster DNS names;
// a private mount namespace gives it a resolv.conf that names only 127.0.0.1, so those look-ups are
// refused on loopback instead of going to the machine's resolver, and the steps that need a live
// server fail and retry. Its pid is written to <run dir>/clickhouse-operator.pid: e2e/cluster.sh down
// stops it with the cluster if the test could not.
import * as fs from "fs";
import * as path from "path";
import { KUBECONFIG, RUN_DIR, TOOLCHAIN } from "./harness";
import { freePort, healthy, readLog, startProcess, stopProcess } from "./processes";

export const OPERATOR_BINARY = path.join(TOOLCHAIN, "bin", "clickhouse-operator");
export const OPERATOR_LOG = path.join(RUN_DIR, "clickhouse-operator.log");
const PID_FILE = path.join(RUN_DIR, "clickhouse-operator.pid");

/** Why the operator cannot run here, or undefined when it can. */
export function operatorUnavailable(chartsKind: string): string | undefined {
    if (!fs.existsSync(OPERATOR_BINARY)) return `no ${OPERATOR_BINARY} (e2e/toolchain.sh builds it when ../shared/sources/clickhouse-operator or E2E_OPERATOR_SOURCE is there)`;
    if (chartsKind !== "real") return "the stand-in charts carry no real ClickHouse CRDs (use the real charts: ../shared/charts or E2E_CHARTS_DIR)";
    return undefined;
}

export interface RunningOperator {
    readonly probe: string;
    stop(): Promise<void>;
}

/** Starts the operator and waits (at most 60 s) until its readiness probe answers 200. */
export async function startOperator(): Promise<RunningOperator> {
    const port = await freePort();
    const resolvConf = path.join(RUN_DIR, "operator-resolv.conf");
    fs.writeFileSync(resolvConf, "nameserver 127.0.0.1\n");
    const p = startProcess("unshare", ["--mount", "--", "sh", "-c",
        'mount --bind "$0" /etc/resolv.conf && exec "$1" --health-probe-bind-address "$2" --metrics-bind-address 0',
        resolvConf, OPERATOR_BINARY, `127.0.0.1:${port}`],
    { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: RUN_DIR, KUBECONFIG, ENABLE_WEBHOOKS: "false" }, OPERATOR_LOG);
    fs.writeFileSync(PID_FILE, String(p.child.pid));
    const probe = `http://127.0.0.1:${port}/readyz`;
    try {
        await healthy(p, probe, "clickhouse-operator");
    } catch (err) {
        await stopProcess(p);
        throw err;
    }
    return {
        probe,
        stop: async () => {
            await stopProcess(p);
            fs.rmSync(PID_FILE, { force: true });
        },
    };
}

/** The last lines of the operator's log, for a failure message. */
export const operatorLogTail = (lines = 20) => readLog({ log: OPERATOR_LOG }).trimEnd().split("\n").slice(-lines).join("\n");

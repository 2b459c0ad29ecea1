// Local processes the real-engine scenarios run beside the cluster (the ClickHouse operator, the
// collectors and their stand-ins): a free loopback port, a bounded wait, start and stop with a log file.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";

export const freePort = (host = "127.0.0.1") => new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
    });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every second until it returns a value, or fails after `seconds` with `why()`. */
export async function within<T>(seconds: number, check: () => T | undefined | Promise<T | undefined>, why: () => string): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`not within ${seconds} s: ${why()}`);
        await sleep(1000);
    }
}

export interface LocalProcess { child: ChildProcess; log: string; exited?: string }

export function startProcess(command: string, args: string[], env: Record<string, string>, log: string, cwd?: string): LocalProcess {
    const out = fs.openSync(log, "a");
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", out, out] });
    const p: LocalProcess = { child, log };
    child.once("exit", (code, signal) => { p.exited = `exited (${code ?? signal})`; });
    return p;
}

export async function stopProcess(p: LocalProcess): Promise<void> {
    if (p.exited) return;
    const gone = new Promise<void>((resolve) => p.child.once("exit", () => resolve()));
    p.child.kill("SIGTERM");
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
}

export const readLog = (p: { log: string }) => (fs.existsSync(p.log) ? fs.readFileSync(p.log, "utf8") : "");

/** Waits (at most `seconds`) until `url` answers 200, failing at once with the log if the process exits. */
export async function healthy(p: LocalProcess, url: string, what: string, seconds = 60): Promise<void> {
    await within(seconds, async () => {
        if (p.exited) throw new Error(`${what} ${p.exited}:\n${readLog(p).slice(-3000)}`);
        return (await fetch(url).then((r) => r.status === 200, () => false)) ? true : undefined;
    }, () => `${what} never reported healthy at ${url}:\n${readLog(p).slice(-3000)}`);
}

// Runs one of the Jobs' scripts, configured only by env, and collects its exit code and output, two ways:
// - runNodeScript: as the Job runs it, the file as a program (`node <script>`), in a worker thread (the
//   same script, env, exit code and output as a child process, for a third of its start-up CPU). This
//   proves the entry: process.env read, the exit code set, the lines on stdout and stderr.
// - runScript: the script's exported run(env, out) called in this process: the code the entry runs,
//   without a thread's start (about 110 ms of CPU each). The script suites run it about 60 times, and
//   `npm test` is bound by the CPU of two cores.
import * as fs from "fs";
import { pathToFileURL } from "url";
import * as vm from "vm";
import { Worker } from "worker_threads";

export interface ScriptResult { code: number | null; stdout: string; stderr: string }

const definedOnly = (env: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;

/** Runs `script` as a program with exactly `env` (undefined entries left out) and collects its output. */
export function runNodeScript(script: string, env: Record<string, string | undefined>): Promise<ScriptResult> {
    return new Promise((resolve) => {
        const worker = new Worker(pathToFileURL(script), { env: definedOnly(env), stdout: true, stderr: true });
        let stdout = "";
        let stderr = "";
        worker.stdout.on("data", (d) => { stdout += d; });
        worker.stderr.on("data", (d) => { stderr += d; });
        // An uncaught error: Node prints its stack and exits with 1; a worker hands it over instead.
        worker.on("error", (error) => { stderr += `${error.stack ?? error}\n`; });
        worker.on("exit", (code) => {
            // The streams end after the exit event; wait for both before reporting.
            let open = 2;
            const done = () => { if (--open === 0) resolve({ code, stdout, stderr }); };
            if (worker.stdout.readableEnded) done(); else worker.stdout.once("end", done);
            if (worker.stderr.readableEnded) done(); else worker.stderr.once("end", done);
        });
    });
}

/** What each script exports: the whole Job against `env`, its lines through `out`, resolving to the exit code. */
interface JobScript {
    run(env: Record<string, string>, out: { log(line: string): void; error(line: string): void }): Promise<number>;
}

// Jest's sandbox loads no ES module without --experimental-vm-modules; Node's own loader, reached from the
// main context, does. Each script is loaded once: run() keeps nothing between runs.
let nativeImport: ((specifier: string) => Promise<JobScript>) | undefined;

/** Calls `script`'s run() with exactly `env` (undefined entries left out) and collects its lines as a program prints them. */
export async function runScript(script: string, env: Record<string, string | undefined>): Promise<ScriptResult> {
    nativeImport ??= vm.runInThisContext("(specifier) => import(specifier)", {
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (specifier: string) => Promise<JobScript>;
    const { run } = await nativeImport(pathToFileURL(script).href);
    let stdout = "";
    let stderr = "";
    const code = await run(definedOnly(env), { log: (line) => { stdout += `${line}\n`; }, error: (line) => { stderr += `${line}\n`; } });
    return { code, stdout, stderr };
}

/**
 * The file name under which `script` runs itself (its last lines: run() when process.argv[1] has that
 * name). The Job's command must run it under this name, or the Job would exit 0 having done nothing.
 */
export function entryName(script: string): string {
    const guard = /^if \(\w*\.?basename\(process\.argv\[1\] \?\? ""\) === "([^"]+)"\) \{$/m.exec(fs.readFileSync(script, "utf8"));
    if (!guard) throw new Error(`${script} has no entry guard`);
    return guard[1];
}

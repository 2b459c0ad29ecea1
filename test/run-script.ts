// Runs one of the Jobs' scripts as its Job does: a Node program configured only by env, its exit
// code and its output collected. It runs in a worker thread rather than a child process: the same
// script, env, exit code and output, for a third of the start-up CPU (the script suites start it
// about 70 times, and `npm test` is bound by the CPU of two cores).
import { pathToFileURL } from "url";
import { Worker } from "worker_threads";

export interface ScriptResult { code: number | null; stdout: string; stderr: string }

/** Runs `script` with exactly `env` (undefined entries left out) and collects its output. */
export function runNodeScript(script: string, env: Record<string, string | undefined>): Promise<ScriptResult> {
    return new Promise((resolve) => {
        const worker = new Worker(pathToFileURL(script), {
            env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
            stdout: true,
            stderr: true,
        });
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

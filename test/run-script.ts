// Runs one of the Jobs' scripts as its Job does: a Node child process configured only by env.
import { spawn } from "child_process";

export interface ScriptResult { code: number | null; stdout: string; stderr: string }

/** Runs `script` with exactly `env` (undefined entries left out) and collects its output. */
export function runNodeScript(script: string, env: Record<string, string | undefined>): Promise<ScriptResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script], {
            env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

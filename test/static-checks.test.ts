// The type check and the lint, whole (test/typecheck-and-lint.mjs: what `npm run typecheck` and
// `npm run lint` report), as one suite: jest runs it beside the others instead of before them.
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./root";

// A V8 flag: TurboFan waits for 10,000 calls (the default 3,000) before it optimizes a function. Optimizing
// TypeScript's and ESLint's code in the background cost this 10-second process about 2 CPU-s more than it
// saved (paired runs), time the other jest workers need.
const NODE_FLAGS = ["--invocation-count-for-turbofan=10000"];

it("tsc and eslint find nothing", async () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, path.join(ROOT, "test", "typecheck-and-lint.mjs")]);
    // Below the other workers: the mock suites take longer alone than this on what CPU is left, and
    // `npm test` ends when the last one does.
    os.setPriority(child.pid!, 10);
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    const status = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", resolve);
    });
    expect(output).toBe("");
    expect(status).toBe(0);
}, 120_000);

// The type check and the lint, whole (test/typecheck-and-lint.mjs: what `npm run typecheck` and
// `npm run lint` report), as one suite: jest runs it beside the others instead of before them.
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./root";

// A V8 flag: TurboFan waits for 10,000 calls (the default 3,000) before it optimizes a function. Optimizing
// TypeScript's and ESLint's code in the background cost this 10-second process about 2 CPU-s more than it
// saved (paired runs), time the other jest worker needs.
const NODE_FLAGS = ["--invocation-count-for-turbofan=10000"];

it("tsc and eslint find nothing", () => {
    const run = spawnSync(process.execPath, [...NODE_FLAGS, path.join(ROOT, "test", "typecheck-and-lint.mjs")], { encoding: "utf8" });
    expect(`${run.stdout}${run.stderr}`).toBe("");
    expect(run.status).toBe(0);
}, 120_000);

// The type check and the lint, whole (test/typecheck-and-lint.mjs: what `npm run typecheck` and
// `npm run lint` report), as one suite: jest runs it beside the others instead of before them.
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./root";

it("tsc and eslint find nothing", () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, "test", "typecheck-and-lint.mjs")], { encoding: "utf8" });
    expect(`${run.stdout}${run.stderr}`).toBe("");
    expect(run.status).toBe(0);
}, 120_000);

// The sizing slice of the stack config: how much each workload asks the scheduler for. `small` fits
// a laptop cluster (one node, 4 vCPU and 8 GiB allocatable, the demo included); `standard` is the
// "Monitoring Kubernetes" guide's shape (one node with 32 GiB). `capacity` (components/retention)
// still sizes ClickHouse over either.
import { z } from "zod";
import { slice } from "../common/config-slice";
import { Size, SIZES } from "./sizes";

export interface SizingConfig {
    readonly size: Size;
}

const SIZE_NAMES = Object.keys(SIZES) as [Size, ...Size[]];

export const sizingConfig = slice({
    name: "sizing",
    defaults: { size: "standard" },
    shape: {
        size: z.enum(SIZE_NAMES, { error: `must be one of ${SIZE_NAMES.map((s) => `"${s}" (${SIZES[s].node})`).join(", ")}` }).default("standard"),
    },
    toConfig: (c): SizingConfig => ({ size: c.size }),
});

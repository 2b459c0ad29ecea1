// Kubernetes quantities (k8s.io/apimachinery resource.Quantity's forms): decimal and binary suffixes,
// milli and below, and exponents. Used for storage sizes (the capacity plan) and CPU and memory (what
// the ClickHouse operator makes of our sizing).

const SUFFIX: Record<string, number> = {
    n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("250m", "2", "8Gi", "1e3") in base units (cores, bytes); NaN when it is not one. */
export function parseQuantity(quantity: string): number {
    const m = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(quantity);
    if (!m) return Number.NaN;
    return m[2] ? Number(`${m[1]}${m[2]}`) : Number(m[1]) * SUFFIX[m[3] ?? ""];
}

/** A Kubernetes quantity in GiB. */
export const quantityGi = (quantity: string): number => parseQuantity(quantity) / 2 ** 30;

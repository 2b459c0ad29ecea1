// Kubernetes quantities (components/common/quantity.ts): CPU, memory and storage in their usual forms.
import { parseQuantity, quantityGi } from "../../components/common/quantity";

describe("Kubernetes quantities", () => {
    it("reads CPU and memory in their usual forms", () => {
        expect([parseQuantity("250m"), parseQuantity("2"), parseQuantity("0.5"), parseQuantity("1e3")]).toEqual([0.25, 2, 0.5, 1000]);
        expect([parseQuantity("256Mi"), parseQuantity("1Gi"), parseQuantity("1G"), parseQuantity("8Gi")]).toEqual([256 * 2 ** 20, 2 ** 30, 1e9, 8 * 2 ** 30]);
        expect([parseQuantity("2 cores"), parseQuantity("Gi"), parseQuantity("")].every(Number.isNaN)).toBe(true);
        expect([quantityGi("100Gi"), quantityGi("1Ti"), quantityGi("500G")]).toEqual([100, 1024, 500e9 / 2 ** 30]);
    });
});


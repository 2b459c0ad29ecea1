// The policy pack that `pulumi preview --policy-pack policies` runs. Only this file starts the pack.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./all";

new PolicyPack("clickstack-k8s", { policies });

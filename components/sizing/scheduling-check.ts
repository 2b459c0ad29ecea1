// The scheduling check: a Job that runs beside the charts from the start of `pulumi up` and fails
// within minutes when a pod of the stack stays unschedulable, with the scheduler's reason and what the
// stack asks for (watch-scheduling.mjs). Why a Job: the Kubernetes provider shows the scheduler's
// message only as a passing status line (pulumi-kubernetes provider/pkg/await/checker/pod/check.go,
// podScheduled: logging.StatusMessage) and its Deployment await keeps only warnings and errors for its
// final message ("Minimum number of live Pods was not attained"), after 10 minutes; the program itself
// cannot see nodes or pods before `up` (the provider has no list call); and the scheduler's reason is
// what tells a user which resource is short.
import * as fs from "fs";
import * as path from "path";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pullSecretRefs } from "../common/images";
import { SCRIPT_CONTAINER_SECURITY, SCRIPT_POD_SECURITY, scriptJobAccess, scriptJobMetadata, scriptSha256 } from "../common/script-job";
import { StackRequests } from "./requests";

/** The script the Job runs: standalone Node (no dependencies), tested as a file (test/sizing/scheduling-check-script.test.ts). */
export const SCHEDULING_CHECK_SCRIPT = path.join(__dirname, "watch-scheduling.mjs");
const SCRIPT_DIR = "/opt/scheduling-check";
const SCRIPT_KEY = "watch-scheduling.mjs";

/** How long a pod may stay unschedulable before the check fails: a cluster autoscaler adds a node in one to three minutes. */
export const UNSCHEDULABLE_SECONDS = 180;
/** How long the check watches at most; the Job's deadline and Pulumi's await are a margin above it. */
export const WAIT_SECONDS = 900;
const DEADLINE_MARGIN_SECONDS = 120;

/** The stack's total as one line: what the scheduler must find room for. */
function describeRequests(requests: StackRequests, size: string): string {
    const daemonSets = Object.values(requests.workloads).filter((w) => w.perNode).length;
    return `${requests.total.cpu} vCPU and ${requests.total.memoryGi} GiB of memory in ${requests.total.pods} pods (size ${size}${daemonSets > 0 ? `; ${daemonSets} DaemonSet pod${daemonSets === 1 ? "" : "s"} counted for one node` : ""})`;
}

export interface SchedulingCheckJobInput {
    readonly namespace: string;
    readonly image: string;
    readonly serviceAccountName: string;
    readonly scriptConfigMap: string;
    /** How many lasting pods the stack runs on one node (`requests.total.pods`). */
    readonly expectedPods: number;
    /** describeRequests of the stack. */
    readonly stackRequests: string;
    /** Secrets the pod pulls its image with. @default none */
    readonly imagePullSecrets?: readonly string[];
}

/** The Job's spec. Pure. It runs once: a pod that does not fit does not fit the second time either. */
export function buildSchedulingCheckJobSpec(input: SchedulingCheckJobInput, scriptChecksum: string) {
    return {
        backoffLimit: 0,
        activeDeadlineSeconds: WAIT_SECONDS + DEADLINE_MARGIN_SECONDS,
        template: {
            metadata: { annotations: { "checksum/script": scriptChecksum } },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: input.serviceAccountName,
                ...(input.imagePullSecrets?.length ? { imagePullSecrets: pullSecretRefs(input.imagePullSecrets) } : {}),
                automountServiceAccountToken: true, // the script lists the namespace's pods with this token
                securityContext: SCRIPT_POD_SECURITY,
                containers: [{
                    name: "scheduling-check",
                    image: input.image,
                    command: ["node", `${SCRIPT_DIR}/${SCRIPT_KEY}`],
                    env: [
                        { name: "NAMESPACE", value: input.namespace },
                        { name: "EXPECTED_PODS", value: String(input.expectedPods) },
                        { name: "STACK_REQUESTS", value: input.stackRequests },
                        { name: "UNSCHEDULABLE_SECONDS", value: String(UNSCHEDULABLE_SECONDS) },
                        { name: "WAIT_SECONDS", value: String(WAIT_SECONDS) },
                    ],
                    // Its last lines become the pod's termination message, which the provider's Job await reports.
                    terminationMessagePolicy: "FallbackToLogsOnError",
                    resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "96Mi" } },
                    securityContext: SCRIPT_CONTAINER_SECURITY,
                    volumeMounts: [{ name: "script", mountPath: SCRIPT_DIR, readOnly: true }],
                }],
                volumes: [{ name: "script", configMap: { name: input.scriptConfigMap } }],
            },
        },
    };
}

export interface SchedulingCheckArgs {
    /** The stack's namespace: every pod the check watches is there. */
    readonly namespace: pulumi.Input<string>;
    /** Prefix of the check's objects (`<releaseName>-scheduling-check`). */
    readonly releaseName: string;
    /** Image with Node ≥ 20 that runs the script: the HyperDX image, which the stack pulls anyway. */
    readonly image: string;
    /** What the stack asks the scheduler for (the `requests` output). */
    readonly requests: StackRequests;
    /** The stack's size, named in the message. */
    readonly size: string;
    /** Secrets the Job's pod pulls its image with. @default none */
    readonly imagePullSecrets?: readonly string[];
}

export class SchedulingCheck extends pulumi.ComponentResource {
    public readonly job: kubernetes.batch.v1.Job;

    constructor(name: string, args: SchedulingCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clickstack:sizing:SchedulingCheck", name, {}, opts);
        const objectName = `${args.releaseName}-scheduling-check`;
        const namespace = args.namespace;
        const script = fs.readFileSync(SCHEDULING_CHECK_SCRIPT, "utf8");

        // Read the namespace's pods: nothing else, nowhere else.
        const { configMap: scriptConfigMap, serviceAccount, role, binding } = scriptJobAccess(name, objectName, namespace, { key: SCRIPT_KEY, text: script },
            [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }], this);

        const spec = pulumi.all([namespace, serviceAccount.metadata.name, scriptConfigMap.metadata.name])
            .apply(([ns, serviceAccountName, configMapName]) => buildSchedulingCheckJobSpec({
                namespace: ns,
                image: args.image,
                serviceAccountName,
                scriptConfigMap: configMapName,
                expectedPods: args.requests.total.pods,
                stackRequests: describeRequests(args.requests, args.size),
                imagePullSecrets: args.imagePullSecrets,
            }, scriptSha256(script)));
        // No dependency on the charts: it watches their pods as they come.
        this.job = new kubernetes.batch.v1.Job(`${name}-job`, {
            metadata: scriptJobMetadata(namespace, { "app.kubernetes.io/name": "scheduling-check", "app.kubernetes.io/instance": args.releaseName }),
            spec,
        }, {
            parent: this,
            dependsOn: [role, binding],
            customTimeouts: { create: "20m", update: "20m" },
        });
        this.registerOutputs({ jobName: this.job.metadata.name });
    }
}

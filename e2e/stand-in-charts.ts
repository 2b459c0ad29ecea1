// Small stand-ins for the three charts, written at run time when no real charts are given
// (E2E_CHARTS_DIR). Same names and versions as the pins, and the objects the program's own
// resources and NetworkPolicies refer to: the operators' CRDs (used by the next chart's custom
// resources), the HyperDX app and gateway Deployments and Services with the labels
// `clickstackPods` selects, the Secrets the program's values feed, and cluster-scoped RBAC so a
// destroy has something cluster-wide to remove. They are not the upstream charts: no operator logic,
// no probes, nothing the pods would run.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { HYPERDX_IMAGE } from "../components/clickstack/clickstack-images";
import { CLICKSTACK_CHART, OPERATORS_CHART } from "../components/clickstack/names";
import { parseImage } from "../components/common/images";
import { COLLECTOR_CHART } from "../components/collectors/collectors";

const RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } };

function crd(group: string, version: string, kind: string, plural: string): object {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}` },
        spec: {
            group,
            scope: "Namespaced",
            names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
            versions: [{
                name: version, served: true, storage: true, subresources: { status: {} },
                schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            }],
        },
    };
}

// A Deployment and (optionally) a ClusterIP Service with the given pod labels, in Helm template form.
// `image` and `pullSecrets` are template expressions over the values the real chart reads for them.
interface Workload {
    name: string; labels: string; ports: number[]; image: string;
    /** A list of {name} (most charts), or a single Secret name (mongodb-kubernetes' registry.imagePullSecrets). */
    pullSecrets?: string; pullSecretName?: string;
    containerExtra?: string; podExtra?: string;
}
const workload = (w: Workload) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${w.name}
  labels:
${w.labels.replace(/^/gm, "    ")}
spec:
  replicas: 1
  selector:
    matchLabels:
${w.labels.replace(/^/gm, "      ")}
  template:
    metadata:
      labels:
${w.labels.replace(/^/gm, "        ")}
    spec:
      automountServiceAccountToken: false
${w.pullSecrets ? `      {{- with ${w.pullSecrets} }}
      imagePullSecrets: {{ toJson . }}
      {{- end }}
` : ""}${w.pullSecretName ? `      {{- with ${w.pullSecretName} }}
      imagePullSecrets: [{name: {{ . | quote }}}]
      {{- end }}
` : ""}      containers:
        - name: main
          image: "${w.image}"
          resources: ${JSON.stringify(RESOURCES)}
          securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 65535, capabilities: {drop: [ALL]}}
${w.containerExtra ?? ""}${w.podExtra ?? ""}${w.ports.length === 0 ? "" : `---
apiVersion: v1
kind: Service
metadata:
  name: ${w.name}
spec:
  type: ClusterIP
  selector:
${w.labels.replace(/^/gm, "    ")}
  ports:
${w.ports.map((p) => `    - {name: p${p}, port: ${p}, targetPort: ${p}}`).join("\n")}
`}`;

const clusterRbac = (name: string, namespaced = "{{ .Release.Namespace }}") => `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${name}
rules:
  - apiGroups: [""]
    resources: [pods, namespaces, nodes]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${name}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${name}}
subjects:
  - {kind: ServiceAccount, name: ${name}, namespace: ${namespaced}}
`;

interface ChartFiles { readonly chart: string; readonly version: string; readonly appVersion?: string; readonly files: Record<string, string> }

function operatorsChart(): ChartFiles {
    return {
        chart: OPERATORS_CHART.chart,
        version: OPERATORS_CHART.version,
        files: {
            "crds/crds.yaml": [
                crd("clickhouse.com", "v1alpha1", "ClickHouseCluster", "clickhouseclusters"),
                crd("clickhouse.com", "v1alpha1", "KeeperCluster", "keeperclusters"),
                crd("mongodbcommunity.mongodb.com", "v1", "MongoDBCommunity", "mongodbcommunity"),
            ].map((o) => yaml.dump(o)).join("---\n"),
            // Pod labels as in clickstackPods (components/clickstack/names.ts).
            // The subcharts' image keys: clickhouse-operator-helm manager.image, mongodb-kubernetes registry.operator.
            "values.yaml": yaml.dump({
                "clickhouse-operator": { manager: { image: { repository: "ghcr.io/clickhouse/clickhouse-operator", tag: "v0.0.7" }, imagePullSecrets: [] } },
                "mongodb-operator": { registry: { operator: "quay.io/mongodb", imagePullSecrets: "" } },
            }),
            "templates/clickhouse-operator.yaml": clusterRbac("{{ .Release.Name }}-clickhouse-operator") + "---" + workload({
                name: "{{ .Release.Name }}-clickhouse-operator",
                labels: "app.kubernetes.io/name: clickhouse-operator\napp.kubernetes.io/instance: {{ .Release.Name }}\ncontrol-plane: controller-manager", ports: [],
                image: '{{ index .Values "clickhouse-operator" "manager" "image" "repository" }}:{{ index .Values "clickhouse-operator" "manager" "image" "tag" }}',
                pullSecrets: '(index .Values "clickhouse-operator" "manager" "imagePullSecrets")',
            }),
            "templates/mongodb-operator.yaml": clusterRbac("{{ .Release.Name }}-mongodb-kubernetes-operator") + "---" + workload({
                name: "{{ .Release.Name }}-mongodb-kubernetes-operator",
                labels: "app.kubernetes.io/name: mongodb-kubernetes-operator\napp.kubernetes.io/component: controller", ports: [],
                image: '{{ index .Values "mongodb-operator" "registry" "operator" }}/mongodb-kubernetes:1.7.0',
                pullSecretName: '(index .Values "mongodb-operator" "registry" "imagePullSecrets")',
                // As the real chart: the name reaches the operator's env too (the policy pack sees it).
                containerExtra: `          {{- with (index .Values "mongodb-operator" "registry" "imagePullSecrets") }}
          env: [{name: IMAGE_PULL_SECRETS, value: {{ . | quote }}}]
          {{- end }}
`,
            }),
        },
    };
}

function clickstackChart(): ChartFiles {
    const selector = 'app.kubernetes.io/name: clickstack\napp.kubernetes.io/instance: {{ .Release.Name }}';
    return {
        chart: CLICKSTACK_CHART.chart,
        version: CLICKSTACK_CHART.version,
        appVersion: parseImage(HYPERDX_IMAGE).tag,
        files: {
            // The image keys of clickstack 3.0.2 and its otel-collector subchart, with their defaults.
            "values.yaml": yaml.dump({
                global: { imagePullSecrets: [] },
                hyperdx: { secrets: {}, deployment: { image: { repository: "docker.hyperdx.io/hyperdx/hyperdx", tag: "" }, waitForMongodb: { image: "busybox@sha256:1fcf5df59121b92d61e066df1788e8df0cc35623f5d62d9679a41e163b6a0cdb" } } },
                "otel-collector": { image: { repository: "docker.clickhouse.com/clickhouse/clickstack-otel-collector", tag: "2.30.1" }, imagePullSecrets: [] },
                // The replica counts of clickstack 3.0.2's defaults: the pack's replicated-workloads-guarded
                // takes an absent one as the operator's default of 3.
                mongodb: { enabled: true, spec: { members: 1 } },
                clickhouse: { enabled: true, cluster: { spec: { replicas: 1, shards: 1 } }, keeper: { spec: { replicas: 1 } } },
                additionalManifests: [],
            }),
            // As the real chart's templates/additional-manifests.yaml: highAvailability's MongoDB budget comes this way.
            "templates/additional-manifests.yaml": `{{- range .Values.additionalManifests }}
---
{{ tpl (toYaml .) $ }}
{{- end }}
`,
            "templates/_helpers.tpl": `{{- define "clickstack.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{ else }}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{ end }}
{{- end }}
{{- define "clickstack.mongodb.fullname" -}}{{ include "clickstack.fullname" . }}-mongodb{{- end }}
{{- define "clickstack.mongodb.svc" -}}{{ include "clickstack.mongodb.fullname" . }}-svc.{{ .Release.Namespace }}.svc.cluster.local{{- end }}
`,
            // The chart renders hyperdx.secrets (tpl'd) into clickstack-secret; the app reads it and the
            // program's connections Secret (hyperdx.deployment.existingConfigSecret).
            "templates/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: clickstack-secret
type: Opaque
stringData:
{{- range $k, $v := .Values.hyperdx.secrets }}
{{- if $v }}
  {{ $k }}: {{ tpl (toString $v) $ | quote }}
{{- end }}
{{- end }}
`,
            "templates/hyperdx.yaml": workload({
                name: '{{ include "clickstack.fullname" . }}-app',
                labels: `${selector}\napp: {{ include "clickstack.fullname" . }}`, ports: [3000, 4320],
                image: "{{ .Values.hyperdx.deployment.image.repository }}:{{ .Values.hyperdx.deployment.image.tag | default .Chart.AppVersion }}",
                pullSecrets: ".Values.global.imagePullSecrets",
                containerExtra: `          envFrom: [{secretRef: {name: clickstack-secret}}]
          volumeMounts: [{name: connections, mountPath: /etc/hyperdx, readOnly: true}]
`,
                podExtra: `      initContainers:
        - name: wait-for-mongodb
          image: "{{ .Values.hyperdx.deployment.waitForMongodb.image }}"
          resources: ${JSON.stringify(RESOURCES)}
      volumes:
        - name: connections
          secret: {secretName: {{ .Values.hyperdx.deployment.existingConfigSecret | default "none" }}}
`,
            }),
            "templates/otel-collector.yaml": workload({
                name: "{{ .Release.Name }}-otel-collector",
                labels: "app.kubernetes.io/name: otel-collector\napp.kubernetes.io/instance: {{ .Release.Name }}\ncomponent: standalone-collector", ports: [4317, 4318],
                image: '{{ index .Values "otel-collector" "image" "repository" }}:{{ index .Values "otel-collector" "image" "tag" }}',
                pullSecrets: '(index .Values "otel-collector" "imagePullSecrets")',
            }),
            "templates/custom-resources.yaml": `{{- if .Values.mongodb.enabled }}
apiVersion: mongodbcommunity.mongodb.com/v1
kind: MongoDBCommunity
metadata:
  name: {{ include "clickstack.mongodb.fullname" . }}
spec:
{{ tpl (toYaml .Values.mongodb.spec) . | indent 2 }}
{{- end }}
{{- if .Values.clickhouse.enabled }}
---
apiVersion: clickhouse.com/v1alpha1
kind: KeeperCluster
metadata:
  name: {{ include "clickstack.fullname" . }}-keeper
spec:
{{ toYaml .Values.clickhouse.keeper.spec | indent 2 }}
---
apiVersion: clickhouse.com/v1alpha1
kind: ClickHouseCluster
metadata:
  name: {{ include "clickstack.fullname" . }}-clickhouse
spec:
{{ toYaml .Values.clickhouse.cluster.spec | indent 2 }}
{{- end }}
`,
        },
    };
}

function collectorChart(): ChartFiles {
    const name = '{{ if contains .Chart.Name .Release.Name }}{{ .Release.Name }}{{ else }}{{ .Release.Name }}-{{ .Chart.Name }}{{ end }}';
    const labels = "app.kubernetes.io/name: opentelemetry-collector\n        app.kubernetes.io/instance: {{ .Release.Name }}";
    return {
        chart: COLLECTOR_CHART.chart,
        version: COLLECTOR_CHART.version,
        files: {
            "values.yaml": yaml.dump({ mode: "deployment", image: { repository: "", tag: "" }, imagePullSecrets: [], extraEnvs: [], podAnnotations: {}, resources: {}, config: {} }),
            "templates/rbac.yaml": clusterRbac(name),
            "templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  relay: {{ toYaml .Values.config | quote }}
`,
            "templates/workload.yaml": `apiVersion: apps/v1
kind: {{ if eq .Values.mode "daemonset" }}DaemonSet{{ else }}Deployment{{ end }}
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
        ${labels}
  template:
    metadata:
      labels:
        ${labels}
      annotations: {{ toJson .Values.podAnnotations }}
    spec:
      serviceAccountName: ${name}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets: {{ toJson . }}
      {{- end }}
      containers:
        - name: opentelemetry-collector
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          env: {{ toJson .Values.extraEnvs }}
          resources: {{ toJson .Values.resources }}
          volumeMounts: [{name: config, mountPath: /conf}]
      volumes:
        - name: config
          configMap: {name: ${name}}
`,
        },
    };
}

/**
 * The demo manifest for a run without the real one (E2E_DEMO_MANIFEST): the unit tests' fixture,
 * less every Service that selects no pod of the manifest's Deployments (the fixture keeps
 * jaeger-query without jaeger): the provider waits for a Service's endpoints, which such a Service
 * never gets.
 */
export function writeStandInDemoManifest(fixture: string, dest: string): string {
    type Obj = { kind: string; spec?: { selector?: Record<string, string>; template?: { metadata?: { labels?: Record<string, string> } } } };
    const objects = yaml.loadAll(fs.readFileSync(fixture, "utf8")).filter((o): o is Obj => o !== null && typeof o === "object");
    const podLabels = objects.filter((o) => o.kind === "Deployment").map((d) => d.spec?.template?.metadata?.labels ?? {});
    const selectsAPod = (selector: Record<string, string>) =>
        podLabels.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
    const kept = objects.filter((o) => o.kind !== "Service" || selectsAPod(o.spec?.selector ?? {}));
    fs.writeFileSync(dest, kept.map((o) => yaml.dump(o)).join("---\n"));
    return dest;
}

/** Writes the three stand-in charts as `<dir>/<chart>/` (the layout `chartSource` takes) and returns dir. */
export function writeStandInCharts(dir: string): string {
    for (const c of [operatorsChart(), clickstackChart(), collectorChart()]) {
        const root = path.join(dir, c.chart);
        fs.mkdirSync(root, { recursive: true });
        fs.writeFileSync(path.join(root, "Chart.yaml"),
            yaml.dump({ apiVersion: "v2", name: c.chart, version: c.version, ...(c.appVersion ? { appVersion: c.appVersion } : {}), description: "clickstack-k8s e2e stand-in" }));
        for (const [file, text] of Object.entries(c.files)) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), text);
        }
    }
    return dir;
}

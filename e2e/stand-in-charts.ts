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
import { CLICKSTACK_CHART, OPERATORS_CHART } from "../components/clickstack";
import { COLLECTOR_CHART } from "../components/collectors";

const IMAGE = { repository: "registry.k8s.io/pause", tag: "3.10" };
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
const workload = (name: string, labels: string, ports: number[], extra = "") => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
${labels.replace(/^/gm, "    ")}
spec:
  replicas: 1
  selector:
    matchLabels:
${labels.replace(/^/gm, "      ")}
  template:
    metadata:
      labels:
${labels.replace(/^/gm, "        ")}
    spec:
      automountServiceAccountToken: false
      containers:
        - name: main
          image: ${IMAGE.repository}:${IMAGE.tag}
          resources: ${JSON.stringify(RESOURCES)}
          securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 65535, capabilities: {drop: [ALL]}}
${extra}${ports.length === 0 ? "" : `---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  type: ClusterIP
  selector:
${labels.replace(/^/gm, "    ")}
  ports:
${ports.map((p) => `    - {name: p${p}, port: ${p}, targetPort: ${p}}`).join("\n")}
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

interface ChartFiles { readonly chart: string; readonly version: string; readonly files: Record<string, string> }

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
            // Pod labels as in clickstackPods (components/clickstack.ts).
            "templates/clickhouse-operator.yaml": clusterRbac("{{ .Release.Name }}-clickhouse-operator") + "---" +
                workload("{{ .Release.Name }}-clickhouse-operator",
                    "app.kubernetes.io/name: clickhouse-operator\napp.kubernetes.io/instance: {{ .Release.Name }}\ncontrol-plane: controller-manager", []),
            "templates/mongodb-operator.yaml": clusterRbac("{{ .Release.Name }}-mongodb-kubernetes-operator") + "---" +
                workload("{{ .Release.Name }}-mongodb-kubernetes-operator",
                    "app.kubernetes.io/name: mongodb-kubernetes-operator\napp.kubernetes.io/component: controller", []),
        },
    };
}

function clickstackChart(): ChartFiles {
    const selector = 'app.kubernetes.io/name: clickstack\napp.kubernetes.io/instance: {{ .Release.Name }}';
    return {
        chart: CLICKSTACK_CHART.chart,
        version: CLICKSTACK_CHART.version,
        files: {
            "values.yaml": yaml.dump({ hyperdx: { secrets: {}, deployment: {} }, mongodb: { enabled: true, spec: {} }, clickhouse: { enabled: true, cluster: { spec: {} }, keeper: { spec: {} } } }),
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
            "templates/hyperdx.yaml": workload('{{ include "clickstack.fullname" . }}-app',
                `${selector}\napp: {{ include "clickstack.fullname" . }}`, [3000, 4320],
                `          envFrom: [{secretRef: {name: clickstack-secret}}]
          volumeMounts: [{name: connections, mountPath: /etc/hyperdx, readOnly: true}]
      volumes:
        - name: connections
          secret: {secretName: {{ .Values.hyperdx.deployment.existingConfigSecret | default "none" }}}
`),
            "templates/otel-collector.yaml": workload("{{ .Release.Name }}-otel-collector",
                "app.kubernetes.io/name: otel-collector\napp.kubernetes.io/instance: {{ .Release.Name }}\ncomponent: standalone-collector", [4317, 4318]),
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
            "values.yaml": yaml.dump({ mode: "deployment", image: { repository: "", tag: "" }, extraEnvs: [], podAnnotations: {}, resources: {}, config: {} }),
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
            yaml.dump({ apiVersion: "v2", name: c.chart, version: c.version, description: "clickstack-k8s e2e stand-in" }));
        for (const [file, text] of Object.entries(c.files)) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), text);
        }
    }
    return dir;
}

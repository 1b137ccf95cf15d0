{{- define "lethe.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lethe.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lethe.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "lethe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "lethe.selector" -}}
app.kubernetes.io/name: {{ include "lethe.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lethe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "lethe.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{/* etcd endpoints: the bundled members, or the configured ones. */}}
{{- define "lethe.etcdEndpoints" -}}
{{- if .Values.etcd.bundled -}}
{{- $f := include "lethe.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $out := list -}}
{{- range $i := until (int .Values.etcd.replicas) -}}
{{- $out = append $out (printf "%s-etcd-%d.%s-etcd.%s.svc:2379" $f $i $f $ns) -}}
{{- end -}}
{{- join "," $out -}}
{{- else -}}
{{- required "etcd.endpoints is required when etcd.bundled is false" (join "," .Values.etcd.endpoints) -}}
{{- end -}}
{{- end -}}

{{- define "lethe.natsServers" -}}
{{- if .Values.nats.bundled -}}
{{- printf "%s-nats.%s.svc:4222" (include "lethe.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "nats.servers is required when nats.bundled is false" (join "," .Values.nats.servers) -}}
{{- end -}}
{{- end -}}

{{- define "lethe.coordinatorAddress" -}}
{{- printf "%s-coordinator.%s.svc:%d" (include "lethe.fullname" .) .Release.Namespace (int .Values.coordinator.grpcPort) -}}
{{- end -}}

{{/* A worker pool's Deployment: dict "root" . "pool" "cpu"|"gpu" "spec" <values> */}}
{{- define "lethe.workerDeployment" -}}
{{- $root := .root -}}
{{- $p := .spec -}}
{{- $component := printf "worker-%s" .pool -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "lethe.fullname" $root }}-{{ $component }}
  labels:
    {{- include "lethe.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  {{- if not (and (eq .pool "cpu") (ne $root.Values.workers.autoscaling.mode "none")) }}
  replicas: {{ $p.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "lethe.selector" (dict "root" $root "component" $component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "lethe.selector" (dict "root" $root "component" $component) | nindent 8 }}
        app.kubernetes.io/part-of: lethe-workers
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    spec:
      serviceAccountName: {{ include "lethe.serviceAccountName" $root }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $root.Values.workers.terminationGracePeriodSeconds }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets: {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: worker
          {{- $img := ternary $root.Values.gpuImage $root.Values.image (eq .pool "gpu") }}
          image: "{{ $img.repository }}:{{ $img.tag }}"
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: ["worker", "--coordinator", {{ include "lethe.coordinatorAddress" $root | quote }}, "--id", "$(POD_NAME)", "--slots", {{ $p.slots | quote }}, "--batch-capacity", {{ $p.batchCapacity | quote }}{{ if hasKey $p "frozenCacheMiB" }}, "--frozen-cache-mib", {{ $p.frozenCacheMiB | quote }}{{ end }}]
          envFrom:
            - configMapRef:
                name: {{ include "lethe.fullname" $root }}
          env:
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            - name: LETHE_BACKEND
              value: {{ $p.backend | quote }}
            - name: LETHE_WORKER_METRICS_LISTEN
              value: "0.0.0.0:{{ $root.Values.workers.metricsPort }}"
            {{- include "lethe.tlsEnv" (dict "root" $root "dir" "/etc/lethe/worker-tls") | nindent 12 }}
            {{- if not $root.Values.security.insecure }}
            # A follower names the leader by pod IP; the certificate names the Service: verify against that.
            - name: LETHE_WORKER_TLS_SERVER_NAME
              value: {{ printf "%s-coordinator.%s.svc" (include "lethe.fullname" $root) $root.Release.Namespace | quote }}
            {{- end }}
            {{- include "lethe.backingEnv" (dict "root" $root) | nindent 12 }}
          ports:
            - {name: metrics, containerPort: {{ $root.Values.workers.metricsPort }}}
          readinessProbe:
            httpGet: {path: /healthz, port: metrics}
            periodSeconds: 10
          livenessProbe:
            httpGet: {path: /healthz, port: metrics}
            periodSeconds: 20
            failureThreshold: 6
          resources:
            {{- $res := deepCopy $p.resources }}
            {{- if eq .pool "gpu" }}
            {{- $_ := set $res.limits "nvidia.com/gpu" $p.gpusPerWorker }}
            {{- end }}
            {{- toYaml $res | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            {{- if not $root.Values.security.insecure }}
            - {name: tls, mountPath: /etc/lethe/worker-tls, readOnly: true}
            {{- end }}
            {{- include "lethe.backingMounts" (dict "root" $root) | nindent 12 }}
      volumes:
        - {name: tmp, emptyDir: {}}
        {{- if not $root.Values.security.insecure }}
        - name: tls
          secret: {secretName: {{ include "lethe.workerTlsSecret" $root | quote }}, defaultMode: 256}
        {{- end }}
        {{- include "lethe.backingVolumes" (dict "root" $root) | nindent 8 }}
      {{- with $p.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $p.tolerations }}
      tolerations: {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* The Secret holding the coordinator's TLS certificate (ca.crt, tls.crt, tls.key). */}}
{{- define "lethe.coordinatorTlsSecret" -}}
{{- if .Values.security.tls.coordinatorSecret -}}
{{ .Values.security.tls.coordinatorSecret }}
{{- else if .Values.security.certManager.enabled -}}
{{ include "lethe.fullname" . }}-coordinator-tls
{{- else if not .Values.security.insecure -}}
{{ fail "TLS needs certificates: set security.tls.coordinatorSecret and security.tls.workerSecret, or security.certManager.enabled, or (never on an untrusted network) security.insecure" }}
{{- end -}}
{{- end -}}

{{/* The Secret holding the workers' pool certificate. */}}
{{- define "lethe.workerTlsSecret" -}}
{{- if .Values.security.tls.workerSecret -}}
{{ .Values.security.tls.workerSecret }}
{{- else if .Values.security.certManager.enabled -}}
{{ include "lethe.fullname" . }}-worker-tls
{{- else if not .Values.security.insecure -}}
{{ fail "TLS needs certificates: set security.tls.coordinatorSecret and security.tls.workerSecret, or security.certManager.enabled, or (never on an untrusted network) security.insecure" }}
{{- end -}}
{{- end -}}

{{/* Environment and mounts of TLS: `dir` is where the Secret is mounted. */}}
{{- define "lethe.tlsEnv" -}}
{{- if .root.Values.security.insecure }}
- name: LETHE_INSECURE
  value: "true"
{{- else }}
- {name: LETHE_TLS_CA_FILE, value: {{ printf "%s/ca.crt" .dir | quote }}}
- {name: LETHE_TLS_CERT_FILE, value: {{ printf "%s/tls.crt" .dir | quote }}}
- {name: LETHE_TLS_KEY_FILE, value: {{ printf "%s/tls.key" .dir | quote }}}
{{- end }}
{{- end -}}

{{/* Whether Lethe talks to the bundled etcd/NATS over TLS with its client certificate (secure and bundled). */}}
{{- define "lethe.backingTls" -}}
{{- if and (not .Values.security.insecure) (or .Values.etcd.bundled .Values.nats.bundled .Values.security.tls.backingClientSecret) -}}true{{- end -}}
{{- end -}}

{{/* A Secret of the chart's TLS set: the value given, else cert-manager's, else fail with the reason. */}}
{{- define "lethe.tlsSecret" -}}
{{- $given := index .root.Values.security.tls .key -}}
{{- if $given -}}
{{ $given }}
{{- else if .root.Values.security.certManager.enabled -}}
{{ include "lethe.fullname" .root }}-{{ .suffix }}
{{- else -}}
{{ fail (printf "security.tls.%s is required when security.certManager.enabled is false (or set security.insecure)" .key) }}
{{- end -}}
{{- end -}}

{{/* The Secret holding the bundled NATS's password (key: password). */}}
{{- define "lethe.natsPasswordSecret" -}}
{{- .Values.security.natsPasswordSecret | default (printf "%s-nats-auth" (include "lethe.fullname" .)) -}}
{{- end -}}

{{/* Environment and mounts that connect Lethe to etcd and NATS securely (both pods kinds use it). */}}
{{- define "lethe.backingEnv" -}}
{{- if include "lethe.backingTls" .root }}
- {name: LETHE_ETCD_CA_FILE, value: /etc/lethe/backing-tls/ca.crt}
- {name: LETHE_ETCD_CERT_FILE, value: /etc/lethe/backing-tls/tls.crt}
- {name: LETHE_ETCD_KEY_FILE, value: /etc/lethe/backing-tls/tls.key}
- {name: LETHE_NATS_CA_FILE, value: /etc/lethe/backing-tls/ca.crt}
- {name: LETHE_NATS_CERT_FILE, value: /etc/lethe/backing-tls/tls.crt}
- {name: LETHE_NATS_KEY_FILE, value: /etc/lethe/backing-tls/tls.key}
{{- end }}
{{- if and (not .root.Values.security.insecure) (or .root.Values.nats.bundled .root.Values.security.natsPasswordSecret) }}
- {name: LETHE_NATS_USER, value: lethe}
- {name: LETHE_NATS_PASSWORD_FILE, value: /etc/lethe/nats-auth/password}
{{- end }}
{{- end -}}

{{- define "lethe.backingMounts" -}}
{{- if include "lethe.backingTls" .root }}
- {name: backing-tls, mountPath: /etc/lethe/backing-tls, readOnly: true}
{{- end }}
{{- if and (not .root.Values.security.insecure) (or .root.Values.nats.bundled .root.Values.security.natsPasswordSecret) }}
- {name: nats-auth, mountPath: /etc/lethe/nats-auth, readOnly: true}
{{- end }}
{{- end -}}

{{- define "lethe.backingVolumes" -}}
{{- if include "lethe.backingTls" .root }}
- name: backing-tls
  secret: {secretName: {{ include "lethe.tlsSecret" (dict "root" .root "key" "backingClientSecret" "suffix" "backing-client-tls") | quote }}, defaultMode: 256}
{{- end }}
{{- if and (not .root.Values.security.insecure) (or .root.Values.nats.bundled .root.Values.security.natsPasswordSecret) }}
- name: nats-auth
  secret: {secretName: {{ include "lethe.natsPasswordSecret" .root | quote }}, defaultMode: 256, items: [{key: password, path: password}]}
{{- end }}
{{- end -}}

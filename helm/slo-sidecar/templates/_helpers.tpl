{{/*
Names, labels, and the pieces the Deployment and sidecar mode share: the
rendered configuration, the container and its volumes.
*/}}

{{- define "slo-sidecar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slo-sidecar.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "slo-sidecar.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slo-sidecar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slo-sidecar.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "slo-sidecar.labels" -}}
helm.sh/chart: {{ include "slo-sidecar.chart" . }}
{{ include "slo-sidecar.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slo-sidecar
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "slo-sidecar.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "slo-sidecar.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag, or repository@digest. Argument: an image values block and the root. */}}
{{- define "slo-sidecar.imageRef" -}}
{{- $img := index . 0 -}}
{{- $root := index . 1 -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (toString (default $root.Chart.AppVersion $img.tag)) -}}
{{- end -}}
{{- end -}}

{{/* Where things live in the container. The config path is the image's default. */}}
{{- define "slo-sidecar.configDir" -}}/etc/slo-sidecar{{- end -}}
{{- define "slo-sidecar.secretsDir" -}}/var/run/secrets/slo-sidecar{{- end -}}

{{- define "slo-sidecar.configMapName" -}}
{{- default (include "slo-sidecar.fullname" .) .Values.existingConfigMap -}}
{{- end -}}

{{/*
"true" when the config is a directory: the chart's part plus the team
ConfigMaps (teamConfigMaps, teamConfigMapSelector), merged by the sidecar.
*/}}
{{- define "slo-sidecar.configDirMode" -}}
{{- if or .Values.teamConfigMaps .Values.teamConfigMapSelector -}}true{{- end -}}
{{- end -}}

{{/* --config.file: the directory, or the one file in it. */}}
{{- define "slo-sidecar.configFile" -}}
{{- if include "slo-sidecar.configDirMode" . -}}
{{- include "slo-sidecar.configDir" . -}}
{{- else -}}
{{- include "slo-sidecar.configDir" . -}}/slos.yaml
{{- end -}}
{{- end -}}

{{/* The file the chart's own part of the config is in the directory. */}}
{{- define "slo-sidecar.globalFile" -}}global.yaml{{- end -}}

{{/*
The team ConfigMaps to mount, as JSON {"items": [{name, items?, optional?}]}:
those named in teamConfigMaps (a name, or an object with items/optional),
then those of the release namespace whose labels match
teamConfigMapSelector (Helm's lookup: empty without a live cluster), each
once. Fails when two of them, or one and the chart's global.yaml, would put
a file of the same name in the directory (the kubelet would silently keep
only one); the keys are known where lookup sees the ConfigMaps.
*/}}
{{- define "slo-sidecar.teamSources" -}}
{{- $out := list -}}
{{- $names := list -}}
{{- range .Values.teamConfigMaps -}}
{{- $src := ternary (dict "name" .) . (kindIs "string" .) -}}
{{- if has $src.name $names -}}
{{- fail (printf "teamConfigMaps names ConfigMap %s twice" $src.name) -}}
{{- end -}}
{{- $out = append $out $src -}}
{{- $names = append $names $src.name -}}
{{- end -}}
{{- with .Values.teamConfigMapSelector -}}
{{- $sel := . -}}
{{- $own := include "slo-sidecar.configMapName" $ -}}
{{- $found := lookup "v1" "ConfigMap" $.Release.Namespace "" | default dict -}}
{{- range (get $found "items" | default list) -}}
{{- $labels := .metadata.labels | default dict -}}
{{- $match := true -}}
{{- range $k, $v := $sel -}}
{{- if not (and (hasKey $labels $k) (eq (toString (get $labels $k)) (toString $v))) -}}
{{- $match = false -}}
{{- end -}}
{{- end -}}
{{- if and $match (ne .metadata.name $own) (not (has .metadata.name $names)) -}}
{{- $out = append $out (dict "name" .metadata.name) -}}
{{- $names = append $names .metadata.name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $files := dict (include "slo-sidecar.globalFile" .) (printf "the chart's ConfigMap %s" (include "slo-sidecar.configMapName" .)) -}}
{{- range $out -}}
{{- $paths := list -}}
{{- if .items -}}
{{- range .items -}}{{- $paths = append $paths .path -}}{{- end -}}
{{- else -}}
{{- $cm := lookup "v1" "ConfigMap" $.Release.Namespace .name | default dict -}}
{{- $paths = concat (keys (get $cm "data" | default dict)) (keys (get $cm "binaryData" | default dict)) -}}
{{- end -}}
{{- $src := . -}}
{{- range ($paths | sortAlpha) -}}
{{- if hasKey $files . -}}
{{- fail (printf "ConfigMap %s and %s both give the config directory a file %s, and the kubelet would keep only one: rename a key, or map it to another file with items (teamConfigMaps: [{name: %s, items: [{key: %s, path: OTHER.yaml}]}])" $src.name (get $files .) . $src.name .) -}}
{{- end -}}
{{- $_ := set $files . (printf "ConfigMap %s" $src.name) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "items" $out) -}}
{{- end -}}

{{/* The configuration as the user wrote it (a dict), before the chart's settings. */}}
{{- define "slo-sidecar.userConfig" -}}
{{- if .Values.configYaml -}}
{{- $cfg := fromYaml .Values.configYaml -}}
{{- if hasKey $cfg "Error" -}}
{{- fail (printf "configYaml is not valid YAML: %s" (get $cfg "Error")) -}}
{{- end -}}
{{- toJson $cfg -}}
{{- else -}}
{{- toJson (.Values.config | default dict) -}}
{{- end -}}
{{- end -}}

{{/* promql, remote_read or api_read: the value, else the inline config's, else promql. */}}
{{- define "slo-sidecar.mode" -}}
{{- $mode := .Values.prometheus.mode -}}
{{- if and (not $mode) (not .Values.existingConfigMap) -}}
{{- $cfg := include "slo-sidecar.userConfig" . | fromJson -}}
{{- $mode = dig "global" "prometheus" "mode" "" $cfg -}}
{{- end -}}
{{- $mode = default "promql" $mode -}}
{{- if not (has $mode (list "promql" "remote_read" "api_read")) -}}
{{- fail (printf "prometheus.mode must be promql, remote_read or api_read, got %q" $mode) -}}
{{- end -}}
{{- $mode -}}
{{- end -}}

{{/* The state file path: the inline config's global.state_file, else stateFile.path. */}}
{{- define "slo-sidecar.stateFile" -}}
{{- $path := "" -}}
{{- if not .Values.existingConfigMap -}}
{{- $cfg := include "slo-sidecar.userConfig" . | fromJson -}}
{{- $path = dig "global" "state_file" "" $cfg -}}
{{- end -}}
{{- default .Values.stateFile.path $path -}}
{{- end -}}

{{- define "slo-sidecar.stateEnabled" -}}
{{- if and .Values.stateFile.enabled (has (include "slo-sidecar.mode" .) (list "remote_read" "api_read")) -}}true{{- end -}}
{{- end -}}

{{/*
The final configuration (YAML): the user's, with the URL, mode, credential
and TLS file paths and the state file the chart mounts. Fails on settings
that cannot work together, with a message that says which values to change.
*/}}
{{- define "slo-sidecar.config" -}}
{{- $cfg := include "slo-sidecar.userConfig" . | fromJson -}}
{{- if not (kindIs "map" $cfg) -}}
{{- fail "config must be a map with global and slos" -}}
{{- end -}}
{{- if not (get $cfg "slos") -}}
{{- if not (include "slo-sidecar.configDirMode" .) -}}
{{- fail "config.slos is empty: slo-sidecar needs at least one SLO (or set existingConfigMap, or teamConfigMaps)" -}}
{{- end -}}
{{- /* The team files hold the SLOs: this part is the global one only. */}}
{{- $_ := unset $cfg "slos" -}}
{{- end -}}
{{- $global := get $cfg "global" | default dict -}}
{{- $prom := get $global "prometheus" | default dict -}}
{{- $sidecar := not .Values.deployment.enabled -}}
{{- $url := .Values.prometheus.url | default (get $prom "url") | default (ternary "http://127.0.0.1:9090" "http://prometheus-operated:9090" $sidecar) -}}
{{- $_ := set $prom "url" $url -}}
{{- $_ = set $prom "mode" (include "slo-sidecar.mode" .) -}}
{{- $secrets := include "slo-sidecar.secretsDir" . -}}
{{- $a := .Values.auth -}}
{{- if and $a.bearerToken.existingSecret $a.basicAuth.existingSecret -}}
{{- fail "auth.bearerToken.existingSecret and auth.basicAuth.existingSecret exclude each other: set one" -}}
{{- end -}}
{{- if $a.bearerToken.existingSecret -}}
{{- if hasKey $prom "basic_auth" -}}
{{- fail "auth.bearerToken is set but the config has global.prometheus.basic_auth: remove one" -}}
{{- end -}}
{{- $_ = set $prom "bearer_token_file" (printf "%s/bearer-token/token" $secrets) -}}
{{- end -}}
{{- if $a.basicAuth.existingSecret -}}
{{- if hasKey $prom "bearer_token_file" -}}
{{- fail "auth.basicAuth is set but the config has global.prometheus.bearer_token_file: remove one" -}}
{{- end -}}
{{- if not $a.basicAuth.username -}}
{{- fail "auth.basicAuth.existingSecret needs auth.basicAuth.username" -}}
{{- end -}}
{{- $_ = set $prom "basic_auth" (dict "username" $a.basicAuth.username "password_file" (printf "%s/basic-auth/password" $secrets)) -}}
{{- end -}}
{{- $t := .Values.tls -}}
{{- if or $t.existingSecret $t.insecureSkipVerify -}}
{{- $tls := get $prom "tls" | default dict -}}
{{- if $t.existingSecret -}}
{{- if not (or $t.caKey $t.certKey $t.keyKey) -}}
{{- fail "tls.existingSecret is set but tls.caKey, tls.certKey and tls.keyKey are all empty" -}}
{{- end -}}
{{- if ne (empty $t.certKey) (empty $t.keyKey) -}}
{{- fail "tls.certKey and tls.keyKey go together (a client certificate needs its key)" -}}
{{- end -}}
{{- if $t.caKey -}}{{- $_ = set $tls "ca_file" (printf "%s/tls/ca.crt" $secrets) -}}{{- end -}}
{{- if $t.certKey -}}{{- $_ = set $tls "cert_file" (printf "%s/tls/tls.crt" $secrets) -}}{{- end -}}
{{- if $t.keyKey -}}{{- $_ = set $tls "key_file" (printf "%s/tls/tls.key" $secrets) -}}{{- end -}}
{{- end -}}
{{- if $t.insecureSkipVerify -}}{{- $_ = set $tls "insecure_skip_verify" true -}}{{- end -}}
{{- $_ = set $prom "tls" $tls -}}
{{- end -}}
{{- $_ = set $global "prometheus" $prom -}}
{{- if include "slo-sidecar.stateEnabled" . -}}
{{- $_ = set $global "state_file" (include "slo-sidecar.stateFile" .) -}}
{{- end -}}
{{- $_ = set $cfg "global" $global -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
The slo-sidecar container. Argument: dict "root" $ "sidecar" bool. In
sidecar mode (inside the Prometheus pod) it has no readiness probe, so a
failing SLO backend never takes Prometheus out of its Service.
*/}}
{{- define "slo-sidecar.container" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
name: slo-sidecar
image: {{ include "slo-sidecar.imageRef" (list $v.image $root) | quote }}
imagePullPolicy: {{ $v.image.pullPolicy }}
args:
  - --config.file={{ include "slo-sidecar.configFile" $root }}
  - --web.listen-address=:{{ $v.containerPort }}
  - --log.level={{ $v.log.level }}
  - --log.format={{ $v.log.format }}
  {{- if and $v.sharding.enabled (not .sidecar) }}
  {{- /* The ordinal comes from HOSTNAME (the StatefulSet pod's name, NAME-I). */}}
  - --shard=auto/{{ $v.sharding.shards }}
  {{- end }}
  {{- range $v.extraArgs }}
  - {{ . | quote }}
  {{- end }}
{{- with $v.extraEnv }}
env:
  {{- toYaml . | nindent 2 }}
{{- end }}
ports:
  - name: slo-http
    containerPort: {{ $v.containerPort }}
    protocol: TCP
{{- with $v.livenessProbe }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if not .sidecar }}
{{- with $v.readinessProbe }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- with $v.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.securityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumeMounts:
  - name: slo-sidecar-config
    mountPath: {{ include "slo-sidecar.configDir" $root }}
    readOnly: true
  {{- if $v.auth.bearerToken.existingSecret }}
  - name: slo-sidecar-bearer-token
    mountPath: {{ include "slo-sidecar.secretsDir" $root }}/bearer-token
    readOnly: true
  {{- end }}
  {{- if $v.auth.basicAuth.existingSecret }}
  - name: slo-sidecar-basic-auth
    mountPath: {{ include "slo-sidecar.secretsDir" $root }}/basic-auth
    readOnly: true
  {{- end }}
  {{- if $v.tls.existingSecret }}
  - name: slo-sidecar-tls
    mountPath: {{ include "slo-sidecar.secretsDir" $root }}/tls
    readOnly: true
  {{- end }}
  {{- if include "slo-sidecar.stateEnabled" $root }}
  - name: slo-sidecar-state
    mountPath: {{ dir (include "slo-sidecar.stateFile" $root) }}
  {{- end }}
  {{- with $v.extraVolumeMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/*
The pod's volumes for the container above. Secrets are mounted as whole
directories (no subPath), so the kubelet's updates reach the files the
sidecar re-reads on every request. Argument: the root context.
*/}}
{{- define "slo-sidecar.volumes" -}}
{{- $key := ternary .Values.existingConfigMapKey "slos.yaml" (not (empty .Values.existingConfigMap)) -}}
- name: slo-sidecar-config
{{- if include "slo-sidecar.configDirMode" . }}
  {{- /* One directory: the chart's part as global.yaml, then every team file. */}}
  projected:
    sources:
      - configMap:
          name: {{ include "slo-sidecar.configMapName" . }}
          items:
            - key: {{ $key }}
              path: {{ include "slo-sidecar.globalFile" . }}
      {{- range (include "slo-sidecar.teamSources" . | fromJson).items }}
      - configMap:
          name: {{ .name }}
          {{- with .items }}
          items:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if .optional }}
          optional: true
          {{- end }}
      {{- end }}
{{- else }}
  configMap:
    name: {{ include "slo-sidecar.configMapName" . }}
    items:
      - key: {{ $key }}
        path: slos.yaml
{{- end }}
{{- if .Values.auth.bearerToken.existingSecret }}
- name: slo-sidecar-bearer-token
  secret:
    secretName: {{ .Values.auth.bearerToken.existingSecret }}
    defaultMode: 288 # 0440
    items:
      - key: {{ .Values.auth.bearerToken.key }}
        path: token
{{- end }}
{{- if .Values.auth.basicAuth.existingSecret }}
- name: slo-sidecar-basic-auth
  secret:
    secretName: {{ .Values.auth.basicAuth.existingSecret }}
    defaultMode: 288 # 0440
    items:
      - key: {{ .Values.auth.basicAuth.passwordKey }}
        path: password
{{- end }}
{{- with .Values.tls }}
{{- if .existingSecret }}
- name: slo-sidecar-tls
  secret:
    secretName: {{ .existingSecret }}
    defaultMode: 288 # 0440
    items:
      {{- if .caKey }}
      - key: {{ .caKey }}
        path: ca.crt
      {{- end }}
      {{- if .certKey }}
      - key: {{ .certKey }}
        path: tls.crt
      {{- end }}
      {{- if .keyKey }}
      - key: {{ .keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- end }}
{{- if include "slo-sidecar.stateEnabled" . }}
- name: slo-sidecar-state
  {{- if .Values.stateFile.volume }}
  {{- toYaml .Values.stateFile.volume | nindent 2 }}
  {{- else }}
  emptyDir:
    sizeLimit: {{ .Values.stateFile.sizeLimit }}
  {{- end }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The config reloader: POSTs /-/reload when the mounted config changes, so the
sidecar applies it without a restart. Argument: the root context.
*/}}
{{- define "slo-sidecar.reloaderContainer" -}}
name: slo-sidecar-reloader
image: {{ include "slo-sidecar.imageRef" (list .Values.configReloader.image .) | quote }}
imagePullPolicy: {{ .Values.configReloader.image.pullPolicy }}
args:
  - --watched-dir={{ include "slo-sidecar.configDir" . }}
  - --reload-url=http://127.0.0.1:{{ .Values.containerPort }}/-/reload
  - --watch-interval={{ .Values.configReloader.watchInterval }}
  - --log-format={{ .Values.log.format }}
{{- with .Values.configReloader.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.securityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumeMounts:
  - name: slo-sidecar-config
    mountPath: {{ include "slo-sidecar.configDir" . }}
    readOnly: true
{{- end -}}

{{/*
Sidecar mode: the label the kube-prometheus-stack values put on the
Prometheus pods (podMetadata), which the chart's Service selects unless
service.selector names others. One value per release and namespace.
*/}}
{{- define "slo-sidecar.sidecarPodLabels" -}}
slo-sidecar/instance: {{ include "slo-sidecar.fullname" . }}
{{- end -}}

{{- define "slo-sidecar.kpsValuesName" -}}
{{- printf "%s-kps-values" (include "slo-sidecar.fullname" . | trunc 52 | trimSuffix "-") -}}
{{- end -}}

{{/*
Sidecar mode: the kube-prometheus-stack values (a YAML file) that run the
slo-sidecar container in its Prometheus pods: the container (reading
http://127.0.0.1:9090 unless prometheus.url says otherwise), the volumes of
its config (the sidecar watches the files and reloads by itself, so no
reloader is needed) and credentials, and the pod label the Service selects.
Its prometheusSpec part is a prometheus-operator Prometheus spec, so it
serves any Prometheus resource as well.
*/}}
{{- define "slo-sidecar.kpsValues" -}}
# kube-prometheus-stack values that run slo-sidecar in its Prometheus pods,
# rendered by the {{ .Chart.Name }} chart {{ .Chart.Version }} for release {{ .Release.Name }} in namespace
# {{ .Release.Namespace }}, whose ConfigMaps the pods mount: kube-prometheus-stack must run
# there too. Helm merges maps but replaces lists: if your own values set
# prometheus.prometheusSpec.containers or volumes, add these entries to yours.
prometheus:
  prometheusSpec:
    podMetadata:
      labels:
        {{- include "slo-sidecar.sidecarPodLabels" . | nindent 8 }}
    containers:
      - {{ include "slo-sidecar.container" (dict "root" . "sidecar" true) | nindent 8 | trim }}
      {{- if .Values.configReloader.enabled }}
      - {{ include "slo-sidecar.reloaderContainer" . | nindent 8 | trim }}
      {{- end }}
    volumes:
      {{- include "slo-sidecar.volumes" . | nindent 6 }}
{{- end -}}

{{/*
The TCP port of an http:// or https:// URL: its own, else 80 or 443.
Argument: the URL.
*/}}
{{- define "slo-sidecar.urlPort" -}}
{{- $u := urlParse . -}}
{{- $m := regexFind ":[0-9]+$" $u.host -}}
{{- if $m -}}
{{- trimPrefix ":" $m -}}
{{- else -}}
{{- ternary "443" "80" (eq $u.scheme "https") -}}
{{- end -}}
{{- end -}}

{{/*
The `helm test` pod's labels: the standard ones, but a name of its own, so
that neither the Service nor the PodDisruptionBudget selects it.
*/}}
{{- define "slo-sidecar.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "slo-sidecar.name" . | trunc 58 | trimSuffix "-" }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

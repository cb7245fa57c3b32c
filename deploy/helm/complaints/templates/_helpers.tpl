{{/* Names and labels shared by every template. */}}
{{- define "complaints.labels" -}}
app.kubernetes.io/part-of: complaints
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "complaints.kafkaBootstrap" -}}
{{- .Values.kafka.bootstrapServers | default (printf "%s-kafka-bootstrap:9092" .Values.kafka.name) -}}
{{- end -}}

{{- define "complaints.postgresHost" -}}
{{- .Values.postgres.host | default (printf "%s-rw" .Values.postgres.name) -}}
{{- end -}}

{{- define "complaints.postgresSecret" -}}
{{- .Values.postgres.existingSecret | default (printf "%s-app" .Values.postgres.name) -}}
{{- end -}}

{{- define "complaints.keyringSecret" -}}
{{- .Values.keyring.secret | default (printf "%s-keyring" .Release.Name) -}}
{{- end -}}

{{/* The keyring's settings, for its holders only (values.yaml `keyring.holders`). */}}
{{- define "complaints.keyringEnv" -}}
- name: KEYRING_STORE
  value: postgres
- name: KEYRING_POSTGRES_HOST
  value: {{ include "complaints.postgresHost" . | quote }}
- name: KEYRING_POSTGRES_DBNAME
  value: {{ .Values.postgres.database | quote }}
- name: KEYRING_POSTGRES_USER
  valueFrom:
    secretKeyRef: {name: {{ include "complaints.postgresSecret" . }}, key: username}
- name: KEYRING_POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ include "complaints.postgresSecret" . }}, key: password}
- name: KEYRING_MASTER_KEY
  valueFrom:
    secretKeyRef: {name: {{ include "complaints.keyringSecret" . }}, key: {{ .Values.keyring.masterKeyKey }}}
- name: KEYRING_PREVIOUS_MASTER_KEYS
  valueFrom:
    secretKeyRef: {name: {{ include "complaints.keyringSecret" . }}, key: {{ .Values.keyring.previousMasterKeysKey }}, optional: true}
{{- end -}}

{{- define "complaints.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/* The settings every process of every service reads: Kafka, production mode, logging. */}}
{{- define "complaints.commonEnv" -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ include "complaints.kafkaBootstrap" . | quote }}
- name: KAFKA_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | quote }}
- name: KAFKA_MIN_INSYNC_REPLICAS
  value: {{ .Values.kafka.minInsyncReplicas | quote }}
- name: KAFKA_OFFICE_TOPIC_RETENTION_HOURS
  value: {{ .Values.kafka.officeTopicRetentionHours | quote }}
- name: COMPLAINTS_EVENT_SIGNING_KEYS_FILE
  value: /run/complaints/event-signing-keys.json
{{- range $name, $value := .Values.env }}
{{- if ne $name "OIDC_ISSUER" }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

// Validates Kubernetes manifests against the real API schemas and prints every YAML document it read as JSON, so the
// C# tests can compare manifests with each other and with the service without a YAML parser of their own.
//
//   node validate.mjs FILE...                       validate each file's documents; print {"files": {FILE: [doc...]}}
//   node validate.mjs prometheus-rule ALERTS OUT    write deploy/k8s's PrometheusRule from deploy/prometheus/alerts.yml
//
// A document with apiVersion and kind is validated with the model of its group and version (kubernetes-models,
// @kubernetes-models/keda, @kubernetes-models/prometheus-operator); kustomize's own file is not an API object.
// Exit code 1 lists every document that failed, or one whose kind no model knows.
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelFor(apiVersion, kind) {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const base = packages[group] ?? "kubernetes-models";
  const module = await import(group === "" ? `${base}/${version}` : `${base}/${group}/${version}`);
  return module[kind];
}

function readDocuments(file) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new Error(`${file}: ${document.errors.map(e => e.message).join("; ")}`);
    }
  }
  return documents.map(d => d.toJS()).filter(d => d !== null);
}

async function validate(files) {
  const result = { files: {} };
  const failures = [];
  for (const file of files) {
    const documents = readDocuments(file);
    result.files[file] = documents;
    for (const document of documents) {
      if (!document.apiVersion || !document.kind || document.apiVersion.startsWith("kustomize.config.k8s.io/")) {
        continue;
      }
      const name = `${file}: ${document.kind} ${document.metadata?.name ?? "(no name)"}`;
      try {
        const Model = await modelFor(document.apiVersion, document.kind);
        if (!Model) {
          failures.push(`${name}: no model for ${document.apiVersion} ${document.kind}`);
          continue;
        }
        new Model(document).validate();
      } catch (e) {
        failures.push(`${name}: ${e.message}`);
      }
    }
  }
  process.stdout.write(JSON.stringify(result));
  if (failures.length > 0) {
    process.stderr.write(failures.join("\n") + "\n");
    process.exit(1);
  }
}

function prometheusRule(alertsFile, outFile) {
  const [alerts] = readDocuments(alertsFile);
  const rule = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "streamheal",
      labels: { "app.kubernetes.io/name": "streamheal", "app.kubernetes.io/component": "alerts" },
    },
    spec: { groups: alerts.groups },
  };
  const header =
    "# Generated from deploy/prometheus/alerts.yml; do not edit. Regenerate with\n" +
    "#   node tests/StreamHeal.IntegrationTests/Packaging/validate/validate.mjs prometheus-rule deploy/prometheus/alerts.yml deploy/k8s/prometheusrule.yaml\n" +
    "# (PackagingTests fails while the two differ.)\n";
  writeFileSync(outFile, header + stringify(rule, { lineWidth: 0 }));
}

const [command, ...rest] = process.argv.slice(2);
if (command === "prometheus-rule") {
  prometheusRule(rest[0], rest[1]);
} else {
  await validate([command, ...rest].filter(Boolean));
}

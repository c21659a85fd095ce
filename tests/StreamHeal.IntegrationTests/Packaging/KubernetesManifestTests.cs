using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamHeal.Host.Commands;
using StreamHeal.Hosting;
using StreamHeal.IntegrationTests.Support;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.IntegrationTests.Packaging;

/// <summary>
/// deploy/k8s: every object validates against its API schema, and the objects agree with each other, with the image
/// and with the service (probe paths and port, the settings it binds, its shutdown bound, the alert rules).
/// </summary>
public sealed class KubernetesManifestTests(KubernetesManifestTests.Manifests manifests) : IClassFixture<KubernetesManifestTests.Manifests>
{
    [Fact]
    public void Every_manifest_validates_against_the_kubernetes_keda_and_prometheus_operator_schemas()
    {
        Assert.True(manifests.Valid, manifests.Errors);
        var kinds = manifests.Objects.Select(static o => (string)o["kind"]!).Order().ToArray();
        Assert.Equal(
            ["ConfigMap", "Deployment", "Namespace", "PodDisruptionBudget", "PrometheusRule", "ScaledObject", "Secret", "Service", "ServiceMonitor", "TriggerAuthentication"],
            kinds);

        // kustomize applies every file but the Secret example, which holds placeholders.
        var listed = manifests.File("kustomization.yaml").Single()!["resources"]!.AsArray().Select(static r => (string)r!).Order();
        var files = Directory.GetFiles(Manifests.Folder, "*.yaml").Select(Path.GetFileName).Except(["kustomization.yaml", "secret.example.yaml"]).Order();
        Assert.Equal(files, listed);
    }

    [Fact]
    public void Probes_and_ports_are_the_services_health_endpoints_and_the_pod_is_locked_down()
    {
        var pod = manifests.Kind("Deployment")["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]!.AsArray().Single()!;
        var port = container["ports"]!.AsArray().Single()!;
        Assert.Equal(new HealthOptions().Port, (int)port["containerPort"]!);
        var portName = (string)port["name"]!;

        Assert.Equal(HealthEndpoint.LivePath, (string)container["livenessProbe"]!["httpGet"]!["path"]!);
        Assert.Equal(HealthEndpoint.ReadyPath, (string)container["readinessProbe"]!["httpGet"]!["path"]!);
        Assert.Equal(HealthEndpoint.LivePath, (string)container["startupProbe"]!["httpGet"]!["path"]!);
        Assert.All(["livenessProbe", "readinessProbe", "startupProbe"], probe => Assert.Equal(portName, (string)container[probe]!["httpGet"]!["port"]!));

        // The Service the ServiceMonitor scrapes is named "streamheal", the job the alert rules select.
        var service = manifests.Kind("Service");
        Assert.Equal("streamheal", (string)service["metadata"]!["name"]!);
        var servicePort = service["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal(portName, (string)servicePort["targetPort"]!);
        var endpoint = manifests.Kind("ServiceMonitor")["spec"]!["endpoints"]!.AsArray().Single()!;
        Assert.Equal((string)servicePort["name"]!, (string)endpoint["port"]!);
        var scrape = manifests.File(Path.Combine("..", "prometheus", "prometheus.yml")).Single()!["scrape_configs"]!.AsArray().Single()!;
        Assert.Equal((string)scrape["metrics_path"]!, (string)endpoint["path"]!);
        Assert.Equal((string)scrape["job_name"]!, (string)service["metadata"]!["name"]!);

        var dockerfile = Dockerfile.Load(RepositoryRoot.Combine("Dockerfile"));
        Assert.Equal(int.Parse(dockerfile.Final("USER"), System.Globalization.CultureInfo.InvariantCulture), (int)pod["securityContext"]!["runAsUser"]!);
        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.Equal("RuntimeDefault", (string)pod["securityContext"]!["seccompProfile"]!["type"]!);
        Assert.True((bool)container["securityContext"]!["readOnlyRootFilesystem"]!);
        Assert.False((bool)container["securityContext"]!["allowPrivilegeEscalation"]!);
        // With a read-only root, the image's volume and /tmp must be mounted.
        var mounts = container["volumeMounts"]!.AsArray().Select(static m => (string)m!["mountPath"]!).ToArray();
        Assert.Contains(dockerfile.FinalExecForm("VOLUME").Single(), mounts);
        Assert.Contains("/tmp", mounts);
    }

    [Fact]
    public void The_configmap_and_the_pods_environment_bind_through_runs_own_configuration_and_validation()
    {
        var deployment = manifests.Kind("Deployment");
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!;
        var args = container["args"]!.AsArray().Select(static a => (string)a!).ToArray();
        Assert.Equal(["run", "--config"], args[..2]);
        var mount = container["volumeMounts"]!.AsArray().Single(static m => (string)m!["name"]! == "config")!;
        var configMap = manifests.Kind("ConfigMap");
        var key = Path.GetFileName(args[2]);
        Assert.Equal((string)mount["mountPath"]!, Path.GetDirectoryName(args[2]));
        Assert.Equal((string)configMap["metadata"]!["name"]!, (string)deployment["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => (string)v!["name"]! == "config")!["configMap"]!["name"]!);

        var file = Path.Combine(Path.GetTempPath(), $"streamheal-configmap-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, (string)configMap["data"]![key]!);
        try
        {
            using var host = RunCommand.BuildHost(new FileInfo(file), new MemoryConfigurationSource { InitialData = PodEnvironment(container) });
            Assert.Empty(StreamHealServices.ValidateConfiguration(host.Services));

            var health = host.Services.GetRequiredService<IOptions<HealthOptions>>().Value;
            Assert.Equal("0.0.0.0", health.BindAddress);
            Assert.Equal((int)container["ports"]![0]!["containerPort"]!, health.Port);
            var kafkaOptions = host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
            Assert.Equal("CHANGE-ME", kafkaOptions.Properties["sasl.username"]);

            // The pod gets SIGTERM, then SIGKILL after the grace period: it must outlast the host's own shutdown bound
            // (drain + revoke drain + the final commit).
            var shutdown = host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
            Assert.True((int)deployment["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]! > shutdown.TotalSeconds, $"terminationGracePeriodSeconds must exceed {shutdown.TotalSeconds} s");

            // KEDA watches the group and topic the service consumes.
            var scaled = manifests.Kind("ScaledObject")["spec"]!;
            var trigger = scaled["triggers"]!.AsArray().Single()!;
            Assert.Equal("kafka", (string)trigger["type"]!);
            Assert.Equal(kafkaOptions.GroupId, (string)trigger["metadata"]!["consumerGroup"]!);
            Assert.Contains((string)trigger["metadata"]!["topic"]!, kafkaOptions.Topics);
            Assert.Equal(kafkaOptions.BootstrapServers, (string)trigger["metadata"]!["bootstrapServers"]!);
            Assert.Equal("false", (string)trigger["metadata"]!["allowIdleConsumers"]!);
            Assert.True(int.Parse((string)trigger["metadata"]!["lagThreshold"]!, System.Globalization.CultureInfo.InvariantCulture) > int.Parse((string)trigger["metadata"]!["activationLagThreshold"]!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal((string)deployment["metadata"]!["name"]!, (string)scaled["scaleTargetRef"]!["name"]!);
            Assert.Equal((string)manifests.Kind("TriggerAuthentication")["metadata"]!["name"]!, (string)trigger["authenticationRef"]!["name"]!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_prometheus_rule_holds_exactly_the_rules_of_alerts_yml()
    {
        var alerts = manifests.File(Path.Combine("..", "prometheus", "alerts.yml")).Single()!["groups"]!;
        var rule = manifests.Kind("PrometheusRule")["spec"]!["groups"]!;
        Assert.True(
            JsonNode.DeepEquals(alerts, rule),
            "deploy/k8s/prometheusrule.yaml differs from deploy/prometheus/alerts.yml; regenerate it: node tests/StreamHeal.IntegrationTests/Packaging/validate/validate.mjs prometheus-rule deploy/prometheus/alerts.yml deploy/k8s/prometheusrule.yaml");
    }

    /// <summary>
    /// The container's environment as <c>run</c> reads it (prefix stripped, <c>__</c> as the section separator), with
    /// the image's ENV under it and Secret references resolved from the Secret example.
    /// </summary>
    private Dictionary<string, string?> PodEnvironment(JsonNode container)
    {
        var secret = manifests.Kind("Secret");
        var variables = new Dictionary<string, string>(Dockerfile.Load(RepositoryRoot.Combine("Dockerfile")).FinalEnvironment(), StringComparer.Ordinal);
        foreach (var variable in container["env"]?.AsArray() ?? [])
        {
            var reference = variable!["valueFrom"]?["secretKeyRef"];
            if (reference is not null)
            {
                Assert.Equal((string)secret["metadata"]!["name"]!, (string)reference["name"]!);
            }

            variables[(string)variable["name"]!] = reference is null
                ? (string)variable["value"]!
                : (string)secret["stringData"]![(string)reference["key"]!]!;
        }

        return variables
            .Where(static kv => kv.Key.StartsWith(RunCommand.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(static kv => kv.Key[RunCommand.EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), static kv => (string?)kv.Value);
    }

    /// <summary>deploy/k8s and the Prometheus files it mirrors, validated and read once for the class.</summary>
    public sealed class Manifests : IAsyncLifetime
    {
        public static string Folder { get; } = RepositoryRoot.Combine("deploy", "k8s");

        private Dictionary<string, JsonArray> _files = [];

        public bool Valid { get; private set; }

        public string Errors { get; private set; } = "";

        public IEnumerable<JsonNode> Objects =>
            Directory.GetFiles(Folder, "*.yaml").Where(static f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
                .SelectMany(f => _files[f]).Select(static d => d!);

        public JsonArray File(string name) => _files[Path.Combine(Folder, name)];

        public JsonNode Kind(string kind) => Objects.Single(o => (string)o["kind"]! == kind);

        public async Task InitializeAsync()
        {
            string[] files = [.. Directory.GetFiles(Folder, "*.yaml"), Path.Combine(Folder, "..", "prometheus", "prometheus.yml"), Path.Combine(Folder, "..", "prometheus", "alerts.yml")];
            (_files, Valid, Errors) = await YamlValidator.RunAsync(files);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}

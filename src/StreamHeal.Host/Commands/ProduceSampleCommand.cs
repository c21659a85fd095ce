using System.CommandLine;
using System.Globalization;
using StreamHeal.Demo;
using StreamHeal.Kafka;
using StreamHeal.SchemaRegistry;

namespace StreamHeal.Host.Commands;

/// <summary>
/// <c>streamheal produce-sample</c>: the demo's synthetic event mix (several SDK versions, schema hazards, poison at a
/// chosen share, optionally Avro through a Schema Registry) produced to any broker, round-robin over the partitions.
/// </summary>
internal static class ProduceSampleCommand
{
    public static Command Create()
    {
        var config = OperatorSettings.Config();
        var bootstrap = OperatorSettings.BootstrapServers();
        var topic = new Option<string>("--topic") { Description = "The topic to produce to (it must exist).", Required = true };
        var events = new Option<long>("--events") { Description = "How many events.", DefaultValueFactory = static _ => 1_000 };
        var poison = new Option<double>("--poison-percent") { Description = "Share of poison events (invalid JSON/UTF-8, not an object, empty, oversized, too deep), in percent.", DefaultValueFactory = static _ => 0.5 };
        var seed = new Option<int>("--seed") { Description = "Generator seed: the same seed produces the same events.", DefaultValueFactory = static _ => 42 };
        var avro = new Option<bool>("--avro") { Description = "Send events as Avro in the Confluent wire format (a hundredth of them poison Avro); needs --schema-registry." };
        var registry = new Option<string?>("--schema-registry") { Description = "Schema Registry URL where --avro registers its two writer schema versions." };
        var command = new Command("produce-sample", "Produce the demo's synthetic events (with poison and schema hazards) to a topic, to watch StreamHeal work without writing a producer.")
        {
            config, bootstrap, topic, events, poison, seed, avro, registry,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(events) < 1)
            {
                return await OperatorSettings.UsageAsync("--events must be at least 1.");
            }

            if (parse.GetValue(poison) is < 0 or > 100)
            {
                return await OperatorSettings.UsageAsync("--poison-percent must be between 0 and 100.");
            }

            if (parse.GetValue(avro) && string.IsNullOrWhiteSpace(parse.GetValue(registry)))
            {
                return await OperatorSettings.UsageAsync("--avro needs --schema-registry URL.");
            }

            var context = await OperatorSettings.LoadAsync(parse.GetValue(config), parse.GetValue(bootstrap));
            if (context is null)
            {
                return OperatorSettings.UsageError;
            }

            var topicName = parse.GetValue(topic)!;
            TopicWatermarks watermarks;
            try
            {
                watermarks = await TopicWatermarks.QueryAsync(context.Kafka.BootstrapServers, topicName, cancellationToken: ct);
            }
            catch (InvalidOperationException e)
            {
                return await OperatorSettings.UsageAsync($"--topic: {e.Message}");
            }

            var generator = new SyntheticEvents(parse.GetValue(seed), parse.GetValue(poison) / 100, avroShare: parse.GetValue(avro) ? 1 : 0);
            AvroEvents? avroEvents = null;
            if (parse.GetValue(avro))
            {
                using var client = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = parse.GetValue(registry)! });
                avroEvents = await AvroEvents.RegisterAsync(client, ct);
            }

            var producer = new DemoProducer(context.Kafka.BootstrapServers, topicName, watermarks.Partitions.Count, generator, avroEvents);
            var positions = await producer.ProduceAsync(parse.GetValue(events), ct);
            var poisonKinds = Enumerable.Range(0, positions.Length).Select(i => generator.PoisonAt(i)).Where(static k => k != PoisonKind.None)
                .GroupBy(static k => k).OrderBy(static g => g.Key).Select(static g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
            // Oversized poison (70 KiB) reaches the DLQ only where decode.maxPayloadBytes is below that (the default is 1 MiB).
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"produced {producer.Delivered} events to {topicName} ({watermarks.Partitions.Count} partitions), {producer.AvroEvents} as Avro; poison: {(poisonKinds.Any() ? string.Join(", ", poisonKinds) : "none")}"));
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using StreamHeal.Dev.Demo;
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
        var rate = new Option<double?>("--rate") { Description = "Events per second, with --duration, instead of --events at full speed." };
        var duration = new Option<TimeSpan?>("--duration") { Description = "How long to produce at --rate, e.g. 00:01:00 (Ctrl-C stops early)." };
        var registry = new Option<string?>("--schema-registry") { Description = "Schema Registry URL where --avro registers its two writer schema versions." };
        var command = new Command("produce-sample", "Produce the demo's synthetic events (with poison and schema hazards) to a topic, to watch StreamHeal work without writing a producer.")
        {
            config, bootstrap, topic, events, rate, duration, poison, seed, avro, registry,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(events) < 1)
            {
                return await OperatorSettings.UsageAsync("--events must be at least 1.");
            }

            if ((parse.GetValue(rate) is null) != (parse.GetValue(duration) is null))
            {
                return await OperatorSettings.UsageAsync("--rate and --duration go together.");
            }

            if (parse.GetValue(rate) is { } pace && !(pace > 0 && double.IsFinite(pace)) || parse.GetValue(duration) is { } d && d <= TimeSpan.Zero)
            {
                return await OperatorSettings.UsageAsync("--rate and --duration must be more than 0.");
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

            long produced, delivered, avroCount;
            if (parse.GetValue(rate) is { } perSecond)
            {
                var rated = new RatedSampleProducer(context.Connection, topicName, watermarks.Partitions.Count, generator, avroEvents);
                produced = await rated.ProduceAsync(perSecond, parse.GetValue(duration)!.Value, ct);
                (delivered, avroCount) = (rated.Delivered, rated.AvroEvents);
            }
            else
            {
                var producer = new DemoProducer(context.Kafka.BootstrapServers, topicName, watermarks.Partitions.Count, generator, avroEvents);
                produced = (await producer.ProduceAsync(parse.GetValue(events), ct)).LongLength;
                (delivered, avroCount) = (producer.Delivered, producer.AvroEvents);
            }

            var poisonKinds = Enumerable.Range(0, (int)produced).Select(i => generator.PoisonAt(i)).Where(static k => k != PoisonKind.None)
                .GroupBy(static k => k).OrderBy(static g => g.Key).Select(static g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
            // Oversized poison (70 KiB) reaches the DLQ only where decode.maxPayloadBytes is below that (the default is 1 MiB).
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"produced {delivered} events to {topicName} ({watermarks.Partitions.Count} partitions), {avroCount} as Avro; poison: {(poisonKinds.Any() ? string.Join(", ", poisonKinds) : "none")}"));
            return 0;
        });
        return command;
    }
}

using Confluent.Kafka;
using StreamHeal.Kafka;
using Xunit;

namespace StreamHeal.Tests.Kafka;

public sealed class FatalErrorWatchTests
{
    [Fact]
    public void A_send_is_explained_by_its_own_error_until_the_client_reports_a_fatal_one_and_then_by_the_first_fatal_one()
    {
        var watch = new FatalErrorWatch();
        var purged = new Error(ErrorCode.Local_PurgeQueue, "Local: Purged in queue");

        watch.Observe(new Error(ErrorCode.Local_Transport, "broker down"));
        Assert.Null(watch.Error);
        Assert.Same(purged, watch.Explain(purged));

        var refused = new Error(ErrorCode.ClusterAuthorizationFailed, "Failed to acquire idempotence PID", isFatal: true);
        watch.Observe(refused);
        watch.Observe(new Error(ErrorCode.Local_Fatal, "a later one", isFatal: true));
        Assert.Same(refused, watch.Error);
        Assert.Same(refused, watch.Explain(purged));
    }
}

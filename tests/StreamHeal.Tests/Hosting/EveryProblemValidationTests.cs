using StreamHeal.Hosting;
using StreamHeal.Sink.BigQuery;
using Xunit;

namespace StreamHeal.Tests.Hosting;

public sealed class EveryProblemValidationTests
{
    private readonly EveryProblemValidation<BigQuerySinkOptions> _validation = new();

    [Fact]
    public void A_setting_out_of_range_and_a_missing_required_one_are_reported_together()
    {
        var result = _validation.Validate(null, new BigQuerySinkOptions { Dataset = "d", BatchesInFlightPerTable = 0 });

        Assert.True(result.Failed);
        Assert.Equal(
            ["The field BatchesInFlightPerTable must be between 1 and 64.", "sink.bigquery.projectId is required."],
            result.Failures);
    }

    [Fact]
    public void A_problem_of_the_sections_own_rules_is_reported_once()
    {
        var result = _validation.Validate(null, new BigQuerySinkOptions { Dataset = "d" });

        Assert.Equal(["sink.bigquery.projectId is required."], result.Failures);
    }

    [Fact]
    public void Valid_settings_pass()
    {
        Assert.True(_validation.Validate(null, new BigQuerySinkOptions { ProjectId = "p", Dataset = "d", Auth = "none" }).Succeeded);
    }
}

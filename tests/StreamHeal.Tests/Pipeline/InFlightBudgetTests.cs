using Xunit;
using StreamHeal.Flow;

namespace StreamHeal.Tests.Pipeline;

public sealed class InFlightBudgetTests
{
    [Fact]
    public void Full_by_bytes_or_records_and_resumes_below_the_mark()
    {
        var budget = new InFlightBudget(maxBytes: 1_000, maxRecords: 10, resumeBelowPercent: 50);
        for (var i = 0; i < 9; i++)
        {
            budget.Admit(10);
        }

        Assert.False(budget.IsFull);
        budget.Admit(10);
        Assert.True(budget.IsFull);
        for (var i = 0; i < 5; i++)
        {
            budget.Release(10);
        }

        Assert.False(budget.CanResume);
        budget.Release(10);
        Assert.True(budget.CanResume);

        budget.Admit(2_000);
        Assert.True(budget.IsFull);
    }
}

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace StreamHeal.Hosting;

/// <summary>
/// Validates an options section by its attributes and by its own rules (<see cref="IValidatableObject"/>) together.
/// .NET's data-annotation validation runs the own rules only when every attribute passed, so a setting out of range hid
/// a missing required one until the next start: here both are reported at once.
/// </summary>
internal sealed class EveryProblemValidation<T> : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var context = new ValidationContext(options);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, context, results, validateAllProperties: true);
        if (options is IValidatableObject own)
        {
            // Already among the results when the attributes passed; the set keeps each message once.
            results.AddRange(own.Validate(context));
        }

        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            var message = result.ErrorMessage ?? $"{string.Join(", ", result.MemberNames)} is not valid.";
            if (seen.Add(message))
            {
                problems.Add(message);
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

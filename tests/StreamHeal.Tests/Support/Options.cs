using System.ComponentModel.DataAnnotations;

namespace StreamHeal.Tests.Support;

public static class Options
{
    /// <summary>The members that fail DataAnnotations validation, as the host's ValidateDataAnnotations would report them.</summary>
    public static string[] Invalid(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.SelectMany(static r => r.MemberNames).ToArray();
    }
}

using System.Globalization;
using System.Security;
using System.Text;

namespace StreamHeal.Throughput;

/// <summary>One line of a chart: points in data units, x ascending.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// A line chart as a self-contained SVG file: axes with round ticks, one polyline per series, a legend. Hand-rolled so
/// the harness needs no drawing library or native font stack; GitHub and browsers render the file as it is.
/// </summary>
internal static class SvgLineChart
{
    private const int Width = 760;
    private const int Height = 340;
    private const int Left = 70;
    private const int Right = 170;
    private const int Top = 36;
    private const int Bottom = 46;

    // Colour-blind-safe (Okabe–Ito), in the order runs are usually listed.
    private static readonly string[] Palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private const int MarkedPoints = 20;

    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        var points = series.SelectMany(static s => s.Points).ToArray();
        var xMax = NiceCeiling(points.Length == 0 ? 1 : points.Max(static p => p.X));
        var yMax = NiceCeiling(points.Length == 0 ? 1 : points.Max(static p => p.Y));
        const double plotWidth = Width - Left - Right;
        const double plotHeight = Height - Top - Bottom;
        double X(double x) => Left + (x / xMax * plotWidth);
        double Y(double y) => Top + plotHeight - (y / yMax * plotHeight);

        var svg = new StringBuilder();
        svg.Append(Invariant, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" font-family="sans-serif" font-size="12">""").AppendLine();
        svg.Append(Invariant, $"""<rect width="{Width}" height="{Height}" fill="white"/>""").AppendLine();
        svg.Append(Invariant, $"""<text x="{Left}" y="20" font-size="14" font-weight="bold">{Escape(title)}</text>""").AppendLine();
        for (var i = 0; i <= 5; i++)
        {
            var y = yMax * i / 5;
            svg.Append(Invariant, $"""<line x1="{Left}" x2="{Left + plotWidth}" y1="{Y(y):0.#}" y2="{Y(y):0.#}" stroke="#ddd"/>""")
                .Append(Invariant, $"""<text x="{Left - 6}" y="{Y(y) + 4:0.#}" text-anchor="end">{Tick(y)}</text>""").AppendLine();
            var x = xMax * i / 5;
            svg.Append(Invariant, $"""<line x1="{X(x):0.#}" x2="{X(x):0.#}" y1="{Top + plotHeight}" y2="{Top + plotHeight + 4}" stroke="#333"/>""")
                .Append(Invariant, $"""<text x="{X(x):0.#}" y="{Top + plotHeight + 18}" text-anchor="middle">{Tick(x)}</text>""").AppendLine();
        }

        svg.Append(Invariant, $"""<rect x="{Left}" y="{Top}" width="{plotWidth}" height="{plotHeight}" fill="none" stroke="#333"/>""").AppendLine();
        svg.Append(Invariant, $"""<text x="{Left + (plotWidth / 2)}" y="{Height - 8}" text-anchor="middle">{Escape(xLabel)}</text>""").AppendLine();
        svg.Append(Invariant, $"""<text transform="translate(16 {Top + (plotHeight / 2)}) rotate(-90)" text-anchor="middle">{Escape(yLabel)}</text>""").AppendLine();
        for (var s = 0; s < series.Count; s++)
        {
            var colour = Palette[s % Palette.Length];
            svg.Append(Invariant, $"""<polyline fill="none" stroke="{colour}" stroke-width="1.6" points=" """);
            foreach (var (x, y) in series[s].Points)
            {
                svg.Append(Invariant, $"{X(x):0.#},{Y(y):0.#} ");
            }

            svg.AppendLine("\"/>");
            // A series of a few measured points (the latency chart) shows each point; a one-point line would be invisible.
            if (series[s].Points.Count <= MarkedPoints)
            {
                foreach (var (x, y) in series[s].Points)
                {
                    svg.Append(Invariant, $"""<circle cx="{X(x):0.#}" cy="{Y(y):0.#}" r="3.5" fill="{colour}"/>""").AppendLine();
                }
            }

            var legendY = Top + 10 + (s * 20);
            svg.Append(Invariant, $"""<line x1="{Width - Right + 14}" x2="{Width - Right + 34}" y1="{legendY}" y2="{legendY}" stroke="{colour}" stroke-width="3"/>""")
                .Append(Invariant, $"""<text x="{Width - Right + 40}" y="{legendY + 4}">{Escape(series[s].Name)}</text>""").AppendLine();
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 × 10^k at or above <paramref name="value"/>, so the five grid lines fall on round numbers.</summary>
    public static double NiceCeiling(double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in (double[])[1, 2, 2.5, 5, 10])
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Tick(double value) => value switch
    {
        >= 1e6 => (value / 1e6).ToString("0.##", Invariant) + "M",
        >= 1e4 => (value / 1e3).ToString("0.##", Invariant) + "k",
        _ => value.ToString("0.##", Invariant),
    };

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}

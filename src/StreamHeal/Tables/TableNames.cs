namespace StreamHeal.Tables;

/// <summary>One table per topic: the topic name with every character that is not a letter, digit or underscore replaced.</summary>
public static class TableNames
{
    public static string ForTopic(string topic)
    {
        var chars = topic.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        var name = new string(chars);
        return name.Length > 0 && char.IsAsciiDigit(name[0]) ? "_" + name : name;
    }
}

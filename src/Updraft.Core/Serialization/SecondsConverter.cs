using System.Text.Json;
using System.Text.Json.Serialization;

namespace Updraft.Core.Serialization;

/// <summary>Writes time spans as seconds, as Airflow's serialized DAGs do.</summary>
internal sealed class SecondsConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromSeconds(reader.GetDouble());

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value.TotalSeconds);
    }
}

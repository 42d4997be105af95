namespace Updraft.Core.Dags;

/// <summary>JSON Schema types a param may declare.</summary>
public enum ParamType
{
    Any,
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

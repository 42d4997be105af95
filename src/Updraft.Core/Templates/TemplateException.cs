namespace Updraft.Core.Templates;

/// <summary>A template that cannot be rendered: an undefined name, bad syntax, or an unsupported construct.</summary>
public sealed class TemplateException(string message) : Exception(message);

namespace Updraft.Core.Templates;

/// <summary>A name space whose members are looked up on demand, such as <c>var.value</c> or <c>conn</c>.</summary>
public interface ITemplateNamespace
{
    /// <summary>The member's value, or <c>Found = false</c> when it does not exist.</summary>
    ValueTask<(bool Found, object? Value)> GetAsync(string name, CancellationToken cancellationToken);
}

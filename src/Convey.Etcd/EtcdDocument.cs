namespace Convey.Etcd;

/// <summary>One version of the key as read from etcd.</summary>
/// <param name="Revision">The key's modification revision, or for a key that does not exist, the revision at which that was seen.</param>
/// <param name="Value">The value's bytes; null when the key does not exist (deleted).</param>
internal sealed record EtcdDocument(long Revision, byte[]? Value);

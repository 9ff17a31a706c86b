namespace Regsosek.Stores.Storage;

/// <summary>
/// Runs an initialisation once; if it fails, the next caller tries again (a database that was
/// unreachable at first use must not poison the store for the life of the process).
/// </summary>
internal sealed class AsyncOnce(Func<Task> init)
{
    private readonly object _gate = new();
    private Task? _task;

    public Task RunAsync()
    {
        lock (_gate)
        {
            if (_task is null || _task.IsFaulted || _task.IsCanceled)
                _task = Task.Run(init);
            return _task;
        }
    }
}

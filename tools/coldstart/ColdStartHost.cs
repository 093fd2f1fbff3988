// Measures a bundled handler's first invocation in a fresh process, the way Lambda's managed runtime meets it:
// load the handler assembly, create the handler type (SDK clients are built here), call HandleAsync once.
// Usage: dotnet <this>.dll <publish-dir> <assembly> <type> <payload-file>
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

var (dir, assemblyName, typeName, payloadFile) = (args[0], args[1], args[2], args[3]);
var payload = File.ReadAllBytes(payloadFile);
var clock = Stopwatch.StartNew();

var context = new AssemblyLoadContext("handler");
context.Resolving += (ctx, name) =>
{
    var candidate = Path.Combine(dir, name.Name + ".dll");
    return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
};
var assembly = context.LoadFromAssemblyPath(Path.Combine(dir, assemblyName + ".dll"));
var type = assembly.GetType(typeName, throwOnError: true)!;
var handler = Activator.CreateInstance(type)!;
var init = clock.Elapsed.TotalMilliseconds;

var method = type.GetMethod("HandleAsync", BindingFlags.Public | BindingFlags.Instance, [typeof(Stream)])!;
await using var response = await ((Task<Stream>)method.Invoke(handler, [new MemoryStream(payload)])!).ConfigureAwait(false);
var first = clock.Elapsed.TotalMilliseconds;
Console.Out.Flush();
Console.Error.WriteLine(FormattableString.Invariant($"init_ms={init:F1} first_invoke_ms={first:F1}"));

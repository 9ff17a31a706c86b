using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace Regsosek.Host;

/// <summary>
/// The public dashboard (issue 13): the static page in <c>web/</c>, copied beside the executable as
/// <c>dashboard/</c> at build time, served at <c>/</c>. The page calls only the public HTTP/JSON routes, exactly
/// as any other client, so it never sees more than its caller may. Nothing is fetched from elsewhere: the
/// Content-Security-Policy allows this origin only.
/// </summary>
public static class Dashboard
{
    /// <summary>The folder beside the executable that holds the page (web/ of the repository).</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "dashboard");

    /// <summary>The page may load and call this origin only; no inline script, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Serves the page at <c>/</c> (index.html) when its folder exists; a no-op otherwise.</summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        if (!Directory.Exists(Folder)) return app;
        var files = new PhysicalFileProvider(Folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Small files, revalidated each time: a new build is seen at once.
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}

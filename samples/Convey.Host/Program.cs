var builder = WebApplication.CreateBuilder(args);
builder.Services.AddConvey().AddTomlFile(args.Length > 0 ? args[0] : "config.toml");
var app = builder.Build();
app.Run();

// tools/browse.cpp — `insightv browse DIR`: the web page's data browser (and report viewer)
// over a datagen/assess/pipeline folder, with no model loaded. Same server as `serve`; the
// /v1 routes answer 503. Prints "listening on http://HOST:PORT" once bound.
#include <cstdio>

#include "server/http_server.h"
#include "tools/web_setup.h"

namespace insightv::cli {

VerbFn add_browse(CLI::App& app, const GlobalOptions&) {
  struct Options {
    WebFlags web;
    ServerOptions server;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("browse", "web page to browse generated reasoning data (no model): open http://HOST:PORT/data");
  add_web_flags(cmd, opt->web, /*data_positional=*/true);
  cmd->add_option("--host", opt->server.host, "address to listen on");
  cmd->add_option("--port", opt->server.port, "port (0: any free port)");
  return [opt]() {
    const WebSources web = load_web_sources(opt->web);
    ServingSetup setup;
    setup.data = web.data;
    setup.report = web.report;
    HttpServer server(setup, opt->server);
    const int port = server.bind();
    std::printf("listening on http://%s:%d (browse: open /data%s)\n", opt->server.host.c_str(), port,
                web.report ? ", /report" : "");
    std::fflush(stdout);
    serve_until_signal(server);
    std::printf("stopped\n");
    return 0;
  };
}

}  // namespace insightv::cli

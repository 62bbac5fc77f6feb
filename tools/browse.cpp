// tools/browse.cpp — `insightv browse DIR`: the web page's data browser (and report viewer)
// over a datagen/assess/pipeline folder, with no model loaded. Same server as `serve`; the
// /v1 routes answer 503. Prints "listening on http://HOST:PORT" once bound.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "server/http_server.h"
#include "tools/web_setup.h"

namespace insightv::cli {

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

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
    g_stop = false;
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::atomic<bool> served{false};
    std::thread watcher([&] {
      while (!g_stop && !served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      server.stop();
    });
    server.serve();
    served = true;
    watcher.join();
    std::printf("stopped\n");
    return 0;
  };
}

}  // namespace insightv::cli

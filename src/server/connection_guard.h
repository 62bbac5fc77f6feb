// server/connection_guard.h — the slow-client (slowloris) defence of the HTTP server.
//
// The HTTP library serves each connection on a pool thread and its read timeout is per recv():
// a client that sends one header byte every few seconds holds a thread forever, and a few dozen
// such clients starve everyone else. The guard closes every connection that has not delivered a
// whole request within `deadline_s` of being first seen. It watches the process's sockets bound
// to the server's port (/proc/self/fd, every 250 ms); the server reports each request that
// reached routing (`request_read`), and a connection that has delivered one is left alone
// (idle keep-alive connections are closed by the library after its keep-alive timeout).
//
//   ConnectionGuard guard(20);
//   guard.start(port);                         // the watcher thread
//   guard.request_read(rq.remote_addr, rq.remote_port);   // in the pre-routing handler
//   guard.stop();
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace insightv {

class ConnectionGuard {
 public:
  explicit ConnectionGuard(double deadline_s);  // <= 0: off
  ~ConnectionGuard();
  void start(int port);
  void stop();
  void request_read(const std::string& peer_addr, int peer_port);
  uint64_t closed() const;  // connections closed for being too slow

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The fd of this process's connection on local `port` whose peer is addr:port; -1 when none.
// (A request handler uses it to notice a client that hung up: the HTTP library only tells
// streaming handlers.)
int find_connection(int port, const std::string& peer_addr, int peer_port);
// Whether the peer of a connected socket has closed it or it failed. Never blocks.
bool peer_has_closed(int fd);

}  // namespace insightv

// server/connection_guard.cpp — see connection_guard.h.
#include "server/connection_guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "util/log.h"

namespace insightv {

namespace {

using Clock = std::chrono::steady_clock;

// "addr:port" of a socket address; empty for non-IP sockets.
std::string address_key(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
    port = ntohs(v6->sin6_port);
  } else {
    return "";
  }
  return std::string(host) + ":" + std::to_string(port);
}

int local_port(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
  return -1;
}

// The peer of `fd` when it is a connected socket on local `port`; empty otherwise.
std::string peer_on_port(int fd, int port) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return "";
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || local_port(a) != port) return "";
  sockaddr_storage p{};
  len = sizeof(p);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&p), &len) != 0) return "";  // the listening socket
  return address_key(p);
}

}  // namespace

struct ConnectionGuard::Impl {
  double deadline_s;
  int port = -1;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::map<std::string, Clock::time_point> served;  // peer → when it delivered a request (guarded by mu)
  std::atomic<uint64_t> closed{0};
  std::thread thread;

  struct Conn {
    std::string peer;
    Clock::time_point first_seen;
    bool served = false;
  };

  void watch() {
    std::map<int, Conn> conns;
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      lock.unlock();
      const auto now = Clock::now();
      std::map<int, Conn> seen;
      if (DIR* d = opendir("/proc/self/fd")) {
        while (const dirent* e = readdir(d)) {
          if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
          const int fd = std::atoi(e->d_name);
          const std::string peer = peer_on_port(fd, port);
          if (peer.empty()) continue;
          auto it = conns.find(fd);
          Conn c = it != conns.end() && it->second.peer == peer ? it->second : Conn{peer, now, false};
          seen[fd] = c;
        }
        closedir(d);
      }
      lock.lock();
      for (auto& [fd, c] : seen) {
        if (!c.served && served.count(c.peer)) c.served = true;
        if (c.served) continue;
        const double age = std::chrono::duration<double>(now - c.first_seen).count();
        if (age > deadline_s && peer_on_port(fd, port) == c.peer) {
          // shutdown() (not close()): the library's thread sees end of input and closes the fd itself.
          ::shutdown(fd, SHUT_RDWR);
          ++closed;
          IV_LOG(warn) << "closed a connection from " << c.peer << " that sent no whole request in " << deadline_s
                       << " s";
          c.served = true;  // do not count it twice
        }
      }
      // Forget peers whose connections are gone (not those reported since this scan began).
      std::set<std::string> live;
      for (const auto& [fd, c] : seen) live.insert(c.peer);
      for (auto it = served.begin(); it != served.end();)
        it = live.count(it->first) || it->second >= now ? std::next(it) : served.erase(it);
      conns = std::move(seen);
      cv.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping; });
    }
  }
};

ConnectionGuard::ConnectionGuard(double deadline_s) : impl_(std::make_unique<Impl>()) {
  impl_->deadline_s = deadline_s;
}
ConnectionGuard::~ConnectionGuard() { stop(); }

void ConnectionGuard::start(int port) {
  if (impl_->deadline_s <= 0 || impl_->thread.joinable()) return;
  impl_->port = port;
  impl_->stopping = false;
  impl_->thread = std::thread([this] { impl_->watch(); });
}

void ConnectionGuard::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void ConnectionGuard::request_read(const std::string& peer_addr, int peer_port) {
  if (impl_->deadline_s <= 0) return;
  std::lock_guard<std::mutex> lock(impl_->mu);
  // The library reports IPv4-mapped and plain forms alike; the key matches address_key().
  impl_->served[peer_addr + ":" + std::to_string(peer_port)] = Clock::now();
}

uint64_t ConnectionGuard::closed() const { return impl_->closed; }

int find_connection(int port, const std::string& peer_addr, int peer_port) {
  const std::string want = peer_addr + ":" + std::to_string(peer_port);
  int found = -1;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const int fd = std::atoi(e->d_name);
      if (peer_on_port(fd, port) == want) {
        found = fd;
        break;
      }
    }
    closedir(d);
  }
  return found;
}

bool peer_has_closed(int fd) {
  pollfd p{fd, static_cast<short>(POLLRDHUP), 0};
  if (::poll(&p, 1, 0) < 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

}  // namespace insightv

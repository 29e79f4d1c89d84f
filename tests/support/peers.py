"""Real network peers that misbehave, for timeouts a refused port cannot show.

`silent_peer()` accepts connections and never answers (a stalled server, or a load balancer
in front of a dead one); `StallingProxy` forwards to a real server until it is frozen, after
which established connections stay open and silent (a server that stalls mid-conversation).
"""
from contextlib import contextmanager
import socket
import threading


def _close_listener(sock: socket.socket) -> None:
    """Close a listening socket; shutdown() first, since close() alone does not wake a
    thread blocked in accept() on it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextmanager
def silent_peer():
    """A port on 127.0.0.1 that accepts every connection, reads nothing and never answers."""
    listener = _listener()
    accepted: list[socket.socket] = []  # kept open: a closed socket would answer with FIN/RST

    def accept_forever():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return  # listener closed
            accepted.append(conn)

    thread = threading.Thread(target=accept_forever, name="silent-peer", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        _close_listener(listener)
        for conn in accepted:
            conn.close()
        thread.join(timeout=5)


class StallingProxy:
    """A TCP proxy to `upstream` (host, port); `freeze()` stops forwarding in both directions
    while keeping every connection open, `thaw()` resumes it."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self._listener = _listener()
        self.port = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="stalling-proxy", daemon=True).start()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        _close_listener(self._listener)
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        self._flowing.set()  # release pumps waiting to forward

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        while not self._closed:
            self._flowing.wait()
            try:
                data = source.recv(65536)
            except OSError:
                return
            self._flowing.wait()  # data read just before a freeze is held back too
            if not data or self._closed:
                try:
                    target.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                target.sendall(data)
            except OSError:
                return

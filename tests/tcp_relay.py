"""A TCP relay on loopback that a test can cut and restore: a real network drop between browser and server."""

import socket
import threading
from typing import List

from bot.local_servers.ports import free_port


class TcpRelay:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target>. `cut()` closes every open connection and refuses
    new ones until `restore()`."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()  # not port 0: the kernel could hand out the just-released target port
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open: List[socket.socket] = []
        self._lock = threading.Lock()
        self._down = False

    def __enter__(self) -> "TcpRelay":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._listener.close()
        self.cut()

    def cut(self) -> None:
        with self._lock:
            self._down = True
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self._down = False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._down:
                    client.close()
                    continue
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

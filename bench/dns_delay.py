#!/usr/bin/env python3
"""dns_delay.py LISTEN_PORT UPSTREAM_PORT DELAY_MS: a UDP DNS relay on
127.0.0.1 that holds each query DELAY_MS before it passes it to the
resolver on UPSTREAM_PORT, as a resolver that far away would; many
queries in flight at once. Prints "ready" when it listens."""
import asyncio
import socket
import sys


class Relay(asyncio.DatagramProtocol):
    def __init__(self, upstream, delay):
        self.upstream, self.delay = upstream, delay
        self.count = 0

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.count += 1
        asyncio.get_running_loop().create_task(self.relay(data, addr))

    async def relay(self, data, addr):
        loop = asyncio.get_running_loop()
        await asyncio.sleep(self.delay)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        try:
            await loop.sock_connect(s, ("127.0.0.1", self.upstream))
            await loop.sock_sendall(s, data)
            reply = await asyncio.wait_for(loop.sock_recv(s, 65535), 10)
            self.transport.sendto(reply, addr)
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            s.close()


async def main():
    listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Relay(upstream, delay),
                                        local_addr=("127.0.0.1", listen))
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())

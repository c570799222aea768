#!/usr/bin/env python3
"""freeport.py - print a TCP port that is free on 127.0.0.1 right now.

Ports are drawn at random below the kernel's ephemeral range (which the
kernel hands to outgoing connections, so a port taken from it could be
grabbed by any client before our server binds it) and tested by binding
them. Tests run in parallel, so a fixed port would collide; the caller
still checks that its server really listens and retries otherwise.
Exit 1 when no free port was found after many tries.
"""
import random
import socket
import sys

LOW, HIGH = 20000, 32000


def free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def main():
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randint(LOW, HIGH)
        if free(port):
            print(port)
            return 0
    print("freeport: no free port found", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

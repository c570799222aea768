#!/usr/bin/env python3
"""neomutt_read - has NeoMutt open the first message of a mailbox and
decrypt it, driven through a pseudo-terminal, and prints what the screen
showed (terminal control sequences made spaces).

  neomutt_read.py MUTTRC

NeoMutt starts with -n -R -F MUTTRC (the muttrc names the mailbox as
$spoolfile and a $smime_decrypt_command). Once the index is on the
screen the script opens the message (Enter), answers the S/MIME
passphrase prompt with an empty line, and waits for the end of the
decrypted data. Exit 0 when it came; 1 otherwise (the screen is printed
either way). Waits are bounded (60 s each) and end on what is seen.
"""
import fcntl
import os
import pty
import struct
import termios
import re
import select
import signal
import sys
import time


def text_of(raw):
    return re.sub(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Z]|\x1b[=>]',
                  ' ', raw.decode(errors='replace'))


def main():
    pid, fd = pty.fork()
    if pid == 0:
        os.environ['TERM'] = 'vt100'
        os.execvp('neomutt', ['neomutt', '-n', '-R', '-F', sys.argv[1]])
    # A tall screen: the whole message on the first page.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 80, 160, 0, 0))
    raw = b''

    def wait_for(what, limit=60):
        nonlocal raw
        end = time.time() + limit
        while time.time() < end:
            if what in text_of(raw):
                return True
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return what in text_of(raw)
                if not data:
                    return what in text_of(raw)
                raw += data
        return what in text_of(raw)

    good = wait_for('Msgs:')
    if good:
        os.write(fd, b'\r')
        good = wait_for('passphrase')
    if good:
        os.write(fd, b'\r')
        good = wait_for('End of S/MIME encrypted data')
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print(text_of(raw))
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""neomutt_compose - has NeoMutt compose and send one message, driven
through a pseudo-terminal (NeoMutt applies no crypto in batch mode).

  neomutt_compose.py MUTTRC BODY-FILE SUBJECT RECIPIENT SENT-FILE

NeoMutt starts with -n -F MUTTRC -i BODY-FILE -s SUBJECT RECIPIENT; the
muttrc must set $editor to a program that returns at once and $sendmail
to one that writes SENT-FILE. Once the compose menu is on the screen
(its "Security:" line) the script sends "y" (send), then waits for
NeoMutt to exit. Exit 0 when SENT-FILE is there and not empty; 1 with
the screen's text on stderr otherwise. Waits are bounded (60 s each) and
end on what is seen, not on a clock.
"""
import os
import pty
import re
import select
import signal
import sys
import time


def main():
    rc, body, subject, rcpt, sent = sys.argv[1:6]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ['TERM'] = 'vt100'
        os.execvp('neomutt', ['neomutt', '-n', '-F', rc, '-i', body,
                              '-s', subject, rcpt])
    screen = b''

    closed = False

    def read_until(pred, limit):
        nonlocal screen, closed
        end = time.time() + limit
        while time.time() < end:
            if pred():
                return True
            if closed:	# the terminal is gone: wait for the exit
                time.sleep(0.2)
                continue
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b''
                if not data:
                    closed = True
                screen += data
        return pred()

    status = []

    def exited():
        if status:
            return True
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                status.append(1)
        except ChildProcessError:
            status.append(1)
        return bool(status)

    good = read_until(lambda: b'Security:' in screen, 60)
    if good:
        os.write(fd, b'y')
        good = read_until(lambda: os.path.exists(sent) and
                          os.path.getsize(sent) > 0 and exited(), 60)
    if not exited():
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not good:
        text = re.sub(rb'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Z]', b' ',
                      screen)
        sys.stderr.write(text.decode(errors='replace')[-2000:] + '\n')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""soak_check - accounts for every message of a soak run.

  soak_check.py RESULTS SINK-DIR MAILLOG SINK-PORT ENCRYPTED SIGNED INBOUND TLS

RESULTS are soak_load.py's lines ("ID CLASS OUTCOME TRIES REPLY", several
files joined). ENCRYPTED, SIGNED, INBOUND and TLS are comma-separated
class names whose delivered copies must be S/MIME enveloped data with no
clear text left, a detached S/MIME signature over the clear text, carry
smime=pass in Authentication-Results, and carry an X-Gatewarden-TLS
header that records TLS. Every other class must arrive as sent.

Every message is found by its id, the envelope sender s<ID>-<CLASS>@
soak.test that smtp-sink records (X-Mail-Args) and Postfix logs (qmgr's
from=<...>). smtp-source's messages (classes src...) have one sender per
run, src<BASE>-<CLASS>@soak.test, and a numbered recipient <SEQ>LOCAL@...
(X-Rcpt-Args; Postfix's to=<...>): their id is BASE + SEQ, and their text
is smtp-source's lines of X. The accounting:
  - a message the client saw accepted (250) was queued by Postfix once:
    one queue id (none twice: no duplicate acceptance), delivered to the
    sink (status=sent) once, and is in the sink;
  - a message refused (the expected permanent refusal) has no queue id
    and is not in the sink;
  - the sink holds nothing else (but dumps cut off before their envelope,
    no more than the deliveries Postfix saw break); a second copy of a message is allowed
    only where Postfix logged that a delivery of it broke off and was
    tried again (the sink restarted under it: SMTP's at-least-once);
  - no message bounced or still queued: every status=sent, none bounced.
Prints one "name=value" line per figure and a "problem:" line per fault
found (at most 20 of each kind); exit 0 when there is none.
"""
import collections
import os
import re
import sys

SENDER = re.compile(r'^s(\d+)-([a-z0-9]+)@soak\.test$')
SRC_SENDER = re.compile(r'^src(\d+)-([a-z0-9]+)@soak\.test$')
SRC_SEQ = re.compile(r'^(\d+)')
QMGR_FROM = re.compile(r' ([0-9A-F]{6,}): from=<([^>]*)>, size=')
DELIVERY = re.compile(r' ([0-9A-F]{6,}): to=<([^>]*)>, relay=([^,]*),.* status=(\w+)')
SRC_TEXT = b'X' * 40


def message_id(sender, recipient):
    """(id, class) of a message from its envelope, or None."""
    s = SENDER.match(sender or '')
    if s:
        return int(s.group(1)), s.group(2)
    s = SRC_SENDER.match(sender or '')
    n = SRC_SEQ.match(recipient or '')
    if s and n:
        return int(s.group(1)) + int(n.group(1)), s.group(2)
    return None


def parse_dump(path):
    """The sink's dump: (sender, recipient, headers dict of lists, body
    bytes)."""
    with open(path, 'rb') as f:
        data = f.read()
    sender = recipient = None
    m = re.search(rb'^X-Mail-Args: <([^>]*)>', data, re.M)
    if m:
        sender = m.group(1).decode(errors='replace')
    m = re.search(rb'^X-Rcpt-Args: <([^>]*)>', data, re.M)
    if m:
        recipient = m.group(1).decode(errors='replace')
    # smtp-sink's records, then its Received header (3 lines), then the
    # message.
    lines = data.split(b'\n')
    i = 0
    while i < len(lines) and lines[i].startswith(b'X-'):
        i += 1
    if i < len(lines) and lines[i].startswith(b'Received:'):
        i += 1
        while i < len(lines) and lines[i][:1] in (b' ', b'\t'):
            i += 1
    head = collections.defaultdict(list)
    cur = None
    while i < len(lines) and lines[i].strip(b'\r') != b'':
        line = lines[i].rstrip(b'\r')
        if line[:1] in (b' ', b'\t') and cur is not None:
            head[cur][-1] += b' ' + line.strip()
        elif b':' in line:
            k, v = line.split(b':', 1)
            cur = k.strip().lower().decode(errors='replace')
            head[cur].append(v.strip())
        i += 1
    body = b'\n'.join(lines[i + 1:])
    return sender, recipient, head, body


def first(head, name):
    v = head.get(name)
    return v[0].decode(errors='replace') if v else ''


def main():
    (results, sink_dir, maillog, sink_port, enc, sig, inb, tls) = sys.argv[1:9]
    enc, sig, inb, tls = (set(x.split(',')) - {''} for x in (enc, sig, inb, tls))
    problems = collections.defaultdict(list)

    def problem(kind, text):
        problems[kind].append(text)

    want = {}
    for path in results.split(','):
        with open(path) as f:
            for line in f:
                p = line.split(' ', 4)
                ident, cls, outcome = int(p[0]), p[1], p[2]
                if ident in want:
                    problem('id-reused', 'id %d in two results' % ident)
                want[ident] = (cls, outcome)
                if outcome == 'failed':
                    problem('client-failed', line.strip())

    # Postfix reuses a queue id once its message is gone: a delivery
    # belongs to the message the id named last (qmgr's from=<...>).
    queued = collections.defaultdict(set)     # id -> (queue id, id)
    sent = collections.Counter()              # (queue id, id) -> status=sent
    retried = collections.Counter()           # (queue id, id) -> deferred tries
    current = {}                              # queue id -> id
    src_base = {}                             # queue id -> smtp-source sender
    bounced = []
    sink_relay = '127.0.0.1[127.0.0.1]:%s' % sink_port
    with open(maillog, errors='replace') as f:
        for line in f:
            m = QMGR_FROM.search(line)
            if m:
                current.pop(m.group(1), None)
                src_base.pop(m.group(1), None)
                s = SENDER.match(m.group(2))
                if s:
                    ident = int(s.group(1))
                    queued[ident].add((m.group(1), ident))
                    current[m.group(1)] = ident
                elif SRC_SENDER.match(m.group(2)):
                    # The id is known at the first delivery (to=<...>).
                    src_base[m.group(1)] = m.group(2)
                continue
            m = DELIVERY.search(line)
            if m:
                qid, rcpt, relay, status = m.groups()
                if qid in src_base:
                    found = message_id(src_base[qid], rcpt)
                    if found:
                        current[qid] = found[0]
                        queued[found[0]].add((qid, found[0]))
                qid = (qid, current.get(qid))
                if status == 'sent' and relay == sink_relay:
                    sent[qid] += 1
                elif status == 'deferred':
                    retried[qid] += 1
                elif status in ('bounced', 'expired'):
                    bounced.append(line.strip())

    copies = collections.defaultdict(list)
    stray = 0
    partial = 0
    for name in sorted(os.listdir(sink_dir)):
        if name.startswith('.'):
            continue
        sender, recipient, head, body = parse_dump(os.path.join(sink_dir, name))
        if sender is None or recipient is None:
            # smtp-sink killed before it wrote the envelope: the MTA saw
            # that delivery break and tried again (checked below).
            partial += 1
            continue
        found = message_id(sender, recipient)
        if not found:
            stray += 1
            problem('stray', '%s: sender %s' % (name, sender))
            continue
        copies[found[0]].append((name, found[1], head, body))

    counts = collections.Counter()
    extra_copies = 0
    for ident, (cls, outcome) in sorted(want.items()):
        qids = queued.get(ident, set())
        got = copies.get(ident, [])
        counts[outcome] += 1
        if outcome != 'accepted':
            if qids:
                problem('refused-but-queued', 'id %d (%s, %s) queued as %s' %
                        (ident, cls, outcome, ','.join(q for q, _ in sorted(qids))))
            if got:
                problem('refused-but-delivered', 'id %d (%s)' % (ident, cls))
            continue
        if len(qids) != 1:
            problem('queued-not-once', 'id %d (%s): %d queue ids %s' %
                    (ident, cls, len(qids), ','.join(q for q, _ in sorted(qids))))
        if not got:
            problem('lost', 'id %d (%s) accepted, not in the sink' % (ident, cls))
            continue
        nsent = sum(sent[q] for q in qids)
        if nsent != 1:
            problem('sent-not-once', 'id %d (%s): status=sent %d times' %
                    (ident, cls, nsent))
        allowed = 1 + sum(retried[q] for q in qids)
        if len(got) > allowed:
            problem('duplicate', 'id %d (%s): %d copies, %d delivery tries' %
                    (ident, cls, len(got), allowed))
        extra_copies += len(got) - 1
        for name, gcls, head, body in got:
            if gcls != cls:
                problem('class', '%s: class %s, want %s' % (name, gcls, cls))
            ctype = first(head, 'content-type')
            text = SRC_TEXT if cls.startswith('src') else b'soak test line'
            if cls in enc:
                if not re.search(r'application/(x-)?pkcs7-mime;.*smime-type=enveloped-data', ctype):
                    problem('not-encrypted', '%s: id %d Content-Type %s' % (name, ident, ctype))
                if text in body or b'partner line' in body:
                    problem('clear-text', '%s: id %d' % (name, ident))
            elif cls in sig:
                if not re.search(r'multipart/signed;.*application/(x-)?pkcs7-signature', ctype):
                    problem('not-signed', '%s: id %d Content-Type %s' % (name, ident, ctype))
                if text not in body:
                    problem('content', '%s: id %d signed text missing' % (name, ident))
            elif cls in inb:
                ar = ' '.join(v.decode(errors='replace') for v in head.get('authentication-results', []))
                if 'smime=pass' not in ar:
                    problem('not-verified', '%s: id %d Authentication-Results %s' % (name, ident, ar))
            elif cls.startswith('src'):
                if SRC_TEXT not in body:
                    problem('content', '%s: id %d text missing' % (name, ident))
            else:
                if b'soak test line' not in body:
                    problem('content', '%s: id %d text missing' % (name, ident))
                if first(head, 'x-soak-id') != str(ident):
                    problem('content', '%s: X-Soak-Id %s, want %d' % (name, first(head, 'x-soak-id'), ident))
            if cls in tls:
                t = first(head, 'x-gatewarden-tls')
                if 'TLS' not in t:
                    problem('not-tls', '%s: id %d X-Gatewarden-TLS %s' % (name, ident, t))
    for ident in copies:
        if ident not in want:
            problem('unknown-id', 'id %d in the sink, never sent' % ident)
    if partial > sum(retried.values()):
        problem('partial', '%d dumps without an envelope, only %d broken '
                'deliveries' % (partial, sum(retried.values())))
    for b in bounced:
        problem('bounced', b)

    print('messages=%d' % len(want))
    for k in sorted(counts):
        print('%s=%d' % (k, counts[k]))
    print('sink_files=%d' % sum(len(v) for v in copies.values()))
    print('extra_copies_after_broken_deliveries=%d' % extra_copies)
    print('stray_files=%d' % stray)
    print('partial_dumps_of_broken_deliveries=%d' % partial)
    nprob = 0
    for kind in sorted(problems):
        print('problems_%s=%d' % (kind, len(problems[kind])))
        for t in problems[kind][:20]:
            print('problem: %s: %s' % (kind, t))
        nprob += len(problems[kind])
    print('problems=%d' % nprob)
    return 1 if nprob else 0


if __name__ == '__main__':
    sys.exit(main())

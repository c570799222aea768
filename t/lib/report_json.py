#!/usr/bin/env python3
"""report_json.py - gatewarden-report's --json output, read for the tests
in one Python start per question (Python starts slowly on a loaded
machine):

  report_json.py digest FILE
      the numbers the tests compare with grep and awk, one per line:
        input LINES GATEWARDEN POSTFIX
        group NAME DECISIONS TLS ACCEPT REJECT TEMPFAIL
        domain NAME SESSIONS TLS
        dest NAME SENT DEFERRED BOUNCED VERIFIED TRUSTED UNTRUSTED ANONYMOUS PLAIN
        inref REASON COUNT          (inbound refusals but DANE's)
        outref TOTAL                (outbound refusals, every category)
        alert KIND ACTION COUNT
        smime SIGNED ENCRYPTED BOUNCE SPLIT RECIPIENTS UNUSABLE
  report_json.py eval FILE EXPR...
      each Python expression over r (the report), one line each; lists
      and dicts as JSON
  report_json.py same FILE1 FILE2
      exit 0 when the two reports are the same but for "made"
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def digest(r):
    i = r["input"]
    print("input", i["lines"], i["gatewarden"], i["postfix"])
    for g in r["inbound"]["groups"]:
        print("group", g["name"], g["decisions"], g["tls"], g["accept"],
              g["reject"], g["tempfail"])
    for d in r["inbound"]["client_domains"]:
        print("domain", d["domain"], d["sessions"], d["tls"])
    for d in r["outbound"]["destinations"]:
        t = d["tls"]
        print("dest", d["domain"], d["sent"], d["deferred"], d["bounced"],
              t["Verified"], t["Trusted"], t["Untrusted"], t["Anonymous"],
              t["plain"])
    for x in r["refusals"]["reasons"]:
        if x["flow"] == "inbound" and x["category"] != "DANE":
            print("inref", x["reason"], x["count"])
    print("outref", sum(r["refusals"]["by_category"]["outbound"].values()))
    for a in r["keys"]["alerts"]:
        print("alert", a["kind"], a["action"], a["count"])
    s = r["smime"]
    m = s["missing_key"]
    print("smime", s["signed"], s["encrypted"], m["bounce"], m["split"],
          m["recipients"], s["unusable_keys"])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "digest":
        digest(load(sys.argv[2]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "eval":
        r = load(sys.argv[2])
        for e in sys.argv[3:]:
            v = eval(e, {"r": r})
            print(json.dumps(v, sort_keys=True)
                  if isinstance(v, (list, dict)) else v)
    elif len(sys.argv) == 4 and sys.argv[1] == "same":
        a, b = load(sys.argv[2]), load(sys.argv[3])
        a.pop("made", None)
        b.pop("made", None)
        return 0 if a == b else 1
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

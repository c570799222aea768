#!/bin/sh
# report-html: the HTML report of the recorded bench logs (t/report/),
# rendered by headless Chromium (Debian's chromium, a new empty profile,
# no network of its own): its DOM has every chart and every table, each
# chart drawn (an SVG with marks in it) and each table with rows; a
# screenshot is taken and is not blank: most of the page is white, but
# not all of it, and the charts' colours are on it. The page fetches
# nothing: no script, no src=, href= or url() in it.
#
# REPORT_SCREENSHOT=FILE also writes the small PNG the README shows
# (doc/gatewarden-report.png): `make check TESTS=t/report-html.sh
# REPORT_SCREENSHOT=$PWD/../doc/gatewarden-report.png`.
. "$top_srcdir/t/lib/tap.sh"

REPORT=$top_builddir/report/gatewarden-report
KEYS=$top_builddir/smime/gatewarden-keys
LOGS=$top_srcdir/t/report
PNG="python3 $top_srcdir/t/lib/png_check.py"
[ -x "$REPORT" ] || bail_out "$REPORT not built"
for _p in chromium python3 openssl timeout; do
	command -v "$_p" >/dev/null 2>&1 ||
	    skip_all "$_p not installed (tools/install-deps)"
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gw-report-html.XXXXXX") || bail_out "mktemp"
trap 'rm -rf "$WORK"' EXIT
TZ=UTC
export TZ

# Certificates that expire soon, so that the page's last table has rows.
mkdir -p "$WORK/private"
cat >"$WORK/gw.yaml" <<EOF
smime:
  keystore: $WORK/keystore.db
  private_dir: $WORK/private
  certificates:
    - { name: org, certificate: $WORK/private/org.crt, key: $WORK/private/org.key }
EOF
sed -n '/^destinations:/,$p' "$LOGS/dane-postfix.yaml" >>"$WORK/gw.yaml"
"$KEYS" -c "$WORK/gw.yaml" create-cert org --smime --cn "Example Org" \
    --email gateway@example.test --days 12 >/dev/null 2>&1 ||
    bail_out "gatewarden-keys create-cert failed"
# Partners' keys harvested on three days (t/report_harvest stores them as
# the milter's harvesting does), so that the harvest chart has a line.
i=0
for day in 2026-11-30 2026-12-01 2026-12-01 2026-12-02 2026-12-02 2026-12-02; do
	i=$((i + 1))
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 365 -subj "/CN=p$i@partner.test" \
	    -addext "subjectAltName=email:p$i@partner.test" \
	    -keyout "$WORK/p$i.key" -out "$WORK/p$i.pem" 2>/dev/null &&
	    "$top_builddir/t/report_harvest" "$WORK/keystore.db" \
	    "$(date -u -d "$day 12:00" +%s)" "$WORK/p$i.pem" ||
	    bail_out "could not harvest a key for the test"
done

"$REPORT" --year 2026 -c "$WORK/gw.yaml" --title "gatewarden report: the benches" \
    -o "$WORK/report.html" "$LOGS"/*.maillog
is "$?" 0 "the report of the recorded logs is written (-o)"
html=$(cat "$WORK/report.html")
unlike "$html" '<script|<link|<img|<iframe|<object| src=| href=|url\(|@import' \
    "self-contained: no script, link, image, src=, href=, url() or @import"

chrome()	# chrome ARGS... URL: headless Chromium, bounded in time
{
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$WORK/profile.$1" --hide-scrollbars "$@" \
	    2>>"$WORK/chromium.err"
}

mkdir "$WORK/profile.--dump-dom" "$WORK/profile.--window-size=1280,1600"
chrome --dump-dom "file://$WORK/report.html" >"$WORK/dom.html"
ok $? "Chromium loads the page (--dump-dom)"

# Every chart (an <svg> with drawn marks) and every table (with rows)
# in the DOM as Chromium built it.
python3 - "$WORK/dom.html" >"$WORK/dom.txt" <<'EOF'
import sys
from html.parser import HTMLParser

class Walk(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.marks, self.rows = [], {}, {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("svg", "table") and a.get("id"):
            self.stack.append(a["id"])
            (self.marks if tag == "svg" else self.rows)[a["id"]] = 0
        elif self.stack and tag in ("path", "rect", "circle", "line", "text"):
            if self.stack[-1] in self.marks:
                self.marks[self.stack[-1]] += 1
        elif self.stack and tag == "tr" and self.stack[-1] in self.rows:
            self.rows[self.stack[-1]] += 1
    def handle_endtag(self, tag):
        if tag in ("svg", "table") and self.stack:
            self.stack.pop()

w = Walk()
w.feed(open(sys.argv[1], encoding="utf-8").read())
for k, v in sorted(w.marks.items()):
    print("svg", k, v)
for k, v in sorted(w.rows.items()):
    print("table", k, v)
EOF
for id in inbound-groups inbound-domains outbound refusals smime harvest \
    clear; do
	marks=$(awk -v id="chart-$id" '$1 == "svg" && $2 == id { print $3 }' "$WORK/dom.txt")
	ok "$([ "${marks:-0}" -gt 5 ]; echo $?)" \
	    "the DOM has chart-$id, drawn (${marks:-no} marks)"
done
for id in inbound-groups inbound-domains outbound refusals smime \
    smime-failures harvest alerts expiring clear; do
	rows=$(awk -v id="table-$id" '$1 == "table" && $2 == id { print $3 }' "$WORK/dom.txt")
	ok "$([ "${rows:-0}" -ge 2 ]; echo $?)" \
	    "the DOM has table-$id, with rows (${rows:-none})"
done
is "$(grep -o '<td class="name">2026-1[12]-[0-9]*</td><td>[0-9]*</td>' \
    "$WORK/dom.html" | tr -d '\n')" \
    '<td class="name">2026-11-30</td><td>1</td><td class="name">2026-12-01</td><td>2</td><td class="name">2026-12-02</td><td>3</td>' \
    "keys harvested per day: 1, 2, 3"
like "$(cat "$WORK/dom.html")" '<td class="name">org</td><td>organisation</td>' \
    "the expiring organisation certificate is listed"

# ---- the screenshot ------------------------------------------------------
chrome --window-size=1280,1600 --screenshot="$WORK/shot.png" \
    "file://$WORK/report.html" >/dev/null
ok "$([ -s "$WORK/shot.png" ]; echo $?)" "Chromium takes a screenshot"
$PNG stats "$WORK/shot.png" '#2ca02c' '#d62728' '#1f77b4' >"$WORK/stats.txt" 2>&1
ok $? "the screenshot decodes"
read -r width height permille colours <"$WORK/stats.txt"
is "$width x $height" "1280 x 1600" "it is 1280 x 1600"
ok "$([ "${permille:-0}" -ge 20 ] && [ "${permille:-0}" -le 600 ]; echo $?)" \
    "not blank: ${permille:-?} per mille of it is not white"
ok "$([ "${colours:-0}" -ge 20 ]; echo $?)" \
    "not one flat colour: ${colours:-?} colours"
for c in '#2ca02c' '#d62728' '#1f77b4'; do
	n=$(awk -v c="$c" '$1 == c { print $2 }' "$WORK/stats.txt")
	ok "$([ "${n:-0}" -ge 100 ]; echo $?)" \
	    "the charts' $c is drawn (${n:-0} pixels)"
done

if [ -n "${REPORT_SCREENSHOT:-}" ]; then
	$PNG shrink "$WORK/shot.png" "$REPORT_SCREENSHOT" &&
	    diag "REPORT_SCREENSHOT: $REPORT_SCREENSHOT written"
fi
[ "${TAP_FAILED:-0}" = 0 ] || diag_file "$WORK/chromium.err" 20
done_testing
exit $?

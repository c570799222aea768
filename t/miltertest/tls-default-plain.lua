-- tls-default-plain: anyone else (tls: preferred) may send in clear; the
-- header records version=none.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "IPv6:2001:db8:ffff::9", "mail.other.test")
sm_plain(conn, "mail.other.test")
expect_delivered(conn, "4CLEAR", "<carol@other.test>",
    "group=default; policy=preferred; version=none")
mt.disconnect(conn)

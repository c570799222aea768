/*
 * tlsrpt - gatewarden-maps tlsrpt: SMTP TLS reports (RFC 8460) from the
 * MTA's mail log (see gatewarden-maps(8)).
 */
#ifndef GW_DANE_TLSRPT_H
#define GW_DANE_TLSRPT_H

int	tlsrpt_main(int argc, char **argv);

#endif

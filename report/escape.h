/*
 * escape - text from the log, written safely into each output format.
 *
 * Every name in the report (groups, domains, reasons, certificate
 * subjects) came from outside. put_json() writes a JSON string (quoted;
 * control characters as \u00XX), put_html() HTML text (& < > " '
 * escaped), put_text() a terminal-safe field, padded to width bytes (0:
 * none). In all three, bytes that are not valid UTF-8 and control
 * characters become U+FFFD (in text: '?'), so no output can be broken or
 * a terminal driven by what a sender put in a log line.
 */
#ifndef GW_REPORT_ESCAPE_H
#define GW_REPORT_ESCAPE_H

#include <stdio.h>

void	put_json(FILE *, const char *);
void	put_html(FILE *, const char *);
void	put_text(FILE *, const char *, int width);

#endif

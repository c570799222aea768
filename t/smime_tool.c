/*
 * smime_tool - test driver for the outbound S/MIME engine: reads a whole
 * message (headers, empty line, body) from a file, runs it through
 * outbound_process() as the milter would, and writes the message the
 * milter's edits would leave (header deletions, additions, new body).
 *
 *   smime_tool [options] IN OUT
 *     -m sign|encrypt|sign-encrypt|triple   -s detached|opaque
 *     -c aes-256-cbc|aes-128-cbc|aes-256-gcm  -d sha256|sha384|sha512
 *     -p pkcs1|pss (signature)  -k pkcs1|oaep (key transport)
 *     -x (leave the chain out)  -M bounce|drop|split
 *     -C cert.pem -K key.pem | -P file.p12 -W passfile   signer
 *     -r addr=cert.pem (a recipient with a key) | -r addr (without)
 *     -S self.pem (encrypt-to-self)
 *     -e   write the canonical inner entity only (mime_canon), no CMS
 *
 * Prints "action=..." and the engine's log line on stderr; exit 0 on
 * success, 2 on a temporary error, 3 on a permanent one, 1 on misuse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "conf/words.h"
#include "lib/xalloc.h"
#include "smime/mime/mime_canon.h"
#include "smime/outbound.h"

#define MAX_ITEMS 256

static struct mime_header hdrs[MAX_ITEMS * 4];
static size_t nhdrs;

static void
usage(void)
{
	fprintf(stderr, "usage: smime_tool [options] IN OUT (see the source)\n");
	exit(1);
}

static int
word(const struct word *t, const char *s)
{
	int	v;

	if (!word_parse(t, s, &v)) {
		fprintf(stderr, "smime_tool: unknown word %s\n", s);
		exit(1);
	}
	return v;
}

static X509 *
read_cert(const char *path)
{
	FILE	*f = fopen(path, "r");
	X509	*x;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		fprintf(stderr, "smime_tool: %s: no certificate\n", path);
		exit(1);
	}
	return x;
}

/* Splits the message: header fields into hdrs[], the body into a
 * temporary file (what the milter's spool would hold). */
static FILE *
read_message(const char *path)
{
	FILE	*in = fopen(path, "rb"), *body = tmpfile();
	char	*line = NULL;
	size_t	cap = 0;
	ssize_t	n;
	char	buf[65536];
	size_t	got;
	char	*cur = NULL;

	if (in == NULL || body == NULL) {
		perror(path);
		exit(1);
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		if (strcmp(line, "\n") == 0 || strcmp(line, "\r\n") == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t') {
			if (cur == NULL)
				continue;
			cur = x_realloc(cur, strlen(cur) + (size_t)n + 1);
			strcat(cur, "\n");
			strncat(cur, line, strcspn(line, "\r\n"));
			hdrs[nhdrs - 1].value = cur;
			continue;
		}
		char	*colon = strchr(line, ':');
		if (colon == NULL || nhdrs == sizeof(hdrs) / sizeof(hdrs[0]))
			continue;
		*colon = '\0';
		hdrs[nhdrs].name = x_strdup(line);
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		cur = x_strndup(colon, strcspn(colon, "\r\n"));
		hdrs[nhdrs++].value = cur;
	}
	free(line);
	while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, got, body);
	fclose(in);
	fflush(body);
	return body;
}

static void
put_value(FILE *o, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\n')
			fputs("\r\n", o);
		else if (*v != '\r')
			fputc(*v, o);
	}
}

static void
write_result(FILE *o, const struct outbound_result *r, FILE *newbody)
{
	size_t	i, j;
	char	buf[65536];
	size_t	n;
	unsigned idx;
	bool	gone;

	for (i = 0; i < nhdrs; i++) {
		idx = 0;
		for (j = 0; j <= i; j++)
			if (strcasecmp(hdrs[j].name, hdrs[i].name) == 0)
				idx++;
		gone = false;
		for (j = 0; j < r->edits.ndel; j++)
			if (strcasecmp(r->edits.del[j].name, hdrs[i].name) == 0 &&
			    r->edits.del[j].index == idx)
				gone = true;
		if (gone)
			continue;
		fprintf(o, "%s: ", hdrs[i].name);
		put_value(o, hdrs[i].value);
		fputs("\r\n", o);
	}
	for (i = 0; i < r->edits.nadd; i++)
		fprintf(o, "%s: %s\r\n", r->edits.add[i].name, r->edits.add[i].value);
	fputs("\r\n", o);
	rewind(newbody);
	while ((n = fread(buf, 1, sizeof(buf), newbody)) > 0)
		fwrite(buf, 1, n, o);
}

int
main(int argc, char **argv)
{
	struct sending_profile prof = { 0 };
	struct smime_certificate sc = { 0 };
	struct smime_signer *signer = NULL;
	struct outbound_recipient rc[MAX_ITEMS];
	size_t	nrc = 0, i;
	struct outbound_request rq = { 0 };
	struct outbound_result *res = NULL;
	struct smime_err err;
	X509	*self = NULL;
	FILE	*body, *newbody, *o;
	int	ch, entity = 0;
	char	*eq;

	prof.name = "test";
	prof.include_chain = true;
	while ((ch = getopt(argc, argv, "m:s:c:d:p:k:xM:C:K:P:W:r:S:e")) != -1) {
		switch (ch) {
		case 'm': prof.mode = word(words_smime_mode, optarg); break;
		case 's': prof.sign_mode = word(words_sign_mode, optarg); break;
		case 'c': prof.cipher = word(words_cipher, optarg); break;
		case 'd': prof.digest = word(words_digest, optarg); break;
		case 'p': prof.signature = word(words_signature, optarg); break;
		case 'k': prof.key_transport = word(words_key_transport, optarg); break;
		case 'x': prof.include_chain = false; break;
		case 'M': prof.missing_key = word(words_missing_key, optarg); break;
		case 'C': sc.certificate = optarg; break;
		case 'K': sc.key = optarg; break;
		case 'P': sc.pkcs12 = optarg; break;
		case 'W': sc.passphrase_file = optarg; break;
		case 'S': self = read_cert(optarg); break;
		case 'e': entity = 1; break;
		case 'r':
			if (nrc == MAX_ITEMS)
				usage();
			eq = strchr(optarg, '=');
			if (eq != NULL)
				*eq = '\0';
			rc[nrc].address = optarg;
			rc[nrc++].cert = eq ? read_cert(eq + 1) : NULL;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	smime_err_clear(&err);
	body = read_message(argv[optind]);
	if ((o = fopen(argv[optind + 1], "wb")) == NULL) {
		perror(argv[optind + 1]);
		return 1;
	}
	if (entity) {
		struct mime_tree *t;
		BIO	*b = BIO_new_fp(o, BIO_NOCLOSE);
		int	r = mime_parse(body, hdrs, nhdrs, &t, &err) == 0 &&
		    mime_canon_write(body, t, hdrs, nhdrs, b, NULL, &err) == 0;

		BIO_free(b);
		mime_tree_free(t);
		fclose(o);
		fclose(body);
		if (!r)
			fprintf(stderr, "error=%s reason=%s\n",
			    smime_status_name(err.status), err.msg);
		goto out;
	}
	if ((sc.certificate || sc.pkcs12) &&
	    smime_signer_load(&sc, &signer, &err) < 0) {
		fclose(o);
		fclose(body);
		goto fail;
	}
	newbody = tmpfile();
	rq.profile = &prof;
	rq.signer = signer;
	rq.self = self;
	rq.rcpts = rc;
	rq.nrcpts = nrc;
	rq.headers = hdrs;
	rq.nheaders = nhdrs;
	rq.body = body;
	rq.out = newbody;
	if (outbound_process(&rq, &res, &err) < 0) {
		fclose(newbody);
		fclose(body);
		fclose(o);
		goto fail;
	}
	fprintf(stderr, "action=%s\n", outbound_action_name(res->action));
	if (res->reply_text)
		fprintf(stderr, "reply=%s %s %s\n", res->reply_code,
		    res->reply_xcode, res->reply_text);
	for (i = 0; i < res->nclear; i++)
		fprintf(stderr, "clear=%s\n", res->clear[i]);
	fprintf(stderr, "log=%s\n", res->log);
	if (res->action == OUTBOUND_REPLACE)
		write_result(o, res, newbody);
	fclose(o);
	fclose(newbody);
	fclose(body);
	outbound_result_free(res);
out:
	smime_signer_free(signer);
	X509_free(self);
	for (i = 0; i < nrc; i++)
		X509_free(rc[i].cert);
	for (i = 0; i < nhdrs; i++) {
		free((char *)hdrs[i].name);
		free((char *)hdrs[i].value);
	}
	return err.status == SMIME_OK ? 0 : err.status == SMIME_TEMP ? 2 : 3;
fail:
	fprintf(stderr, "error=%s reason=%s\n", smime_status_name(err.status),
	    err.msg);
	goto out;
}
